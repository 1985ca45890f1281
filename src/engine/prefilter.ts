import { AhoCorasick, LITERAL_CONTAINS, LITERAL_PREFIX, LITERAL_SUFFIX, literalHolds } from '../compile/aho-corasick.js';
import type { Anchor } from '../compile/anchor.js';
import type { CompiledRule } from '../compile/compile-rule.js';
import { fieldSlot, type EventCache } from '../compile/event-cache.js';
import { numberOf } from '../compile/field-values.js';


interface FieldScan {
  readonly field: string;
  readonly slot: number;
  /** Lower-cased value → rules (local indices) whose anchor holds on equality. */
  readonly eq: Map<string, number[]>;
  /** The longest key of `eq`: a longer value equals none, and is not hashed (a script block's hash reads all of it). */
  readonly eqMax: number;
  /** Number → rules whose anchor holds when a value reads as that number; undefined when none. */
  readonly num: Map<number, number[]> | undefined;
  readonly ac: AhoCorasick | undefined;
  /** Per automaton pattern: pairs of (rule, position kind). */
  readonly entries: Array<Array<number>>;
}

/**
 * Literals longer than this are scanned for by their last PIECE characters. The automaton's table has a row
 * per trie state, and long literals (SigmaHQ's 5,600 `Hashes|contains: IMPHASH=<32 hex>`) are mostly
 * states of their own: 233,811 states, 200 ms to build in every worker, 53,440 with 12-character tails.
 * Twelve characters of a literal still select as well as the whole (the matcher checks the whole).
 */
const PIECE = 12;

/** Automata shared by every prefilter of one rule index: identical pattern lists are compiled once. */
export type AutomatonCache = Map<string, AhoCorasick>;

/**
 * Decides for all rules of a bucket at once which may match an event: each rule's anchor (a necessary
 * condition made of literal equality, prefix, suffix and substring tests) is checked with one hash lookup
 * and one Aho-Corasick pass per field value. Rules without an anchor are always candidates.
 * The candidates keep the bucket's order; a rule left out cannot match (its anchor does not hold).
 */
export class Prefilter {
  /** The rules without an anchor (always tried), in bucket order. */
  private readonly always: Int32Array;
  private readonly marks: Uint32Array;
  private serial = 0;
  private readonly scans: FieldScan[] = [];

  constructor(
    private readonly rules: readonly CompiledRule[],
    anchors: ReadonlyArray<Anchor | undefined>,
    automata: AutomatonCache,
    /** Longer literals are scanned for by their last this many characters (see PIECE). */
    piece = PIECE,
  ) {
    const always: number[] = [];
    this.marks = new Uint32Array(rules.length);
    const byField = new Map<string, { eq: Map<string, number[]>; num: Map<number, number[]>; patterns: Map<string, number[]> }>();
    anchors.forEach((anchor, r) => {
      if (anchor === undefined) {
        always.push(r);
        return;
      }
      for (const lit of anchor) {
        let f = byField.get(lit.field);
        if (f === undefined) byField.set(lit.field, (f = { eq: new Map(), num: new Map(), patterns: new Map() }));
        if (lit.kind === 'num') {
          const n = Number(lit.value);
          const list = f.num.get(n) ?? [];
          if (list[list.length - 1] !== r) list.push(r);
          f.num.set(n, list);
        } else if (lit.kind === 'eq') {
          const list = f.eq.get(lit.value) ?? [];
          if (list[list.length - 1] !== r) list.push(r);
          f.eq.set(lit.value, list);
        } else {
          // A value that holds a long literal holds its tail: the tail anchors as well (a suffix stays a
          // suffix; a prefix's tail may sit anywhere) and keeps the automaton small.
          const long = lit.value.length > piece;
          const value = long ? lit.value.slice(-piece) : lit.value;
          const list = f.patterns.get(value) ?? [];
          list.push(r, lit.kind === 'suffix' ? LITERAL_SUFFIX : lit.kind === 'prefix' && !long ? LITERAL_PREFIX : LITERAL_CONTAINS);
          f.patterns.set(value, list);
        }
      }
    });
    this.always = Int32Array.from(always);
    for (const [field, { eq, num, patterns }] of byField) {
      const keys = [...patterns.keys()].sort();
      let ac: AhoCorasick | undefined;
      if (keys.length > 0) {
        const cacheKey = keys.join('\u0000');
        ac = automata.get(cacheKey);
        if (ac === undefined) automata.set(cacheKey, (ac = new AhoCorasick(keys)));
      }
      let eqMax = -1;
      for (const k of eq.keys()) eqMax = Math.max(eqMax, k.length);
      this.scans.push({ field, slot: fieldSlot(field), eq, eqMax, num: num.size > 0 ? num : undefined, ac, entries: keys.map((k) => patterns.get(k) as number[]) });
    }
  }

  private readonly out: CompiledRule[] = [];
  /** Rules marked for the current event, in marking order (each once). */
  private marked = new Int32Array(64);
  private markedCount = 0;

  private mark(r: number, serial: number): void {
    if (this.marks[r] === serial) return;
    this.marks[r] = serial;
    if (this.markedCount === this.marked.length) {
      const grown = new Int32Array(this.marked.length * 2);
      grown.set(this.marked);
      this.marked = grown;
    }
    this.marked[this.markedCount++] = r;
  }

  /** The rules of the bucket that may match the event, in bucket order; the array is reused by the next call. */
  candidates(cache: EventCache): readonly CompiledRule[] {
    const serial = ++this.serial === 0xffffffff ? this.reset() : this.serial;
    this.markedCount = 0;
    for (const scan of this.scans) {
      const values = cache.lowerAt(scan.slot, scan.field);
      for (const s of values) {
        if (s.length <= scan.eqMax) {
          const rs = scan.eq.get(s);
          if (rs !== undefined) for (const r of rs) this.mark(r, serial);
        }
        if (scan.num !== undefined) {
          const ns = scan.num.get(numberOf(s));
          if (ns !== undefined) for (const r of ns) this.mark(r, serial);
        }
        const ac = scan.ac;
        if (ac === undefined) continue;
        const entries = scan.entries;
        const lengths = ac.lengths;
        const { count, hits } = ac.scanAll(s);
        for (let h = 0; h < count; h++) {
          const p = hits[2 * h] as number;
          const end = hits[2 * h + 1] as number;
          const list = entries[p] as number[];
          for (let i = 0; i < list.length; i += 2) {
            if (literalHolds(list[i + 1] as number, end, lengths[p] as number, s.length)) this.mark(list[i] as number, serial);
          }
        }
      }
    }
    // Merge the marked rules (sorted; a few per event) with the always-tried ones, both in bucket order,
    // instead of walking the whole bucket.
    const out = this.out;
    out.length = 0;
    const rules = this.rules;
    const marked = this.marked.subarray(0, this.markedCount).sort();
    const always = this.always;
    let i = 0;
    let j = 0;
    while (i < marked.length || j < always.length) {
      const r = j >= always.length || (i < marked.length && (marked[i] as number) < (always[j] as number)) ? (marked[i++] as number) : (always[j++] as number);
      out.push(rules[r] as CompiledRule);
    }
    return out;
  }


  private reset(): number {
    this.marks.fill(0);
    this.serial = 1;
    return 1;
  }
}
