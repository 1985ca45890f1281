import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../store/open-database.js';
import type { CheckpointWorkerData } from './checkpointer.js';

const data = workerData as CheckpointWorkerData;
// Its own connection: a passive checkpoint takes no lock a commit or a read waits for.
const db = openDatabase(data.dataDir);
const timer = setInterval(() => db.pragma('wal_checkpoint(PASSIVE)'), data.everyMs);
parentPort?.on('close', () => {
  clearInterval(timer);
  db.close();
});
