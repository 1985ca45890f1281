/** A field value as readers produce it. Arrays mean "several values"; a rule item matches if any element does. */
export type FieldValue = string | number | boolean | null | bigint | readonly FieldValue[] | { readonly [k: string]: FieldValue };

/** Where an event came from, so an alert can be traced back to its record. */
export interface Provenance {
  readonly file?: string;
  /** EVTX EventRecordID. */
  readonly record?: number;
  /** 1-based line of a JSON/XML input. */
  readonly line?: number;
  /** Marked when the record was carved from EVTX slack space. */
  readonly recovered?: boolean;
}

/**
 * The one shape every reader produces and every matcher reads: a flat map of field names
 * (Sysmon style: Image, CommandLine, EventID, Channel, ...) with optional nested objects
 * for formats that keep them.
 */
export interface Event {
  readonly fields: { readonly [name: string]: FieldValue };
  readonly source?: Provenance;
  /** Milliseconds since the Unix epoch, when the event carries a time. */
  readonly timestamp?: number;
}

const NESTED_PREFIXES = ['Event.EventData.', 'Event.System.', 'Event.UserData.', 'EventData.', 'System.', 'UserData.'];

/**
 * Looks a field up by name: the literal key first, then a dotted path walk through nested
 * objects, then, for names written against the raw EVTX shape (`Event.EventData.Image`), the flat name.
 * Returns undefined when the field is absent.
 */
export function lookupField(event: Event, name: string): FieldValue | undefined {
  const fields = event.fields;
  const direct = fields[name];
  if (direct !== undefined) return direct;
  if (name.indexOf('.') < 0) return undefined;
  const walked = walkPath(fields, name);
  if (walked !== undefined) return walked;
  for (const prefix of NESTED_PREFIXES) {
    if (name.startsWith(prefix)) return lookupField(event, name.slice(prefix.length));
  }
  return undefined;
}

function walkPath(root: { readonly [k: string]: FieldValue }, path: string): FieldValue | undefined {
  const parts = path.split('.');
  let cur: FieldValue | undefined = root as FieldValue;
  for (let i = 0; i < parts.length; i++) {
    if (cur === null || cur === undefined || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    const obj = cur as { readonly [k: string]: FieldValue };
    // A literal dotted key may sit at any level ("winlog": {"event_data.Image": ...}).
    const rest = parts.slice(i).join('.');
    if (i > 0 && obj[rest] !== undefined) return obj[rest];
    cur = obj[parts[i] as string];
  }
  return cur;
}

/** Every scalar value of the event, recursively, as strings: what a keyword search looks at. */
export function* eventStrings(event: Event): Generator<string> {
  yield* scalarStrings(event.fields as FieldValue);
}

function* scalarStrings(v: FieldValue): Generator<string> {
  if (v === null) return;
  if (Array.isArray(v)) {
    for (const x of v) yield* scalarStrings(x as FieldValue);
    return;
  }
  if (typeof v === 'object') {
    for (const x of Object.values(v as object)) yield* scalarStrings(x as FieldValue);
    return;
  }
  yield String(v);
}

/** Builds an event from a plain object, flattening the evtx JSON shape (Event.System / Event.EventData). */
export function eventFromObject(obj: { readonly [k: string]: FieldValue }, source?: Provenance): Event {
  const fields = flattenEvtxJson(obj);
  return source === undefined ? { fields } : { fields, source };
}

function isObject(v: FieldValue | undefined): v is { readonly [k: string]: FieldValue } {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v);
}

/**
 * evtx_dump JSON: {"Event": {"#attributes": ..., "System": {...}, "EventData": {...}}}.
 * System children become top-level fields (`Provider_Name` for attributes, as the Sigma taxonomy says),
 * EventData/UserData children become top-level fields. Anything else is returned unchanged.
 */
export function flattenEvtxJson(obj: { readonly [k: string]: FieldValue }): { [k: string]: FieldValue } {
  const ev = obj['Event'];
  if (!isObject(ev) || !(isObject(ev['System']) || isObject(ev['EventData']) || isObject(ev['UserData']))) {
    return { ...obj };
  }
  const out: { [k: string]: FieldValue } = {};
  const system = ev['System'];
  if (isObject(system)) flattenSystem(system, out);
  for (const key of ['EventData', 'UserData'] as const) {
    const data = ev[key];
    if (isObject(data)) flattenData(data, out);
    else if (typeof data === 'string' && data !== '') out[key] = data;
  }
  return out;
}

function flattenSystem(system: { readonly [k: string]: FieldValue }, out: { [k: string]: FieldValue }): void {
  for (const [k, v] of Object.entries(system)) {
    if (isObject(v)) {
      const attrs = v['#attributes'];
      if (isObject(attrs)) for (const [ak, av] of Object.entries(attrs)) out[`${k}_${ak}`] = av;
      const text = v['#text'];
      if (text !== undefined) out[k] = text;
      if (k === 'TimeCreated' && isObject(attrs) && attrs['SystemTime'] !== undefined) out['TimeCreated'] = attrs['SystemTime'];
    } else {
      out[k] = v;
    }
  }
}

function flattenData(data: { readonly [k: string]: FieldValue }, out: { [k: string]: FieldValue }): void {
  for (const [k, v] of Object.entries(data)) {
    if (k === '#attributes') continue;
    if (isObject(v) && !('#text' in v)) {
      // UserData: provider-specific element wrapping the fields; flatten by leaf name.
      flattenData(v, out);
    } else if (isObject(v)) {
      addValue(out, k, v['#text'] as FieldValue);
    } else {
      addValue(out, k, v);
    }
  }
}

/**
 * Sets a field, or adds a value to it when the event already has one: a name that both the System section and
 * the event's data carry (System 104's `UserData/LogFileCleared/Channel` beside `System/Channel`) holds both
 * values, System's first, in every reader (EVTX, XML, JSON); a repeated EventData name the same. A rule item
 * matches if any value does.
 */
export function addValue(out: { [k: string]: FieldValue }, key: string, value: FieldValue): void {
  const prev = out[key];
  if (prev === undefined) out[key] = value;
  else if (Array.isArray(prev)) out[key] = [...prev, ...(Array.isArray(value) ? value : [value])];
  else out[key] = [prev, ...(Array.isArray(value) ? value : [value])];
}

/**
 * Whether a field holds a value: the field's value itself or any element of an array of values, as a rule
 * item reads it. A number also matches its decimal text; text compares case-insensitively (`want` lower-case).
 */
export function holdsValue(v: FieldValue | undefined, want: string | number): boolean {
  if (v === want) return true;
  if (typeof v === 'string') return typeof want === 'number' ? v.trim() === String(want) : v.toLowerCase() === want;
  if (Array.isArray(v)) {
    for (const x of v) if (holdsValue(x as FieldValue, want)) return true;
  }
  return false;
}
