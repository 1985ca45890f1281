import { SqliteStore } from '../../src/backends/db/sqlite-store.js';
import { defineDifferential } from './define-differential.js';

defineDifferential('sqlite', async () => ({ store: SqliteStore.open(':memory:'), stop: () => {} }));
