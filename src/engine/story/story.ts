/**
 * The story of an alert: the process tree behind it, what each process did, the host's other alerts around it,
 * and for a correlation its contributors. One plain, JSON-safe value that every renderer (the HTML report, and
 * later the API and the dashboard) draws; renderers import these types only.
 */

/** How a process node was linked to the alert or to its child: by ProcessGuid, by host + PID + time, or only named. */
export type LinkKind = 'guid' | 'pid' | 'inferred';

export interface Connection {
  readonly at: number;
  readonly ip: string;
  readonly port?: number;
  readonly protocol?: string;
  /** The domain the process resolved to this IP (Sysmon 22), else the connection's own DestinationHostname. */
  readonly domain?: string;
}

export interface DnsAnswer {
  readonly at?: number;
  readonly query: string;
  readonly answers: readonly string[];
}

export interface FileEvent {
  readonly at: number;
  readonly path: string;
}

export interface RegistryEvent {
  readonly at: number;
  readonly change: string;
  readonly target: string;
  readonly details?: string;
}

export interface ImageLoad {
  readonly at: number;
  readonly path: string;
  readonly hashes?: string;
  readonly signed?: string;
}

/** Per kind of activity, how many were left out past StoryLimits.perProcess. */
export interface ActivityCuts {
  readonly connections: number;
  readonly dns: number;
  readonly files: number;
  readonly registry: number;
  readonly images: number;
}

export interface ProcessNode {
  /** Stable within a story: the context key the node was found by (or `inferred|...` for a node only named). */
  readonly id: string;
  readonly kind: LinkKind;
  readonly parentId?: string;
  /** Ancestors are negative (the parent is -1), the alert's process 0, descendants positive. */
  readonly depth: number;
  readonly image?: string;
  readonly commandLine?: string;
  readonly user?: string;
  readonly integrityLevel?: string;
  readonly hashes?: string;
  readonly processGuid?: string;
  readonly processId?: number;
  readonly started?: string;
  readonly connections: readonly Connection[];
  readonly dns: readonly DnsAnswer[];
  readonly files: readonly FileEvent[];
  readonly registry: readonly RegistryEvent[];
  readonly images: readonly ImageLoad[];
  readonly cut: ActivityCuts;
}

/**
 * Another alert on the same host near this one. In the report, `index` is its index in the report's time-ordered
 * alert list; in a service story (`GET /api/alerts/{id}/story`) it is its place relative to this alert among the
 * host's alerts in time order (-1 the one just before, 1 the one just after), and `id` is the stored alert's id.
 */
export interface TimelineEntry {
  readonly index: number;
  readonly id?: string;
  readonly at: number;
  readonly rule: string;
  readonly level: string;
}

/** What limits cut from the story, so a renderer can say so. */
export interface StoryLimits {
  /** Ancestors not followed past StoryBounds.maxDepth, children past maxChildren. */
  readonly truncated: boolean;
  /** Parent links that led back to a process already in the chain (PID reuse): where the walk stopped. */
  readonly cycles: readonly string[];
  /** Processes whose parent's start is not in the inputs (the chain stops there, with the parent only named). */
  readonly missingParents: number;
}

/** The alert as the story shows it: enough for a header and for finding its process. */
export interface StoryAlert {
  readonly kind: 'event' | 'correlation';
  readonly at: number;
  readonly host: string;
  readonly rule: string;
  readonly ruleId: string;
  readonly level: string;
  readonly tags: readonly string[];
  readonly image?: string;
  readonly commandLine?: string;
  readonly user?: string;
  readonly destinationIp?: string;
  readonly destinationPort?: string;
  readonly domain?: string;
  /** The event names a process whose creation event was not in the inputs. */
  readonly processMissing?: boolean;
  /** Correlation alerts: type, group values and the aggregate against the condition. */
  readonly correlation?: string;
  /** Shown with --show-suppressed: the titles of the filters that suppress it. */
  readonly suppressedBy?: readonly string[];
  /** With --group-window: how many alerts it stands for, and the time (ms) of the last. */
  readonly repeat?: { readonly count: number; readonly last: number };
}

export interface Story {
  readonly alert: StoryAlert;
  /** The process tree, root first: ancestors, the alert's process (depth 0), then its descendants. */
  readonly processes: readonly ProcessNode[];
  /** The id of the alert's own process node, when it was found. */
  readonly focus?: string;
  readonly timeline: readonly TimelineEntry[];
  /** A correlation's contributing alerts, each with its own (timeline-less) story. */
  readonly contributors: readonly Story[];
  readonly contributorCount: number;
  readonly limits: StoryLimits;
}

/** How big a story may grow. */
export interface StoryBounds {
  /** Ancestors followed above the alert's process. */
  readonly maxDepth: number;
  /** Descendants of the alert's process (breadth first). */
  readonly maxChildren: number;
  /** Connections, DNS answers, files, registry changes and image loads kept per process, each. */
  readonly perProcess: number;
  /** Other alerts of the host on the timeline, before and after each. */
  readonly timelineEach: number;
  /** The timeline's half-width around the alert, in ms. */
  readonly timelineWindowMs: number;
}

export const DEFAULT_STORY_BOUNDS: StoryBounds = { maxDepth: 16, maxChildren: 32, perProcess: 20, timelineEach: 10, timelineWindowMs: 60 * 60 * 1000 };
