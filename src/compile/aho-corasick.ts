const NON_ASCII = 255;

/** Where a literal must sit in a text: anywhere, at its start, or at its end. */
export const LITERAL_CONTAINS = 0;
export const LITERAL_PREFIX = 1;
export const LITERAL_SUFFIX = 2;

/** Whether a literal of `length` that a scan found ending at `end`, in a text of `textLength`, sits as `kind` asks. */
export function literalHolds(kind: number, end: number, length: number, textLength: number): boolean {
  return kind === LITERAL_CONTAINS || (kind === LITERAL_PREFIX ? end === length : end === textLength);
}

/**
 * Aho-Corasick multi-pattern search compiled to a dense automaton: one table lookup per character of the
 * scanned text, whatever the number of patterns. The table has a column per ASCII character that occurs in
 * some pattern (characters in no pattern share column 0, which leads back to the start); the rarer non-ASCII
 * pattern characters take a slower sparse path through the failure links, so the table stays narrow.
 */
export class AhoCorasick {
  /** ASCII code → column (0: in no pattern). A non-ASCII code unit of some pattern (wideChars) takes NON_ASCII. */
  private readonly classOf: Uint8Array;
  /** The non-ASCII characters some pattern has (they take the sparse path). */
  private readonly wideChars = new Set<number>();
  private readonly width: number;
  private readonly delta: Int32Array | Uint16Array;
  private readonly fail: Int32Array;
  /** Children by non-ASCII character, for the states that have any. */
  private readonly wide = new Map<number, Map<number, number>>();
  /** Per state, the patterns ending there (own and via suffix links), or undefined. */
  private readonly outputs: Array<readonly number[] | undefined>;
  /** Per state, 1 when some pattern ends there: a typed-array test on the hot path before `outputs`. */
  private readonly hasOutput: Uint8Array;
  readonly lengths: readonly number[];

  constructor(patterns: readonly string[]) {
    const classOf = new Uint8Array(128);
    let width = 1;
    for (const p of patterns) {
      if (p === '') throw new Error('Aho-Corasick patterns must not be empty');
      for (let i = 0; i < p.length; i++) {
        const c = p.charCodeAt(i);
        if (c >= 128) this.wideChars.add(c);
        else if (classOf[c] === 0) classOf[c] = width++;
      }
    }

    // Trie, built straight into the dense table: a state's row holds its trie children (0: none; the root
    // is no one's child) until breadth-first order reaches it and fills the rest. Non-ASCII children go
    // to the sparse map. No per-state Map: a SigmaHQ bucket's automaton has tens of thousands of states.
    let delta: Int32Array = new Int32Array(Math.max(64, 4 * patterns.length) * width);
    let n = 1;
    const own: Array<number[] | undefined> = [undefined];
    const addWide = (s: number, c: number, child: number) => {
      let m = this.wide.get(s);
      if (m === undefined) this.wide.set(s, (m = new Map()));
      m.set(c, child);
    };
    patterns.forEach((p, id) => {
      let s = 0;
      for (let i = 0; i < p.length; i++) {
        const c = p.charCodeAt(i);
        let next = c < 128 ? (delta[s * width + (classOf[c] as number)] as number) : (this.wide.get(s)?.get(c) ?? 0);
        if (next === 0) {
          next = n++;
          if (n * width > delta.length) {
            const grown = new Int32Array(delta.length * 2);
            grown.set(delta);
            delta = grown;
          }
          own.push(undefined);
          if (c < 128) delta[s * width + (classOf[c] as number)] = next;
          else addWide(s, c, next);
        }
        s = next;
      }
      (own[s] ??= []).push(id);
    });

    // Breadth-first: failure links, then delta(s, k) = child, else delta(fail(s), k).
    const fail = new Int32Array(n);
    /** The transition on a non-ASCII character c from state s, through the failure links. */
    const wideDelta = (s: number, c: number): number => {
      for (;;) {
        const next = this.wide.get(s)?.get(c);
        if (next !== undefined) return next;
        if (s === 0) return 0;
        s = fail[s] as number;
      }
    };
    const outputs: Array<readonly number[] | undefined> = new Array(n).fill(undefined);
    const queue = new Int32Array(n);
    let tail = 0;
    // The root's children fail to the root; its other columns stay 0 (back to the root).
    for (let k = 1; k < width; k++) {
      const child = delta[k] as number;
      if (child !== 0) queue[tail++] = child;
    }
    for (const child of this.wide.get(0)?.values() ?? []) queue[tail++] = child;
    for (let head = 0; head < tail; head++) {
      const s = queue[head] as number;
      const f = fail[s] as number;
      const inherited = outputs[f];
      const mine = own[s];
      outputs[s] = mine === undefined ? inherited : inherited === undefined ? mine : [...mine, ...inherited];
      const row = s * width;
      const frow = f * width;
      for (let k = 1; k < width; k++) {
        const child = delta[row + k] as number;
        if (child === 0) delta[row + k] = delta[frow + k] as number;
        else {
          fail[child] = delta[frow + k] as number;
          queue[tail++] = child;
        }
      }
      const wides = this.wide.get(s);
      if (wides !== undefined)
        for (const [c, child] of wides) {
          fail[child] = wideDelta(f, c);
          queue[tail++] = child;
        }
    }
    this.classOf = classOf;
    this.width = width;
    this.delta = n < 65536 ? new Uint16Array(delta.subarray(0, n * width)) : delta.slice(0, n * width);
    this.fail = fail;
    this.outputs = outputs;
    const hasOutput = new Uint8Array(n);
    for (let i = 0; i < n; i++) if (outputs[i] !== undefined) hasOutput[i] = 1;
    this.hasOutput = hasOutput;
    this.lengths = patterns.map((p) => p.length);
  }

  private wideStep(s: number, c: number): number {
    for (;;) {
      const next = this.wide.get(s)?.get(c);
      if (next !== undefined) return next;
      if (s === 0) return 0;
      s = this.fail[s] as number;
    }
  }

  /** Bytes of the transition table. */
  get tableBytes(): number {
    return this.delta.byteLength;
  }

  get states(): number {
    return this.outputs.length;
  }

  private hits = new Int32Array(64);

  /**
   * Every occurrence as (pattern, end) pairs in a buffer reused by the next call (valid until then); returns
   * the number of pairs. No callback: the hot path of the prefilter allocates nothing per value.
   */
  scanAll(text: string): { readonly count: number; readonly hits: Int32Array } {
    const { classOf, width, delta, outputs, hasOutput, wideChars } = this;
    let hits = this.hits;
    let n = 0;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      const k = c < 128 ? (classOf[c] as number) : wideChars.has(c) ? NON_ASCII : 0;
      s = k === NON_ASCII ? this.wideStep(s, c) : (delta[s * width + k] as number);
      if (hasOutput[s] === 0) continue;
      for (const p of outputs[s] as readonly number[]) {
        if (n + 2 > hits.length) {
          const grown = new Int32Array(hits.length * 2);
          grown.set(hits);
          this.hits = hits = grown;
        }
        hits[n++] = p;
        hits[n++] = i + 1;
      }
    }
    this.result.count = n >> 1;
    this.result.hits = hits;
    return this.result;
  }

  private readonly result = { count: 0, hits: this.hits };

  /** Calls hit(pattern, end) for every occurrence; end is the index just past the match. */
  scan(text: string, hit: (pattern: number, end: number) => void): void {
    const { count, hits } = this.scanAll(text);
    for (let h = 0; h < count; h++) hit(hits[2 * h] as number, hits[2 * h + 1] as number);
  }
}
