import type { IngestProtocolSpec } from './ingest-protocol.js';
import { ES_BULK } from './es-bulk.js';
import { NDJSON_HTTP } from './ndjson-http.js';
import { OTLP_LOGS } from './otlp-logs.js';
import { SPLUNK_HEC } from './splunk-hec.js';

/** The HTTP ingest protocols, tried in this order for each request (TCP JSON lines has its own listener). */
export const INGEST_PROTOCOLS = {
  http: NDJSON_HTTP,
  'splunk-hec': SPLUNK_HEC,
  otlp: OTLP_LOGS,
  elasticsearch: ES_BULK,
} satisfies Record<string, IngestProtocolSpec>;
