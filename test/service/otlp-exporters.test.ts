import { resolve } from 'node:path';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPLogExporter as ProtoExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPLogExporter as JsonExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor, type LogRecordExporter, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeOtlpLogsProtobuf } from '../../src/service/ingest/otlp-protobuf.js';
import { hostAlerts as storedAlerts, startTestService, type TestService } from './in-process.js';
import { networkConnect } from './winlogbeat-docs.js';

/** OpenTelemetry's own log exporters (the SDK a collector or an app uses) against the OTLP endpoint. */
const SEED_RULE = resolve(__dirname, '../../rules/net_connection_win_cmstp_initiated_connection.yml');
const RULE_ID = '47c894ee-c2b8-55e8-b332-3ba3ee37e8ce';
const T0 = Date.parse('2026-11-20T09:14:03.512Z');

let svc: TestService;
const hostAlerts = (host: string) => storedAlerts(svc, host);
beforeAll(async () => {
  svc = await startTestService([SEED_RULE]);
});
afterAll(async () => {
  await svc.close();
});


/** The exporter wrapped so the test sees each export's result (the SDK only logs a failure). */
function recording(exporter: LogRecordExporter): { exporter: LogRecordExporter; results: ExportResult[] } {
  const results: ExportResult[] = [];
  return {
    results,
    exporter: {
      export: (logs: ReadableLogRecord[], done: (r: ExportResult) => void) => exporter.export(logs, (r) => (results.push(r), done(r))),
      shutdown: () => exporter.shutdown(),
      forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
    },
  };
}

/** The windowseventlog receiver's body for a Sysmon process start, as a collector sends it. */
const processStart = (host: string, record: number, guid: string, commandLine: string) => ({
  channel: 'Microsoft-Windows-Sysmon/Operational',
  computer: host,
  record_id: record,
  system_time: new Date(T0 + record).toISOString(),
  event_id: { id: 1 },
  provider: { name: 'Microsoft-Windows-Sysmon' },
  event_data: { ProcessGuid: guid, ProcessId: '6644', Image: 'C:\\Windows\\System32\\cmstp.exe', CommandLine: commandLine, ParentImage: 'C:\\Windows\\System32\\cmd.exe' },
});

async function ship(kind: 'proto' | 'json', host: string): Promise<ExportResult[]> {
  const url = `${svc.url}/v1/logs`;
  const rec = recording(kind === 'proto' ? new ProtoExporter({ url }) : new JsonExporter({ url }));
  const provider = new LoggerProvider({ resource: resourceFromAttributes({ 'host.name': host.toLowerCase() }), processors: [new SimpleLogRecordProcessor({ exporter: rec.exporter })] });
  const logger = provider.getLogger('sigmatch-test');
  const guid = '{8c1a7f52-a93b-6739-2a04-000000000042}';
  logger.emit({ body: processStart(host, 1, guid, `cmstp.exe /s ${kind}.inf`), timestamp: new Date(T0 + 1), attributes: { 'log.source': 'windowseventlog' } });
  // A Winlogbeat-shaped document as a JSON string body: the other shape collectors forward.
  logger.emit({ body: JSON.stringify(networkConnect({ host, record: 2, guid, pid: 6644, image: 'C:\\Windows\\System32\\cmstp.exe', time: T0 + 2 }, '203.0.113.20')), timestamp: new Date(T0 + 2) });
  await provider.forceFlush();
  await provider.shutdown();
  return rec.results;
}

describe('OTLP logs from OpenTelemetry exporters', () => {
  it('protobuf (exporter-logs-otlp-proto): accepted, detected, the process story attached', async () => {
    const results = await ship('proto', 'WS-OTLP-PROTO');
    expect(results.length).toBeGreaterThan(0);
    expect(results.every((r) => r.code === ExportResultCode.SUCCESS)).toBe(true);
    const alerts = await hostAlerts('WS-OTLP-PROTO');
    expect(alerts.map((a) => a.rule.id)).toEqual([RULE_ID]);
    expect(alerts[0]?.process.command_line).toBe('cmstp.exe /s proto.inf');
  });

  it('JSON (exporter-logs-otlp-http): the same', async () => {
    const results = await ship('json', 'WS-OTLP-JSON');
    expect(results.every((r) => r.code === ExportResultCode.SUCCESS)).toBe(true);
    const alerts = await hostAlerts('WS-OTLP-JSON');
    expect(alerts.map((a) => a.rule.id)).toEqual([RULE_ID]);
    expect(alerts[0]?.process.command_line).toBe('cmstp.exe /s json.inf');
  });

  it('a malformed or truncated protobuf body is a 400 naming the byte, in a protobuf Status; nothing is journaled', async () => {
    const before = svc.service.journal.lastPosition;
    for (const body of [new Uint8Array([0x0a, 0x05, 0x12, 0x03]), new Uint8Array([0x0a, 0x80]), new Uint8Array([0x0b])]) {
      const res = await fetch(`${svc.url}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/x-protobuf');
      const status = Buffer.from(await res.arrayBuffer());
      expect(status[0]).toBe(0x08); // google.rpc.Status.code
      expect(status.toString('utf8')).toMatch(/not an OTLP protobuf ExportLogsServiceRequest: .* \(byte \d+\)/);
    }
    expect(svc.service.journal.lastPosition).toBe(before);
  });
});

describe('the OTLP protobuf decoder', () => {
  it('reads every AnyValue kind, skips unknown fields, and refuses bad UTF-8 and runaway lengths', () => {
    const str = (field: number, s: string) => [(field << 3) | 2, Buffer.byteLength(s), ...Buffer.from(s)];
    const msg = (field: number, body: number[]) => [(field << 3) | 2, body.length, ...body];
    const kv = (key: string, value: number[]) => [...str(1, key), ...msg(2, value)];
    const attrs = [
      ...msg(6, kv('s', str(1, 'x'))),
      ...msg(6, kv('b', [0x10, 1])),
      ...msg(6, kv('i', [0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])), // -1
      ...msg(6, kv('a', msg(5, [...msg(1, str(1, 'p')), ...msg(1, str(1, 'q'))]))),
      0xf8, 0x06, 0x07, // field 111, varint 7: unknown, skipped
    ];
    const req = msg(1, msg(2, msg(2, attrs)));
    const decoded = decodeOtlpLogsProtobuf(new Uint8Array(req)) as { resourceLogs: Array<{ scopeLogs: Array<{ logRecords: Array<{ attributes: unknown[] }> }> }> };
    expect(decoded.resourceLogs[0]?.scopeLogs[0]?.logRecords[0]?.attributes).toEqual([
      { key: 's', value: { stringValue: 'x' } },
      { key: 'b', value: { boolValue: true } },
      { key: 'i', value: { intValue: '-1' } },
      { key: 'a', value: { arrayValue: { values: [{ stringValue: 'p' }, { stringValue: 'q' }] } } },
    ]);
    expect(() => decodeOtlpLogsProtobuf(new Uint8Array(msg(1, msg(2, msg(2, msg(6, kv('s', [0x0a, 1, 0xff])))))))).toThrow(/not valid UTF-8/);
    expect(() => decodeOtlpLogsProtobuf(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f]))).toThrow(/claims \d+ bytes, 0 remain \(byte 5\)/);
  });
});
