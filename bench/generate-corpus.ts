import type { WriterEvent } from '../src/formats/evtx/write-evtx.js';
import {
  dnsQuery, fileCreate, imageLoad, networkConnect, powershellModule, powershellScriptBlock, processCreate, registrySet, securityLogon, securityProcessCreate,
  securityShareAccess, securitySpecialLogon, serviceInstall, sysmonGuid, type ProcessSpec,
} from './sysmon-events.js';

/** A small seeded PRNG (mulberry32), so corpora are the same on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const IMAGES = [
  'C:\\Windows\\System32\\svchost.exe', 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', 'C:\\Windows\\explorer.exe',
  'C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE', 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
  'C:\\Windows\\System32\\cmd.exe', 'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe', 'C:\\Windows\\System32\\RuntimeBroker.exe',
  'C:\\Users\\alice\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe', 'C:\\Windows\\System32\\conhost.exe',
];
/** Lines of everyday administration scripts, joined into script blocks of the lengths real 4104 events have. */
const SCRIPT_LINES = [
  '$ErrorActionPreference = "Stop"', 'Set-StrictMode -Version Latest', 'Import-Module ActiveDirectory',
  'Get-ChildItem -Path $env:TEMP -Filter *.log | Where-Object { $_.LastWriteTime -lt (Get-Date).AddDays(-7) } | Remove-Item -Force',
  'function Get-DiskReport { param([string]$ComputerName = $env:COMPUTERNAME) Get-CimInstance -ClassName Win32_LogicalDisk -ComputerName $ComputerName | Select-Object DeviceID, Size, FreeSpace }',
  '$users = Get-ADUser -Filter * -Properties LastLogonDate, Department', 'foreach ($u in $users) { if ($u.LastLogonDate -lt (Get-Date).AddDays(-90)) { Write-Output $u.SamAccountName } }',
  '[System.Net.ServicePointManager]::SecurityProtocol = [System.Net.SecurityProtocolType]::Tls12',
  '$report = [System.Collections.Generic.List[PSObject]]::new()', '$report.Add([PSCustomObject]@{ Name = $item.Name; Length = $item.Length; Owner = (Get-Acl $item.FullName).Owner })',
  'Export-Csv -Path "\\\\fileshare.corp.example\\reports\\disk-$(Get-Date -Format yyyyMMdd).csv" -NoTypeInformation -Encoding UTF8',
  'if (-not (Test-Path -Path $LogFolder)) { New-Item -ItemType Directory -Path $LogFolder | Out-Null }', 'Write-Verbose -Message "Processed $($items.Count) items in $($sw.Elapsed.TotalSeconds) s"',
  '$sw = [System.Diagnostics.Stopwatch]::StartNew()', 'Get-Service | Where-Object { $_.StartType -eq "Automatic" -and $_.Status -ne "Running" } | Start-Service -WhatIf',
  'try { $result = Invoke-RestMethod -Uri $Endpoint -Method Get -UseDefaultCredentials -TimeoutSec 30 } catch { Write-Warning $_.Exception.Message }',
  '$config = Get-Content -Raw -Path (Join-Path $PSScriptRoot "settings.json") | ConvertFrom-Json', 'Register-ScheduledJob -Name NightlyReport -ScriptBlock $job -Trigger $trigger',
];
const SHORT_SCRIPTS = ['prompt', '$global:?', 'Set-StrictMode -Version 1; $_.ErrorCategory_Message', '{ Set-StrictMode -Version 1; $_.OriginInfo }', 'exit', 'Get-Date', '$PSVersionTable'];
const SERVICES: ReadonlyArray<readonly [string, string]> = [
  ['Google Update Service (gupdate)', '"C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe" /svc'],
  ['Microsoft Defender Antivirus Network Inspection Service', '"C:\\ProgramData\\Microsoft\\Windows Defender\\platform\\4.18.2205.7-0\\NisSrv.exe"'],
  ['Backup Agent', '"C:\\Program Files\\Veeam\\Endpoint Backup\\Veeam.EndPoint.Service.exe" -service -config "C:\\ProgramData\\Veeam\\Endpoint\\service.xml"'],
  ['Intel(R) Storage Middleware Service', 'C:\\Windows\\System32\\DriverStore\\FileRepository\\iastorvd.inf_amd64_8f2a6c5e1d3b4a7f\\RstMwService.exe'],
  ['Print Spooler Helper', '%SystemRoot%\\System32\\svchost.exe -k print'],
];
const PRIVILEGES = ['SeAssignPrimaryTokenPrivilege\r\n\t\t\tSeTcbPrivilege\r\n\t\t\tSeSecurityPrivilege\r\n\t\t\tSeTakeOwnershipPrivilege\r\n\t\t\tSeLoadDriverPrivilege\r\n\t\t\tSeBackupPrivilege\r\n\t\t\tSeRestorePrivilege\r\n\t\t\tSeDebugPrivilege\r\n\t\t\tSeAuditPrivilege\r\n\t\t\tSeSystemEnvironmentPrivilege\r\n\t\t\tSeImpersonatePrivilege\r\n\t\t\tSeDelegateSessionUserImpersonatePrivilege', 'SeSecurityPrivilege\r\n\t\t\tSeBackupPrivilege\r\n\t\t\tSeRestorePrivilege', 'SeChangeNotifyPrivilege\r\n\t\t\tSeImpersonatePrivilege'];
const DOMAINS = ['www.example.com', 'login.microsoftonline.com', 'cdn.office.net', 'update.googleapis.com', 'teams.microsoft.com', 'fileshare.corp.example'];

