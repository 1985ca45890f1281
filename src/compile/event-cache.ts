import { eventStrings, lookupField, type Event, type FieldValue } from '../event/event.js';
import { stringsOf } from './field-values.js';

const EMPTY: readonly string[] = [];

const SLOTS = new Map<string, number>();

/** A process-wide number for a field name, so compiled matchers index arrays instead of hashing names per event. */
export function fieldSlot(name: string): number {
  let slot = SLOTS.get(name);
  if (slot === undefined) SLOTS.set(name, (slot = SLOTS.size));
  return slot;
}

/**
 * What the compiled matchers read an event through: each field is looked up, stringified and
 * lower-cased at most once per event, however many rules test it.
 */
export class EventCache {
  private readonly values = new Map<string, FieldValue | undefined>();
  private readonly strs = new Map<string, readonly string[]>();
  private readonly lowers = new Map<string, readonly string[]>();
  private readonly lowerSlots: Array<readonly string[] | undefined> = [];
  private readonly stringSlots: Array<readonly string[] | undefined> = [];
  private everything: readonly string[] | undefined;
  private everythingLower: readonly string[] | undefined;

  constructor(readonly event: Event) {}

  value(field: string): FieldValue | undefined {
    if (this.values.has(field)) return this.values.get(field);
    const v = lookupField(this.event, field);
    this.values.set(field, v);
    return v;
  }

  strings(field: string): readonly string[] {
    let s = this.strs.get(field);
    if (s === undefined) {
      const v = this.value(field);
      s = v === undefined || v === null ? EMPTY : typeof v === 'string' ? [v] : stringsOf(v);
      this.strs.set(field, s);
    }
    return s;
  }

  lower(field: string): readonly string[] {
    let s = this.lowers.get(field);
    if (s === undefined) {
      const raw = this.strings(field);
      s = raw.length === 0 ? EMPTY : raw.length === 1 ? [(raw[0] as string).toLowerCase()] : raw.map((x) => x.toLowerCase());
      this.lowers.set(field, s);
    }
    return s;
  }

  /** `lower(field)` through the field's slot: the hot path of compiled matchers. */
  lowerAt(slot: number, field: string): readonly string[] {
    let s = this.lowerSlots[slot];
    if (s === undefined) this.lowerSlots[slot] = s = this.lower(field);
    return s;
  }

  stringsAt(slot: number, field: string): readonly string[] {
    let s = this.stringSlots[slot];
    if (s === undefined) this.stringSlots[slot] = s = this.strings(field);
    return s;
  }

  allStrings(): readonly string[] {
    if (this.everything === undefined) this.everything = [...eventStrings(this.event)];
    return this.everything;
  }

  allLower(): readonly string[] {
    if (this.everythingLower === undefined) this.everythingLower = this.allStrings().map((s) => s.toLowerCase());
    return this.everythingLower;
  }
}
