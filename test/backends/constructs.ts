/** One detection construct per case, each aimed at a pitfall of conversion (conversion-notes.md §1, §5). */
export interface Construct {
  readonly name: string;
  readonly category: 'process_creation' | 'network_connection';
  readonly detection: string;
  /** Targets that must refuse it, with the diagnostic code. */
  readonly refusedBy?: Readonly<Partial<Record<'postgres' | 'duckdb' | 'sqlite' | 'clickhouse', string>>>;
}

const sel = (lines: string) => `selection:\n${lines.split('\n').map((l) => `    ${l}`).join('\n')}\ncondition: selection`;

export const CONSTRUCTS: readonly Construct[] = [
  { name: 'equality ignores case', category: 'process_creation', detection: sel(`Image: 'C:\\Windows\\System32\\cmstp.exe'`) },
  { name: 'endswith after a backslash (no \\c escape)', category: 'process_creation', detection: sel(`Image|endswith: '\\cmstp.exe'`) },
  { name: 'cased equality', category: 'process_creation', detection: sel(`Image|cased: 'C:\\Windows\\System32\\CMSTP.EXE'`) },
  { name: 'cased contains', category: 'process_creation', detection: sel(`CommandLine|contains|cased: 'URLCACHE'`) },
  { name: 'literal % and _ in contains', category: 'process_creation', detection: sel(`Image|contains: '100%_done'`) },
  { name: 'literal quote', category: 'process_creation', detection: sel(`Image|contains: "it's"`) },
  { name: 'escaped star and question mark', category: 'process_creation', detection: sel(`Image|contains: '\\*star\\?'`) },
  { name: 'single-character wildcard', category: 'process_creation', detection: sel(`Image: 'C:\\Tools\\100?_done\\x.exe'`) },
  { name: 'backslash next to a wildcard', category: 'process_creation', detection: sel(`Image: 'C:\\Tools\\a\\\\\\\\*mshta.exe'`) },
  { name: 'inner wildcards', category: 'process_creation', detection: sel(`CommandLine: '*urlcache*split*'`) },
  { name: 'non-ASCII case', category: 'process_creation', detection: sel(`Image|contains: '\\ärger'`), refusedBy: { sqlite: 'convert-case-folding' } },
  { name: 'windash', category: 'process_creation', detection: sel(`CommandLine|windash|contains: ' -urlcache '`) },
  { name: 'base64offset', category: 'process_creation', detection: sel(`CommandLine|base64offset|contains: 'IEX (New-Object'`) },
  { name: 'wide base64offset', category: 'process_creation', detection: sel(`CommandLine|wide|base64offset|contains: 'IEX (New-Object'`) },
  { name: 'contains all', category: 'process_creation', detection: sel(`CommandLine|contains|all:\n    - 'mimikatz'\n    - 'sekurlsa'`) },
  { name: 'list of endswith', category: 'process_creation', detection: sel(`Image|endswith:\n    - '\\rundll32.exe'\n    - '\\regsvr32.exe'\n    - '\\mshta.exe'`) },
  { name: 'regex with \\b, \\d and a class', category: 'process_creation', detection: sel(`CommandLine|re: '\\bschtasks\\b.*/sc\\s+on[a-z]+'`), refusedBy: { sqlite: 'convert-regex' } },
  { name: 'regex case-insensitive', category: 'process_creation', detection: sel(`CommandLine|re|i: 'VSSADMIN.+SHADOWS'`), refusedBy: { sqlite: 'convert-regex' } },
  { name: 'regex dot and newline', category: 'process_creation', detection: sel(`CommandLine|re: 'a.b mimikatz'`), refusedBy: { sqlite: 'convert-regex' } },
  { name: 'regex dotall', category: 'process_creation', detection: sel(`CommandLine|re|s: 'a.b mimikatz'`), refusedBy: { sqlite: 'convert-regex' } },
  { name: 'regex multiline anchor', category: 'process_creation', detection: sel(`CommandLine|re|m: '^b mimikatz'`), refusedBy: { sqlite: 'convert-regex' } },
  { name: 'regex bound above 255', category: 'process_creation', detection: sel(`CommandLine|re: 'a{300}'`), refusedBy: { postgres: 'convert-regex', sqlite: 'convert-regex' } },
  { name: 'keyword', category: 'process_creation', detection: `keywords:\n    - 'sekurlsa::'\n    - 'FileProtocolHandler'\ncondition: keywords` },
  { name: 'null', category: 'process_creation', detection: sel(`CommandLine: null`) },
  { name: 'empty string', category: 'process_creation', detection: sel(`CommandLine: ''`) },
  { name: 'exists false', category: 'process_creation', detection: sel(`ParentImage|exists: false`) },
  { name: 'exists true', category: 'process_creation', detection: sel(`OriginalFileName|exists: true`) },
  { name: 'not of a missing field', category: 'process_creation', detection: `selection:\n    Image|endswith: '\\rundll32.exe'\nfilter:\n    CommandLine|contains: 'shell32'\ncondition: selection and not filter` },
  { name: 'fieldref', category: 'process_creation', detection: sel(`Image|fieldref: ParentImage`) },
  { name: 'fieldref endswith', category: 'process_creation', detection: sel(`CommandLine|fieldref|endswith: Image`) },
  { name: 'several values in one field', category: 'process_creation', detection: sel(`CommandLine|contains: 'Control_RunDLL'`) },
  { name: 'IPv4 cidr', category: 'network_connection', detection: sel(`DestinationIp|cidr:\n    - '10.0.0.0/8'\n    - '172.16.0.0/12'\n    - '192.168.0.0/16'`) },
  { name: 'IPv6 cidr', category: 'network_connection', detection: sel(`DestinationIp|cidr:\n    - '::1/128'\n    - 'fe80::/10'\n    - 'fc00::/7'\n    - '2001:db8::/32'`) },
  { name: 'IPv4-mapped in an IPv6 network', category: 'network_connection', detection: sel(`DestinationIp|cidr: '::ffff:0:0/96'`) },
  { name: 'not in local ranges', category: 'network_connection', detection: `selection:\n    Initiated: 'true'\nfilter:\n    DestinationIp|cidr:\n        - '127.0.0.0/8'\n        - '10.0.0.0/8'\n        - '::1/128'\ncondition: selection and not filter` },
  { name: 'number as text or number', category: 'network_connection', detection: sel(`DestinationPort:\n    - 4444\n    - 3389`) },
  { name: 'numeric comparison', category: 'network_connection', detection: sel(`DestinationPort|gte: 1024`) },
  { name: 'boolean as text or boolean', category: 'network_connection', detection: sel(`Initiated: true`) },
];

export function constructRule(c: Construct): string {
  return `title: '${c.name.replace(/'/g, "''")}'
id: 5a0c4a52-0f0e-4c1e-9d7b-${String(CONSTRUCTS.indexOf(c)).padStart(12, '0')}
status: test
logsource:
    category: ${c.category}
    product: windows
detection:
${c.detection.split('\n').map((l) => `    ${l}`).join('\n')}
level: high
`;
}
