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
 * lower-cased at most once per event, however many rules test it. A rule set keeps one cache and
 * resets it for each event: per-field entries live in slot-indexed arrays stamped with the event's
 * generation, so matching an event allocates no maps. Returned arrays are valid until the next reset: a
 * single-valued field's array is refilled in place for the next event.
 */
export class EventCache {
  private gen = 1;
  private valueGen = new Uint32Array(64);
  private stringGen = new Uint32Array(64);
  private lowerGen = new Uint32Array(64);
  private readonly valueSlots: Array<FieldValue | undefined> = [];
  private readonly stringSlots: Array<readonly string[]> = [];
  private readonly lowerSlots: Array<readonly string[]> = [];
  /** Per slot, a one-element array refilled for each event: most fields hold one string. */
  private readonly stringOne: string[][] = [];
  private readonly lowerOne: string[][] = [];
  private everything: readonly string[] | undefined;
  private everythingLower: readonly string[] | undefined;

  constructor(private current: Event) {
    this.fill(64);
  }

  get event(): Event {
    return this.current;
  }

  /** Changes with every `reset`: what was computed for the event before it is stale. */
  get generation(): number {
    return this.gen;
  }

  /** Starts over with another event. */
  reset(event: Event): void {
    this.current = event;
    this.everything = undefined;
    this.everythingLower = undefined;
    if (++this.gen === 0xffffffff) {
      this.valueGen.fill(0);
      this.stringGen.fill(0);
      this.lowerGen.fill(0);
      this.gen = 1;
    }
  }

  private ensure(slot: number): void {
    if (slot < this.valueGen.length) return;
    let size = this.valueGen.length;
    while (size <= slot) size *= 2;
    const grow = (a: Uint32Array) => {
      const b = new Uint32Array(size);
      b.set(a);
      return b;
    };
    this.valueGen = grow(this.valueGen);
    this.stringGen = grow(this.stringGen);
    this.lowerGen = grow(this.lowerGen);
    this.fill(size);
  }

  /** Keeps the slot arrays dense (no holes: V8 would turn a sparse array into a dictionary). */
  private fill(size: number): void {
    while (this.valueSlots.length < size) {
      this.valueSlots.push(undefined);
      this.stringSlots.push(EMPTY);
      this.lowerSlots.push(EMPTY);
      this.stringOne.push(['']);
      this.lowerOne.push(['']);
    }
  }

  value(field: string): FieldValue | undefined {
    return this.valueAt(fieldSlot(field), field);
  }

  strings(field: string): readonly string[] {
    return this.stringsAt(fieldSlot(field), field);
  }

  lower(field: string): readonly string[] {
    return this.lowerAt(fieldSlot(field), field);
  }

  private valueAt(slot: number, field: string): FieldValue | undefined {
    this.ensure(slot);
    if (this.valueGen[slot] === this.gen) return this.valueSlots[slot];
    const v = lookupField(this.current, field);
    this.valueSlots[slot] = v;
    this.valueGen[slot] = this.gen;
    return v;
  }

  /** `strings(field)` through the field's slot (see fieldSlot). */
  stringsAt(slot: number, field: string): readonly string[] {
    this.ensure(slot);
    if (this.stringGen[slot] === this.gen) return this.stringSlots[slot] as readonly string[];
    const v = this.valueAt(slot, field);
    let s: readonly string[];
    if (v === undefined || v === null) s = EMPTY;
    else if (typeof v === 'string') {
      const one = this.stringOne[slot] as string[];
      one[0] = v;
      s = one;
    } else s = stringsOf(v);
    this.stringSlots[slot] = s;
    this.stringGen[slot] = this.gen;
    return s;
  }

  /** `lower(field)` through the field's slot: the hot path of compiled matchers. */
  lowerAt(slot: number, field: string): readonly string[] {
    this.ensure(slot);
    if (this.lowerGen[slot] === this.gen) return this.lowerSlots[slot] as readonly string[];
    const raw = this.stringsAt(slot, field);
    let s: readonly string[];
    if (raw.length === 0) s = EMPTY;
    else if (raw.length === 1) {
      const one = this.lowerOne[slot] as string[];
      one[0] = (raw[0] as string).toLowerCase();
      s = one;
    } else s = raw.map((x) => x.toLowerCase());
    this.lowerSlots[slot] = s;
    this.lowerGen[slot] = this.gen;
    return s;
  }

  allStrings(): readonly string[] {
    if (this.everything === undefined) this.everything = [...eventStrings(this.current)];
    return this.everything;
  }

  allLower(): readonly string[] {
    if (this.everythingLower === undefined) this.everythingLower = this.allStrings().map((s) => s.toLowerCase());
    return this.everythingLower;
  }
}
