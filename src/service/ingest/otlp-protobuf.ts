import { RequestError } from '../http/read-body.js';

/**
 * OTLP/HTTP protobuf: an ExportLogsServiceRequest decoded from the wire format into the shape of OTLP's JSON
 * encoding (lowerCamelCase names, int64 and fixed64 as decimal strings, bytes as base64), so both encodings go
 * through the same mapping. Only the messages of the logs request are read; unknown fields are skipped, as
 * protobuf requires. A malformed body is a 400 naming the byte offset and the message being read.
 */

type Json = { [k: string]: unknown };

/** A message's fields we keep: field number → name, kind, repeated. */
type FieldKind = 'string' | 'bytes' | 'bool' | 'int64' | 'uint' | 'fixed64' | 'fixed32' | 'double' | { readonly message: string };
interface FieldSpec {
  readonly name: string;
  readonly kind: FieldKind;
  readonly repeated?: true;
}

// Field numbers from opentelemetry-proto (collector/logs/v1, logs/v1, common/v1, resource/v1).
const MESSAGES: Readonly<Record<string, Readonly<Record<number, FieldSpec>>>> = {
  ExportLogsServiceRequest: { 1: { name: 'resourceLogs', kind: { message: 'ResourceLogs' }, repeated: true } },
  ResourceLogs: { 1: { name: 'resource', kind: { message: 'Resource' } }, 2: { name: 'scopeLogs', kind: { message: 'ScopeLogs' }, repeated: true }, 3: { name: 'schemaUrl', kind: 'string' } },
  Resource: { 1: { name: 'attributes', kind: { message: 'KeyValue' }, repeated: true }, 2: { name: 'droppedAttributesCount', kind: 'uint' } },
  ScopeLogs: { 1: { name: 'scope', kind: { message: 'InstrumentationScope' } }, 2: { name: 'logRecords', kind: { message: 'LogRecord' }, repeated: true }, 3: { name: 'schemaUrl', kind: 'string' } },
  InstrumentationScope: { 1: { name: 'name', kind: 'string' }, 2: { name: 'version', kind: 'string' }, 3: { name: 'attributes', kind: { message: 'KeyValue' }, repeated: true }, 4: { name: 'droppedAttributesCount', kind: 'uint' } },
  LogRecord: {
    1: { name: 'timeUnixNano', kind: 'fixed64' },
    11: { name: 'observedTimeUnixNano', kind: 'fixed64' },
    2: { name: 'severityNumber', kind: 'uint' },
    3: { name: 'severityText', kind: 'string' },
    5: { name: 'body', kind: { message: 'AnyValue' } },
    6: { name: 'attributes', kind: { message: 'KeyValue' }, repeated: true },
    7: { name: 'droppedAttributesCount', kind: 'uint' },
    8: { name: 'flags', kind: 'fixed32' },
    9: { name: 'traceId', kind: 'bytes' },
    10: { name: 'spanId', kind: 'bytes' },
    12: { name: 'eventName', kind: 'string' },
  },
  KeyValue: { 1: { name: 'key', kind: 'string' }, 2: { name: 'value', kind: { message: 'AnyValue' } } },
  AnyValue: {
    1: { name: 'stringValue', kind: 'string' },
    2: { name: 'boolValue', kind: 'bool' },
    3: { name: 'intValue', kind: 'int64' },
    4: { name: 'doubleValue', kind: 'double' },
    5: { name: 'arrayValue', kind: { message: 'ArrayValue' } },
    6: { name: 'kvlistValue', kind: { message: 'KeyValueList' } },
    7: { name: 'bytesValue', kind: 'bytes' },
  },
  ArrayValue: { 1: { name: 'values', kind: { message: 'AnyValue' }, repeated: true } },
  KeyValueList: { 1: { name: 'values', kind: { message: 'KeyValue' }, repeated: true } },
};

/** Nesting deeper than this (AnyValue inside AnyValue...) is refused rather than recursed into. */
const MAX_DEPTH = 64;

/** Decodes a protobuf ExportLogsServiceRequest; a RequestError 400 when the bytes are not one. */
export function decodeOtlpLogsProtobuf(bytes: Uint8Array): Json {
  return new Reader(bytes).message('ExportLogsServiceRequest', bytes.length, 0);
}

