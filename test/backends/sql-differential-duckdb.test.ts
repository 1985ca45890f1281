import { DuckDbStore } from '../../src/backends/db/duckdb-store.js';
import { defineDifferential } from './define-differential.js';

// One DuckDB thread: vitest runs another file beside this one on 2 cores, and a second DuckDB thread there only
// contends with it (measured: ~10% slower per query with a busy core beside it).
defineDifferential('duckdb', async () => ({ store: await DuckDbStore.open(':memory:', { threads: 1 }), stop: () => {} }));
