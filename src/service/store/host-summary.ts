/** One host's alerts as `GET /api/hosts` lists them. */
export interface HostSummary {
  readonly name: string;
  readonly alerts: number;
  /** Alerts never triaged or still open. */
  readonly open: number;
  readonly levels: { readonly [level: string]: number };
  /** Event times of its first and last alert (ms), null when none had a time. */
  readonly firstAlert: number | null;
  readonly lastAlert: number | null;
}

/** Per host (case folded) and level: counts and event-time bounds. The same SQL on SQLite and PostgreSQL. */
export const HOSTS_SQL =
  "SELECT lower(a.host) AS key, max(a.host) AS name, a.level, count(*) AS n, sum(CASE WHEN coalesce(t.status, 'open') = 'open' THEN 1 ELSE 0 END) AS open, " +
  'min(a.event_time) AS first, max(a.event_time) AS last FROM alerts a LEFT JOIN alert_triage t ON t.id = a.id GROUP BY lower(a.host), a.level';

export interface HostLevelRow {
  key: string;
  name: string;
  level: string;
  n: number;
  open: number;
  first: number | null;
  last: number | null;
}

const bound = (a: number | null, b: number | null, pick: (x: number, y: number) => number) => (a === null ? b : b === null ? a : pick(a, b));

/** The rows of HOSTS_SQL folded per host, the most alerts first. */
export function hostSummaries(rows: readonly HostLevelRow[]): HostSummary[] {
  const byHost = new Map<string, { name: string; alerts: number; open: number; levels: { [level: string]: number }; firstAlert: number | null; lastAlert: number | null }>();
  for (const r of rows) {
    let h = byHost.get(r.key);
    if (h === undefined) byHost.set(r.key, (h = { name: r.name, alerts: 0, open: 0, levels: {}, firstAlert: null, lastAlert: null }));
    h.alerts += Number(r.n);
    h.open += Number(r.open);
    h.levels[r.level] = (h.levels[r.level] ?? 0) + Number(r.n);
    h.firstAlert = bound(h.firstAlert, r.first === null ? null : Number(r.first), Math.min);
    h.lastAlert = bound(h.lastAlert, r.last === null ? null : Number(r.last), Math.max);
  }
  return [...byHost.values()].sort((a, b) => b.alerts - a.alerts || a.name.localeCompare(b.name));
}