class Reader {
  private at = 0;
  private readonly view: DataView;
  private readonly text = new TextDecoder('utf-8', { fatal: true });

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  message(type: string, end: number, depth: number): Json {
    if (depth > MAX_DEPTH) this.fail(`${type} nested more than ${MAX_DEPTH} deep`);
    const spec = MESSAGES[type] as Readonly<Record<number, FieldSpec>>;
    const out: Json = {};
    while (this.at < end) {
      const tagAt = this.at;
      const tag = this.varint(end);
      const field = Number(tag >> 3n);
      const wire = Number(tag & 7n);
      if (field === 0) this.fail(`field number 0 in ${type}`, tagAt);
      const f = spec[field];
      if (f === undefined) {
        this.skip(wire, end, type);
        continue;
      }
      const value = this.value(f, wire, end, type, depth);
      if (f.repeated === true) ((out[f.name] ??= []) as unknown[]).push(value);
      else out[f.name] = value;
    }
    if (this.at !== end) this.fail(`${type} runs past its length`);
    return out;
  }

  private value(f: FieldSpec, wire: number, end: number, type: string, depth: number): unknown {
    const kind = f.kind;
    const expect = (w: number) => {
      if (wire !== w) this.fail(`${type}.${f.name} has wire type ${wire}, not ${w}`);
    };
    if (typeof kind === 'object') {
      expect(2);
      const sub = this.lengthEnd(end, `${type}.${f.name}`);
      return this.message(kind.message, sub, depth + 1);
    }
    switch (kind) {
      case 'string': {
        expect(2);
        const sub = this.lengthEnd(end, `${type}.${f.name}`);
        const start = this.at;
        this.at = sub;
        try {
          return this.text.decode(this.bytes.subarray(start, sub));
        } catch {
          return this.fail(`${type}.${f.name} is not valid UTF-8`, start);
        }
      }
      case 'bytes': {
        expect(2);
        const sub = this.lengthEnd(end, `${type}.${f.name}`);
        const start = this.at;
        this.at = sub;
        return Buffer.from(this.bytes.subarray(start, sub)).toString('base64');
      }
      case 'bool':
        expect(0);
        return this.varint(end) !== 0n;
      case 'int64':
        expect(0);
        return BigInt.asIntN(64, this.varint(end)).toString();
      case 'uint':
        expect(0);
        return Number(BigInt.asUintN(32, this.varint(end)));
      case 'fixed64': {
        expect(1);
        this.need(8, end, `${type}.${f.name}`);
        const v = this.view.getBigUint64(this.at, true);
        this.at += 8;
        return v.toString();
      }
      case 'fixed32': {
        expect(5);
        this.need(4, end, `${type}.${f.name}`);
        const v = this.view.getUint32(this.at, true);
        this.at += 4;
        return v;
      }
      case 'double': {
        expect(1);
        this.need(8, end, `${type}.${f.name}`);
        const v = this.view.getFloat64(this.at, true);
        this.at += 8;
        return v;
      }
      default: {
        const never: never = kind;
        return never;
      }
    }
  }

  private varint(end: number): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.at >= end) this.fail('a varint runs past the end of its message');
      const b = this.bytes[this.at++] as number;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
    }
    return this.fail('a varint longer than 10 bytes');
  }

  private lengthEnd(end: number, what: string): number {
    const n = this.varint(end);
    if (n > BigInt(end - this.at)) this.fail(`${what} claims ${n} bytes, ${end - this.at} remain`);
    return this.at + Number(n);
  }

  private need(n: number, end: number, what: string): void {
    if (end - this.at < n) this.fail(`${what} needs ${n} bytes, ${end - this.at} remain`);
  }

  private skip(wire: number, end: number, type: string): void {
    switch (wire) {
      case 0:
        this.varint(end);
        return;
      case 1:
        this.need(8, end, `an unknown field of ${type}`);
        this.at += 8;
        return;
      case 2:
        this.at = this.lengthEnd(end, `an unknown field of ${type}`);
        return;
      case 5:
        this.need(4, end, `an unknown field of ${type}`);
        this.at += 4;
        return;
      default:
        this.fail(`wire type ${wire} in ${type} (groups and unknown types are not OTLP)`);
    }
  }

  private fail(why: string, at = this.at): never {
    throw new RequestError(400, `body is not an OTLP protobuf ExportLogsServiceRequest: ${why} (byte ${at})`);
  }
}

/** A google.rpc.Status (code, message) in the wire format: OTLP answers a protobuf request's failure with it. */
export function encodeStatus(code: number, message: string): Uint8Array {
  const text = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from([0x08]), varintBytes(code), Buffer.from([0x12]), varintBytes(text.length), text]);
}

function varintBytes(n: number): Buffer {
  const out: number[] = [];
  let v = n >>> 0;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return Buffer.from(out);
}
