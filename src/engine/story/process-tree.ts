import { childrenKey, type ContextEntry, type EntryLookup, type ProcessContext } from '../process-context.js';
import type { LinkKind } from './story.js';

type ProcessEntry = Extract<ContextEntry, { kind: 'process' }>;

/** A process found for a story, before its activity is attached. */
export interface FoundProcess {
  readonly id: string;
  readonly kind: LinkKind;
  readonly depth: number;
  readonly parentId?: string;
  /** When it started (ms), to pick a parent by PID among reused PIDs. */
  readonly at: number;
  readonly ctx: Omit<ProcessContext, 'matchedBy'>;
}

export interface TreeWalk {
  /** Root first: the chain of ancestors, the process itself (depth 0), then descendants breadth first. */
  readonly nodes: readonly FoundProcess[];
  readonly truncated: boolean;
  readonly cycles: readonly string[];
  readonly missingParents: number;
}

const processEntries = (lookup: EntryLookup, key: string): ProcessEntry[] => (lookup(key) ?? []).filter((e): e is ProcessEntry => e.kind === 'process');

/** The node id of a process start: its GUID key, else its PID key with the start time (PIDs are reused). */
export const nodeIdOf = (e: ProcessEntry): string => e.guidKey ?? `${e.pidKey ?? 'p|?|?'}@${e.at}`;

/** The first start of a GUID, else the latest start of the PID not after `at` (as resolveContext picks). */
export function findStart(lookup: EntryLookup, guidKey: string | undefined, pidKey: string | undefined, at: number): { entry: ProcessEntry; kind: 'guid' | 'pid' } | undefined {
  const byGuid = guidKey === undefined ? undefined : processEntries(lookup, guidKey)[0];
  if (byGuid !== undefined) return { entry: byGuid, kind: 'guid' };
  if (pidKey === undefined) return undefined;
  let best: ProcessEntry | undefined;
  for (const e of processEntries(lookup, pidKey)) if (e.at <= at && (best === undefined || e.at > best.at)) best = e;
  return best === undefined ? undefined : { entry: best, kind: 'pid' };
}

/** What a start says of its parent, without the placeholders Sysmon writes for none (zero GUID, PID 0, `-`). */
function parentOf(c: ProcessEntry['ctx']) {
  const named = (s: string | undefined) => (s === undefined || s === '' || s === '-' ? undefined : s);
  return {
    pg: c.parentProcessGuid === undefined || /^[0-]*$/.test(c.parentProcessGuid) ? undefined : c.parentProcessGuid,
    ppid: c.parentProcessId === 0 ? undefined : c.parentProcessId,
    parentImage: named(c.parentImage),
    parentCommandLine: named(c.parentCommandLine),
  };
}

const found = (e: ProcessEntry, kind: LinkKind, depth: number): FoundProcess => ({ id: nodeIdOf(e), kind, depth, at: e.at, ctx: e.ctx });

/**
 * Walks from a process start up its parents (ParentProcessGuid, else host + ParentProcessId before its start)
 * and down its children (by ParentProcessGuid), guarded by a visited set: a parent link back into the chain
 * (PID reuse can make one) is reported as a cycle and ends the walk. A parent named but not in the inputs
 * becomes an `inferred` node with what the child's event says of it.
 */
export function walkTree(lookup: EntryLookup, host: string, start: ProcessEntry, kind: LinkKind, maxDepth: number, maxChildren: number): TreeWalk {
  const visited = new Set<string>([nodeIdOf(start)]);
  const chain: FoundProcess[] = [found(start, kind, 0)];
  const cycles: string[] = [];
  let missingParents = 0;
  let truncated = false;
  let child = start;
  for (let depth = -1; ; depth--) {
    const { pg, ppid, parentImage, parentCommandLine } = parentOf(child.ctx);
    if (pg === undefined && ppid === undefined && parentImage === undefined) break;
    if (-depth > maxDepth) {
      truncated = true;
      break;
    }
    const parent = findStart(lookup, pg === undefined ? undefined : `g|${host}|${pg}`, ppid === undefined ? undefined : `p|${host}|${ppid}`, child.at);
    const childId = (chain[0] as FoundProcess).id;
    if (parent === undefined || (pg !== undefined && parent.kind === 'pid')) {
      // A GUID names exactly one process: a start of the same PID is not it. Only named: inferred, and the end.
      missingParents++;
      if (parentImage !== undefined) {
        const ctx = { image: parentImage, ...(parentCommandLine !== undefined ? { commandLine: parentCommandLine } : {}), ...(pg !== undefined ? { processGuid: pg } : {}), ...(ppid !== undefined ? { processId: ppid } : {}) };
        chain.unshift({ id: `inferred|${childId}`, kind: 'inferred', depth, at: child.at, ctx });
        (chain[1] as { parentId?: string }).parentId = `inferred|${childId}`;
      }
      break;
    }
    const id = nodeIdOf(parent.entry);
    if (visited.has(id)) {
      cycles.push(id);
      break;
    }
    visited.add(id);
    (chain[0] as { parentId?: string }).parentId = id;
    chain.unshift(found(parent.entry, parent.kind, depth));
    child = parent.entry;
  }
  const descendants: FoundProcess[] = [];
  const queue: ProcessEntry[] = [start];
  const depthOf = new Map<ProcessEntry, number>([[start, 0]]);
  let full = false;
  while (queue.length > 0 && !full) {
    const p = queue.shift() as ProcessEntry;
    const { kids, kind: linked } = childrenOf(lookup, host, p);
    for (const k of kids) {
      const id = nodeIdOf(k);
      if (visited.has(id)) {
        cycles.push(id);
        continue;
      }
      if (descendants.length >= maxChildren) {
        truncated = full = true;
        break;
      }
      visited.add(id);
      const d = (depthOf.get(p) as number) + 1;
      depthOf.set(k, d);
      descendants.push({ ...found(k, linked, d), parentId: nodeIdOf(p) });
      queue.push(k);
    }
  }
  return { nodes: [...chain, ...descendants], truncated, cycles, missingParents };
}

/**
 * A start's children, oldest first: by its GUID (Sysmon), else (4688) the starts naming its PID as their parent's
 * from its own start until the PID's next start (after which the PID names another process).
 */
function childrenOf(lookup: EntryLookup, host: string, p: ProcessEntry): { kids: ProcessEntry[]; kind: 'guid' | 'pid' } {
  const guid = p.ctx.processGuid?.replace(/[{}]/g, '').toLowerCase();
  if (guid !== undefined && guid !== '') return { kids: processEntries(lookup, childrenKey(host, guid)).sort((a, b) => a.at - b.at), kind: 'guid' };
  const pid = p.ctx.processId;
  if (pid === undefined || p.pidKey === undefined) return { kids: [], kind: 'pid' };
  let until = Number.POSITIVE_INFINITY;
  for (const e of processEntries(lookup, p.pidKey)) if (e.at > p.at && e.at < until) until = e.at;
  const kids = processEntries(lookup, childrenKey(host, `p${pid}`)).filter((k) => k.ctx.processGuid === undefined && k.at >= p.at && k.at < until);
  return { kids: kids.sort((a, b) => a.at - b.at), kind: 'pid' };
}
