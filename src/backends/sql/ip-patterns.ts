import ipaddr from 'ipaddr.js';
import { joinBalanced } from './sql-spec.js';

/** The dotted-quad text the engine reads as IPv4 (1-3 digits an octet, leading zeros allowed), optionally ::ffff:-mapped. */
export const IPV4_TEXT_RE = '^(?:::[fF][fF][fF][fF]:)?([0-9]{1,3})[.]([0-9]{1,3})[.]([0-9]{1,3})[.]([0-9]{1,3})$';

const H = '[0-9A-Fa-f]{1,4}';
const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';

/** n hex groups joined by ':' (n ≥ 1). */
const groups = (n: number) => (n === 1 ? H : `${H}(?::${H}){${n - 1}}`);

/**
 * The textual IPv6 forms (RFC 4291 2.2: full, one `::`, a trailing dotted IPv4), an optional zone index after `%`:
 * a string that passes is one PostgreSQL's inet accepts, so the cast after it cannot fail the query.
 */
export function ipv6TextRegex(octet = OCTET): string {
  const V4 = `${octet}[.]${octet}[.]${octet}[.]${octet}`;
  const forms: string[] = [groups(8), `${groups(6)}:${V4}`];
  // With `::`: l groups before, at most r after, l + r ≤ 7 (≤ 5 before a dotted IPv4, which takes two).
  for (const [total, tail] of [
    [7, ''],
    [5, V4],
  ] as const) {
    for (let l = 0; l <= total; l++) {
      const left = l === 0 ? '' : groups(l);
      const room = total - l;
      const right = tail === '' ? (room === 0 ? '' : `(?:${groups(1)}(?::${H}){0,${room - 1}})?`) : room === 0 ? tail : `(?:${H}:){0,${room}}${tail}`;
      forms.push(`${left}::${right}`);
    }
  }
  // JavaScript's `.` (the engine strips /%.*$/) stops at line terminators.
  return `^(?:${forms.join('|')})(?:%[^\\n\\r\\u2028\\u2029]*)?$`;
}

/**
 * An octet of a dotted IPv4 tail as the engine's parser (ipaddr.js 2.5) reads it: decimal digits, any number, leading
 * zeros allowed, or 0x and hex digits; its value (at most 255) is checked apart. The engine also reads `::a.b.c.d`
 * as `::ffff:a.b.c.d` (IPv4-mapped, not the deprecated IPv4-compatible form).
 */
export const ENGINE_OCTET = '(?:0[xX][0-9A-Fa-f]+|[0-9]+)';

/** ipv6TextRegex in RE2's syntax (DuckDB, ClickHouse): \x{…} for JavaScript's \u…. */
export function ipv6TextRe2(octet = OCTET): string {
  return ipv6TextRegex(octet).replace(/\\u([0-9A-Fa-f]{4})/g, '\\x{$1}');
}

/** The first and last address of an IPv6 network (normalized text `addr/bits`), 16 bytes each. */
export function ipv6NetworkBytes(cidr: string): [number[], number[]] {
  const [net, bits] = ipaddr.parseCIDR(cidr);
  const bytes = net.toByteArray();
  const lo = bytes.map((b, i) => (i * 8 >= bits ? 0 : i * 8 + 8 <= bits ? b : b & (0xff << (8 - (bits - i * 8)))));
  const hi = lo.map((b, i) => (i * 8 >= bits ? 0xff : i * 8 + 8 <= bits ? b : b | (0xff >> (bits - i * 8))));
  return [lo, hi];
}

/**
 * The first and last address of an IPv6 network as 32 lower-case hex digits: for a fixed length, the text order of
 * such strings is the addresses' order, so an address written the same way is inside when it lies BETWEEN them (the
 * whole nibbles of the prefix equal, the partial one within its range).
 */
export function ipv6HexBounds(cidr: string): [string, string] {
  const hex = (v: number[]) => v.map((b) => b.toString(16).padStart(2, '0')).join('');
  const [lo, hi] = ipv6NetworkBytes(cidr);
  return [hex(lo), hex(hi)];
}

/** `x` (32 lower-case hex digits) inside any of the IPv6 networks. */
export function ipv6HexWithin(x: string, cidrs: readonly string[]): string {
  return joinBalanced(
    cidrs.map((c) => {
      const [lo, hi] = ipv6HexBounds(c);
      return `${x} BETWEEN '${lo}' AND '${hi}'`;
    }),
    'OR',
  );
}
