import { ChdbStore } from './chdb-store.js';
import { defineDifferential } from './define-differential.js';

defineDifferential('clickhouse', async () => {
  const store = await ChdbStore.open();
  return store === undefined ? undefined : { store, stop: () => {} };
});
