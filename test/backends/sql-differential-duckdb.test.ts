import { DuckDbStore } from '../../src/backends/db/duckdb-store.js';
import { defineDifferential } from './define-differential.js';

defineDifferential('duckdb', async () => ({ store: await DuckDbStore.open(':memory:'), stop: () => {} }));
