/**
 * Aho-Corasick multi-pattern search compiled to a dense automaton: one table lookup per character of the
 * scanned text, whatever the number of patterns. Characters that occur in no pattern share one class, so the
 * table is (states × distinct pattern characters) wide.
 */
export class AhoCorasick {
  /** Code unit → character class (0: in no pattern). */
  private readonly classOf: Uint8Array | Uint16Array;
  private readonly width: number;
  private readonly delta: Int32Array;
  /** Per state, the patterns ending there (own and via suffix links), or undefined. */
  private readonly outputs: Array<readonly number[] | undefined>;
  readonly lengths: readonly number[];

  constructor(patterns: readonly string[]) {
    const classes = new Map<number, number>();
    for (const p of patterns) {
      if (p === '') throw new Error('Aho-Corasick patterns must not be empty');
      for (let i = 0; i < p.length; i++) {
        const c = p.charCodeAt(i);
        if (!classes.has(c)) classes.set(c, classes.size + 1);
      }
    }
    const width = classes.size + 1;
    const classOf = width < 256 ? new Uint8Array(65536) : new Uint16Array(65536);
    for (const [c, k] of classes) classOf[c] = k;

    // Trie.
    const children: Array<Map<number, number>> = [new Map()];
    const own: Array<number[] | undefined> = [undefined];
    patterns.forEach((p, id) => {
      let s = 0;
      for (let i = 0; i < p.length; i++) {
        const k = classOf[p.charCodeAt(i)] as number;
        let next = (children[s] as Map<number, number>).get(k);
        if (next === undefined) {
          next = children.length;
          children.push(new Map());
          own.push(undefined);
          (children[s] as Map<number, number>).set(k, next);
        }
        s = next;
      }
      (own[s] ??= []).push(id);
    });

    // Breadth-first: failure links, then the dense transition table delta(s, k) = child, else delta(fail(s), k).
    const n = children.length;
    const delta = new Int32Array(n * width);
    const fail = new Int32Array(n);
    const outputs: Array<readonly number[] | undefined> = new Array(n).fill(undefined);
    const queue: number[] = [];
    for (const [k, child] of children[0] as Map<number, number>) {
      delta[k] = child;
      queue.push(child);
    }
    outputs[0] = undefined;
    for (let head = 0; head < queue.length; head++) {
      const s = queue[head] as number;
      const f = fail[s] as number;
      const inherited = outputs[f];
      const mine = own[s];
      outputs[s] = mine === undefined ? inherited : inherited === undefined ? mine : [...mine, ...inherited];
      const row = s * width;
      const frow = f * width;
      for (let k = 0; k < width; k++) delta[row + k] = delta[frow + k] as number;
      for (const [k, child] of children[s] as Map<number, number>) {
        delta[row + k] = child;
        fail[child] = delta[frow + k] as number;
        queue.push(child);
      }
    }
    this.classOf = classOf;
    this.width = width;
    this.delta = delta;
    this.outputs = outputs;
    this.lengths = patterns.map((p) => p.length);
  }

  get states(): number {
    return this.outputs.length;
  }

  /** Calls hit(pattern, end) for every occurrence; end is the index just past the match. */
  scan(text: string, hit: (pattern: number, end: number) => void): void {
    const { classOf, width, delta, outputs } = this;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      s = delta[s * width + (classOf[text.charCodeAt(i)] as number)] as number;
      const out = outputs[s];
      if (out !== undefined) for (const p of out) hit(p, i + 1);
    }
  }
}
