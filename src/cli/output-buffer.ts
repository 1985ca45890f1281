/**
 * Output text encoded straight into 1 MiB buffers, written whole. Each piece of text can be collected as
 * soon as it is copied, instead of living on in a rope of pending strings until the next write.
 */
export class OutputBuffer {
  private static readonly SIZE = 1 << 20;
  private buf = Buffer.allocUnsafe(OutputBuffer.SIZE);
  private pos = 0;

  constructor(private readonly sink: (bytes: Uint8Array) => void) {}

  write(text: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    if (text.length * 3 > OutputBuffer.SIZE - this.pos) {
      this.flush();
      if (text.length * 3 > OutputBuffer.SIZE) {
        this.sink(Buffer.from(text, 'utf8'));
        return;
      }
    }
    this.pos += this.buf.write(text, this.pos, 'utf8');
  }

  /** Bytes as they are (already encoded text). */
  writeBytes(bytes: Uint8Array): void {
    if (bytes.length > OutputBuffer.SIZE - this.pos) {
      this.flush();
      if (bytes.length > OutputBuffer.SIZE) {
        this.sink(Buffer.from(bytes));
        return;
      }
    }
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  flush(): void {
    if (this.pos === 0) return;
    // A fresh buffer after each write: the sink may hold on to the bytes it was given.
    this.sink(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(OutputBuffer.SIZE);
    this.pos = 0;
  }
}