/** The twelve utilities of the built-in rule pack, as their images sit on disk. */
export const UTILITIES = [
  'C:\\Windows\\System32\\cmstp.exe', 'C:\\Windows\\Microsoft.NET\\Framework64\\v2.0.50727\\ieexec.exe', 'C:\\Windows\\System32\\odbcconf.exe',
  'C:\\Program Files (x86)\\Windows Kits\\10\\Debuggers\\x64\\cdb.exe', 'C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\Microsoft.Workflow.Compiler.exe',
  'C:\\Tools\\Sysinternals\\bginfo.exe', 'C:\\Program Files (x86)\\Microsoft Visual Studio\\2019\\Community\\MSBuild\\Current\\Bin\\Roslyn\\csi.exe',
  'C:\\Users\\alice\\.dnx\\runtimes\\dnx-clr-win-x86.1.0.0\\bin\\dnx.exe', 'C:\\Program Files (x86)\\Microsoft SDKs\\F#\\10.1\\Framework\\v4.0\\fsi.exe',
  'C:\\Windows\\System32\\iexpress.exe', 'C:\\Program Files\\dotnet\\rcsi.exe', 'C:\\Windows\\System32\\xwizard.exe',
];

/** Destinations in every local range the pack filters out: a lookalike connection that must not alert. */
const LOCAL_DESTINATIONS = ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.254', '192.168.1.20', '169.254.10.10', '::1', 'fe80::1c2d:3e4f:5a6b:7c8d', 'fc00::10', 'fdff:ffff::1'];

export type InjectedKind = 'attack' | 'local-destination' | 'inbound' | 'namesake' | 'no-network';

/** One injected scenario: the record id of its network event (or process creation) and whether the pack must alert. */
export interface Injected {
  readonly record: number;
  readonly kind: InjectedKind;
  readonly utility: string;
  readonly host: string;
  readonly alert: boolean;
}

export interface GenerateOptions {
  /** One injected scenario every this many events (0: none). */
  readonly injectEvery?: number;
  /** Receives each injected scenario as it is written. */
  readonly truth?: (i: Injected) => void;
}

/**
 * Realistic Windows traffic for `count` events on 20 hosts, in time order: Sysmon process creations followed by
 * the processes' DNS queries, connections, file writes, registry writes and image loads, and Security logons and
 * process creations (4624, 4688), PowerShell script blocks and module logging (4104, 4103), service installs (7045),
 * privileged logons (4672) and share access (5145), in the shares and value lengths real logs have. With `injectEvery`, scenarios with the twelve utilities are written at known
 * record ids: real attacks (a public IPv4 or IPv6 destination, initiated) and lookalikes that must not alert.
 */
