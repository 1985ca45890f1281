import ipaddr from 'ipaddr.js';

/** Parses a dotted-quad IPv4 address into an unsigned 32-bit number, or -1. Fast path for the hot loop. */
function ipv4ToInt(s: string): number {
  let n = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return -1;
    } else if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      n = n * 256 + octet;
      octet = 0;
      digits = 0;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return n * 256 + octet;
}

/**
 * A predicate "is this text an IP address inside the network". IPv4-mapped IPv6 addresses
 * (::ffff:a.b.c.d) are tested as IPv4. Anything that is not an address does not match.
 */
export function cidrMatcher(cidr: string): (value: string) => boolean {
  const [addr, bits] = ipaddr.parseCIDR(cidr);
  if (addr.kind() === 'ipv4') {
    const net = ipv4ToInt(addr.toString());
    const size = 2 ** (32 - bits);
    const start = Math.floor(net / size) * size;
    return (value) => {
      let v = ipv4ToInt(value);
      if (v < 0) {
        // Surrounding white space is tolerated, as the reference interpreter does.
        const text = value.trim();
        v = ipv4ToInt(text);
        if (v < 0) {
          const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text);
          if (mapped === null) return false;
          v = ipv4ToInt(mapped[1] as string);
        }
      }
      return v >= start && v < start + size;
    };
  }
  const net = addr as ipaddr.IPv6;
  return (value) => {
    if (value.indexOf(':') < 0) return false;
    const text = value.trim().replace(/%.*$/, '');
    if (!ipaddr.IPv6.isValid(text)) return false;
    return ipaddr.IPv6.parse(text).match(net, bits);
  };
}
