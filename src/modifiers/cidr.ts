import ipaddr from 'ipaddr.js';
import { asRawText } from './coerce.js';
import { problem, type ModifierProblem, type ModifierSpec } from './working-value.js';

/** Validates a network: an address with a prefix length and no host bits set, or a bare address. */
export function checkCidr(text: string): { cidr: string } | ModifierProblem {
  const trimmed = text.trim();
  try {
    if (!trimmed.includes('/')) {
      const addr = ipaddr.parse(trimmed);
      return { cidr: `${addr.toString()}/${addr.kind() === 'ipv4' ? 32 : 128}` };
    }
    const [addr, bits] = ipaddr.parseCIDR(trimmed);
    const network =
      addr.kind() === 'ipv4'
        ? ipaddr.IPv4.networkAddressFromCIDR(trimmed)
        : ipaddr.IPv6.networkAddressFromCIDR(trimmed);
    if (network.toString() !== addr.toString()) {
      return problem('cidr-invalid', `CIDR '${text}' has host bits set (the network is ${network.toString()}/${bits})`);
    }
    return { cidr: `${addr.toString()}/${bits}` };
  } catch {
    return problem('cidr-invalid', `'${text}' is not a valid IPv4 or IPv6 network`);
  }
}

/** The event value is an IP address inside the network. */
export const cidr: ModifierSpec = {
  mustBeFirst: true,
  apply(value) {
    const text = asRawText(value, 'cidr');
    if (typeof text !== 'string') return text;
    const checked = checkCidr(text);
    if ('code' in checked) return checked;
    return { kind: 'final', pattern: { kind: 'cidr', cidr: checked.cidr } };
  },
};