export function* generateEvents(count: number, seed = 42, options: GenerateOptions = {}): Generator<WriterEvent> {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  let clock = Date.parse('2026-01-05T08:00:00Z');
  const live: Array<{ p: ProcessSpec; host: string }> = [];
  let n = 0;
  let record = 0;
  const injectEvery = options.injectEvery ?? 0;
  const newProcess = (image: string, commandLine: string, parent: ProcessSpec | undefined, user = pick(['CORP\\alice', 'CORP\\bob', 'NT AUTHORITY\\SYSTEM'])): ProcessSpec => {
    n++;
    return { guid: sysmonGuid(7, n), pid: 1000 + ((n * 4) % 60000), image, commandLine, user, ...(parent !== undefined ? { parent } : {}) };
  };
  const stamp = () => {
    clock += Math.floor(r() * 400);
    return new Date(clock).toISOString().replace('Z', `${String(Math.floor(r() * 9999)).padStart(4, '0')}Z`);
  };
  // 52-151 but never 127 (loopback, which the pack rightly filters out).
  const publicIp = () => {
    const first = 52 + Math.floor(r() * 100);
    return `${first === 127 ? 128 : first}.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}.${1 + Math.floor(r() * 254)}`;
  };
  while (record < count) {
    if (injectEvery > 0 && record > 0 && record % injectEvery === 0 && record + 3 <= count) {
      // An injected scenario: the utility starts from cmd.exe, then (maybe) connects.
      const host = `WS${String(1 + Math.floor(r() * 20)).padStart(2, '0')}.corp.example`;
      const roll = r();
      const kind: InjectedKind = roll < 0.5 ? 'attack' : roll < 0.65 ? 'local-destination' : roll < 0.8 ? 'inbound' : roll < 0.9 ? 'namesake' : 'no-network';
      const real = pick(UTILITIES);
      const name = real.split('\\').pop() as string;
      const image = kind === 'namesake' ? `C:\\Tools\\not${name}` : real;
      const cmd = newProcess('C:\\Windows\\System32\\cmd.exe', `cmd.exe /c ${name}`, undefined, 'CORP\\alice');
      const p = newProcess(image, `${name} /s C:\\Users\\alice\\AppData\\Local\\Temp\\${Math.floor(r() * 1e6).toString(36)}.inf`, cmd, 'CORP\\alice');
      yield processCreate(stamp(), host, p);
      record++;
      if (kind === 'no-network') {
        options.truth?.({ record, kind, utility: name, host, alert: false });
        continue;
      }
      const dst = kind === 'local-destination' ? pick(LOCAL_DESTINATIONS) : r() < 0.25 ? `2001:db8:${Math.floor(r() * 65535).toString(16)}::${Math.floor(r() * 65535).toString(16)}` : publicIp();
      yield networkConnect(stamp(), host, p, dst, pick([443, 80, 8443]), { initiated: kind !== 'inbound' });
      record++;
      options.truth?.({ record, kind, utility: name, host, alert: kind === 'attack' });
      continue;
    }
    const time = stamp();
    const host = `WS${String(1 + Math.floor(r() * 20)).padStart(2, '0')}.corp.example`;
    const roll = r();
    record++;
    if (live.length < 5 || roll < 0.12) {
      const image = pick(IMAGES);
      const parent = live.length > 0 ? pick(live).p : undefined;
      // One in thirty command lines is an inline script of hundreds to thousands of characters (real logs' p99: 1,532).
      let args = `${pick(['--type=renderer', '-k netsvcs -p', '/c dir', '-nop -enc SQBFAFgA', '--profile=default', ''])} ${n + 1}`;
      if (r() < 1 / 30) {
        const target = 300 + Math.floor(r() * 2500);
        let script = '';
        while (script.length < target) script += `${pick(SCRIPT_LINES)}; `;
        args = `-NoProfile -ExecutionPolicy RemoteSigned -Command "${script.replace(/"/g, "'")}"`;
      }
      const p = newProcess(image, `"${image}" ${args}`, parent);
      live.push({ p, host });
      if (live.length > 500) live.shift();
      yield processCreate(time, host, p);
      continue;
    }
    if (roll < 0.16) {
      const parent = pick(live).p;
      yield securityProcessCreate(time, host, newProcess(pick(IMAGES), `${pick(['whoami', 'ipconfig /all', 'net use', 'tasklist /v'])}`, parent));
      continue;
    }
    if (roll < 0.2) {
      yield securityLogon(time, host, pick(['CORP\\alice', 'CORP\\bob', 'CORP\\svc_backup']), pick([2, 3, 10]), r() < 0.5 ? '-' : `10.20.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}`);
      continue;
    }
    // The events real logs have besides Sysmon (shares and lengths measured on the corpus's real EVTX files,
    // bench/README.md): PowerShell script blocks and module logging, service installs, privileged logons, share access.
    if (roll < 0.23) {
      // Script blocks: half one-liners, most of the rest a few hundred characters, one in twenty several thousand.
      const size = r();
      let text = size < 0.5 ? pick(SHORT_SCRIPTS) : '';
      const target = size < 0.5 ? 0 : size < 0.95 ? 200 + Math.floor(r() * 700) : 2000 + Math.floor(r() * 4000);
      while (text.length < target) text += `${pick(SCRIPT_LINES)}\r\n`;
      yield powershellScriptBlock(time, host, text, sysmonGuid(9, record).slice(1, -1).toLowerCase(), size < 0.5 ? '' : `C:\\Scripts\\${pick(['report', 'cleanup', 'inventory'])}.ps1`);
      continue;
    }
    if (roll < 0.25) {
      const cmd = pick(['Get-ChildItem', 'Get-Service', 'Invoke-RestMethod', 'Export-Csv', 'Out-Default']);
      yield powershellModule(time, host, cmd, `CommandInvocation(${cmd}): "${cmd}"\r\nParameterBinding(${cmd}): name="Path"; value="C:\\Users\\alice\\AppData\\Local\\Temp\\${Math.floor(r() * 1e6).toString(36)}"\r\n`, 'CORP\\alice');
      continue;
    }
    if (roll < 0.255) {
      const [name, path] = pick(SERVICES);
      yield serviceInstall(time, host, name, path);
      continue;
    }
    if (roll < 0.285) {
      yield securitySpecialLogon(time, host, pick(['CORP\\svc_backup', 'NT AUTHORITY\\SYSTEM', 'CORP\\admin']), pick(PRIVILEGES));
      continue;
    }
    if (roll < 0.31) {
      yield securityShareAccess(time, host, pick(['CORP\\alice', 'CORP\\bob']), pick(['IPC$', 'SYSVOL', 'reports']), pick(['srvsvc', 'corp.example\\Policies\\{31B2F340-016D-11D2-945F-00C04FB984F9}\\GPT.INI', 'disk\\2026\\disk-20260105.csv']), `10.20.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}`);
      continue;
    }
    const { p, host: h } = pick(live);
    if (roll < 0.5) yield networkConnect(time, h, p, r() < 0.3 ? `10.20.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}` : publicIp(), pick([443, 80, 445, 8080]));
    else if (roll < 0.65) yield dnsQuery(time, h, p, pick(DOMAINS), [`52.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}`]);
    else if (roll < 0.78) yield fileCreate(time, h, p, `C:\\Users\\alice\\AppData\\Local\\Temp\\${Math.floor(r() * 1e9).toString(36)}.tmp`);
    else if (roll < 0.89) yield registrySet(time, h, p, pick(['HKU\\S-1-5-21-1013\\Software\\Microsoft\\Office\\16.0\\Common\\General\\ShownFileFmtPrompt', 'HKLM\\System\\CurrentControlSet\\Services\\bam\\State\\UserSettings\\S-1-5-21-1013\\\\Device\\HarddiskVolume3\\Windows\\explorer.exe', 'HKU\\S-1-5-21-1013\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\RecentDocs\\.docx']), pick(['DWORD (0x00000001)', 'Binary Data', 'QWORD (0x01db2a3c-0x4d5e6f70)']));
    else yield imageLoad(time, h, p, pick(['C:\\Windows\\System32\\kernel32.dll', 'C:\\Windows\\System32\\ntdll.dll', 'C:\\Windows\\System32\\wininet.dll', 'C:\\Windows\\System32\\crypt32.dll', 'C:\\Windows\\System32\\amsi.dll']));
  }
}
