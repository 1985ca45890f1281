import type { SigmaRule } from '../rule/model.js';
import type { LogsourceResolution } from './logsource-condition.js';
import { SYSMON_CATEGORIES } from './sysmon-schema.js';

const SYSMON = 'Microsoft-Windows-Sysmon/Operational';

/** Windows event log channels of the Sigma `service` names. */
export const SERVICE_CHANNELS: Readonly<Record<string, readonly string[]>> = {
  security: ['Security'],
  system: ['System'],
  application: ['Application'],
  sysmon: [SYSMON],
  powershell: ['Microsoft-Windows-PowerShell/Operational', 'PowerShellCore/Operational'],
  'powershell-classic': ['Windows PowerShell'],
  windefend: ['Microsoft-Windows-Windows Defender/Operational'],
  taskscheduler: ['Microsoft-Windows-TaskScheduler/Operational'],
  wmi: ['Microsoft-Windows-WMI-Activity/Operational'],
  ntlm: ['Microsoft-Windows-NTLM/Operational'],
  dhcp: ['Microsoft-Windows-DHCP-Server/Operational'],
  'dns-server': ['DNS Server'],
  'dns-client': ['Microsoft-Windows-DNS Client Events/Operational'],
  'printservice-admin': ['Microsoft-Windows-PrintService/Admin'],
  'printservice-operational': ['Microsoft-Windows-PrintService/Operational'],
  'smbclient-security': ['Microsoft-Windows-SmbClient/Security'],
  'smbclient-connectivity': ['Microsoft-Windows-SmbClient/Connectivity'],
  'smbserver-connectivity': ['Microsoft-Windows-SMBServer/Connectivity'],
  'terminalservices-localsessionmanager': ['Microsoft-Windows-TerminalServices-LocalSessionManager/Operational'],
  'codeintegrity-operational': ['Microsoft-Windows-CodeIntegrity/Operational'],
  applocker: ['Microsoft-Windows-AppLocker/MSI and Script', 'Microsoft-Windows-AppLocker/EXE and DLL', 'Microsoft-Windows-AppLocker/Packaged app-Deployment', 'Microsoft-Windows-AppLocker/Packaged app-Execution'],
  'msexchange-management': ['MSExchange Management'],
  'firewall-as': ['Microsoft-Windows-Windows Firewall With Advanced Security/Firewall'],
  'bits-client': ['Microsoft-Windows-Bits-Client/Operational'],
  'security-mitigations': ['Microsoft-Windows-Security-Mitigations/Kernel Mode', 'Microsoft-Windows-Security-Mitigations/User Mode'],
  'diagnosis-scripted': ['Microsoft-Windows-Diagnosis-Scripted/Operational'],
  'shell-core': ['Microsoft-Windows-Shell-Core/Operational'],
  openssh: ['OpenSSH/Operational'],
  ldap: ['Microsoft-Windows-LDAP-Client/Debug'],
  bitlocker: ['Microsoft-Windows-BitLocker/BitLocker Management'],
  vhdmp: ['Microsoft-Windows-VHDMP/Operational'],
  'appxdeployment-server': ['Microsoft-Windows-AppXDeploymentServer/Operational'],
  'lsa-server': ['Microsoft-Windows-LSA/Operational'],
  'appxpackaging-om': ['Microsoft-Windows-AppxPackaging/Operational'],
  'appmodel-runtime': ['Microsoft-Windows-AppModel-Runtime/Admin'],
  capi2: ['Microsoft-Windows-CAPI2/Operational'],
  'certificateservicesclient-lifecycle-system': ['Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational'],
  'kernel-shimengine': ['Microsoft-Windows-Kernel-ShimEngine/Operational', 'Microsoft-Windows-Kernel-ShimEngine/Diagnostic'],
  ntfs: ['Microsoft-Windows-Ntfs/Operational'],
  'driver-framework': ['Microsoft-Windows-DriverFrameworks-UserMode/Operational'],
  'microsoft-servicebus-client': ['Microsoft-ServiceBus-Client/Admin', 'Microsoft-ServiceBus-Client/Operational'],
  'servicebus-client': ['Microsoft-ServiceBus-Client/Admin', 'Microsoft-ServiceBus-Client/Operational'],
  'iis-configuration': ['Microsoft-IIS-Configuration/Operational'],
  sense: ['Microsoft-Windows-SENSE/Operational'],
};

/** Non-Sysmon Windows categories: channel and event IDs. */
const OTHER_CATEGORIES: Readonly<Record<string, { channels: readonly string[]; eventIds: readonly number[] }>> = {
  ps_module: { channels: SERVICE_CHANNELS['powershell'] ?? [], eventIds: [4103] },
  ps_script: { channels: SERVICE_CHANNELS['powershell'] ?? [], eventIds: [4104] },
  ps_classic_start: { channels: ['Windows PowerShell'], eventIds: [400] },
  ps_classic_provider_start: { channels: ['Windows PowerShell'], eventIds: [600] },
  ps_classic_script: { channels: ['Windows PowerShell'], eventIds: [800] },
  antivirus: { channels: ['Microsoft-Windows-Windows Defender/Operational'], eventIds: [1006, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 1015, 1116, 1117, 1118, 1119] },
};

/**
 * The built-in Windows pipeline: which events a rule's logsource covers. Sysmon categories map to
 * their event IDs on the Sysmon channel, process_creation also to Security 4688 (fields mapped by
 * `normalizeWindowsEvent`), services to their channels. Anything else is reported, not dropped.
 */
export function resolveWindowsLogsource(rule: SigmaRule): LogsourceResolution {
  const { product, category, service } = rule.logsource;
  // Only a logsource without a pipeline needs its text (made once per rule otherwise: a cost on every load).
  const describe = () => `logsource ${JSON.stringify(rule.logsource)}`;
  if (product !== undefined && product !== 'windows') return { reason: `${describe()}: no loaded pipeline knows product '${product}'` };
  if (category !== undefined) {
    const sysmon = SYSMON_CATEGORIES[category];
    if (sysmon !== undefined) {
      const viaSysmon = { channels: [SYSMON], eventIds: sysmon.eventIds };
      if (category === 'process_creation') return { condition: [viaSysmon, { channels: ['Security'], eventIds: [4688] }] };
      return { condition: [viaSysmon] };
    }
    const other = OTHER_CATEGORIES[category];
    if (other !== undefined) return { condition: [{ channels: other.channels, eventIds: other.eventIds }] };
    return { reason: `${describe()}: no loaded pipeline maps category '${category}' to Windows events` };
  }
  if (service !== undefined) {
    const channels = SERVICE_CHANNELS[service];
    if (channels === undefined) return { reason: `${describe()}: no loaded pipeline knows service '${service}'` };
    return { condition: [{ channels }] };
  }
  return { reason: `${describe()}: product windows alone does not say which events` };
}
