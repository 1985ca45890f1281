import { expect, test } from 'vitest';
import { OutputBuffer } from '../../src/cli/output-buffer.js';

test('text and bytes come out in order, whole, across block ends and larger than a block', () => {
  const pieces: Buffer[] = [];
  const out = new OutputBuffer((b) => pieces.push(Buffer.from(b)));
  const expected: string[] = [];
  for (let i = 0; i < 5000; i++) {
    const s = `${i} é漢 `.padEnd(50 + ((i * 7919) % 900), 'x') + '\n';
    expected.push(s);
    if (i % 2 === 0) out.write(s);
    else out.writeBytes(Buffer.from(s, 'utf8'));
  }
  const big = 'y'.repeat(3 << 20) + '\n';
  out.writeBytes(Buffer.from(big));
  out.write('tail\n');
  out.flush();
  expect(Buffer.concat(pieces).toString('utf8')).toBe(expected.join('') + big + 'tail\n');
  expect(pieces.length).toBeGreaterThan(3);
});
