import type { Journal } from '../journal/journal.js';
import type { AlertStoreApi, DetectionSink, TriageApi } from './alert-store-api.js';
import type { AlertStore } from './alert-store.js';
import type { TriageStore } from './triage-store.js';

/** The embedded SQLite store behind the async store API (its calls answer at once). */
export function sqliteStoreApi(store: AlertStore, triage: TriageStore, location: string): { readonly alerts: AlertStoreApi; readonly triage: TriageApi } {
  return {
    alerts: {
      kind: 'sqlite',
      location,
      get: async (id) => store.get(id),
      list: async (q) => store.list(q),
      count: async () => store.count(),
      countsByRule: async () => store.countsByRule(),
      countsByFilter: async () => store.countsByFilter(),
      hosts: async () => store.hosts(),
    },
    triage: {
      exists: async (id) => triage.exists(id),
      update: async (ids, change, who) => triage.update(ids, change, who),
      addNote: async (id, text, who) => triage.addNote(id, text, who),
      notes: async (id) => triage.notes(id),
      audit: async (id) => triage.audit(id),
    },
  };
}

/** Detection's commit with the SQLite store: alerts and the cursor in one transaction of the journal's database. */
export function sqliteSink(journal: Journal, store: AlertStore): DetectionSink {
  return {
    resume: async () => journal.cursor,
    resumeState: async () => (journal.db.prepare("SELECT value FROM detector_state WHERE name = 'correlations'").pluck().get() as string | undefined) ?? undefined,
    commit: async (seq, rows, alerts, state, suppressed) =>
      journal.advance(seq, rows, () => {
        for (const a of alerts) store.insert(a);
        if (suppressed !== undefined) store.addSuppressed(suppressed);
        if (state !== undefined) journal.db.prepare("INSERT INTO detector_state (name, value) VALUES ('correlations', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value").run(state);
      }),
    close: async () => {},
  };
}
