/** A fixed-size Bloom filter over strings: "maybe seen" or "certainly not". */
export class Bloom {
  private readonly bits: Uint32Array;
  private readonly mask: number;
  constructor(log2Bits: number) {
    this.bits = new Uint32Array(1 << (log2Bits - 5));
    this.mask = (1 << log2Bits) - 1;
  }
  private hashes(s: string): [number, number] {
    let h1 = 0x811c9dc5;
    let h2 = 0x9747b28c;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 13;
    }
    return [h1 >>> 0, (h2 >>> 0) | 1];
  }
  add(s: string): void {
    const [a, b] = this.hashes(s);
    for (let i = 0; i < 3; i++) {
      const bit = (a + i * b) & this.mask;
      this.bits[bit >>> 5] = (this.bits[bit >>> 5] as number) | (1 << (bit & 31));
    }
  }
  has(s: string): boolean {
    const [a, b] = this.hashes(s);
    for (let i = 0; i < 3; i++) {
      const bit = (a + i * b) & this.mask;
      if (((this.bits[bit >>> 5] as number) & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}
