import type { Journal } from '../journal/journal.js';
import type { DetectionSink } from '../store/alert-store-api.js';
import { PgAlertStore } from '../store/pg-alert-store.js';

/**
 * Detection's sink with PostgreSQL as the alert store: alerts and this instance's position committed there in one
 * transaction, then the local journal cursor moved to the same position (it only follows: pruning and backlog).
 * Its own small pool: detection holds one connection at a time.
 */
export function pgSink(url: string, instance: string, journal: Journal): DetectionSink {
  const store = new PgAlertStore(url, Date.now, { max: 1 });
  return store.sink(instance, (seq, rows) => journal.advance(seq, rows, () => {}));
}
