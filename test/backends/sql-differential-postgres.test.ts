import { PostgresStore } from '../../src/backends/db/postgres-store.js';
import { defineDifferential } from './define-differential.js';
import { startTestPostgres } from './postgres-server.js';

defineDifferential('postgres', async () => {
  const server = await startTestPostgres();
  if (server === undefined) return undefined;
  return { store: await PostgresStore.connect(server.url), stop: () => server.stop() };
});
