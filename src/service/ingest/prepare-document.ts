import type { FieldValue } from '../../event/event.js';
import { documentKey, winlogbeatKey, type Doc } from '../event/document-event.js';
import { scanWinlogbeat } from '../event/scan-winlogbeat.js';
import type { JournalEntry, QuarantineEntry } from '../journal/journal.js';

/** A document made ready for the journal, or kept aside with the reason it is not an event. */
export type Prepared = { readonly kind: 'entry'; readonly entry: JournalEntry } | { readonly kind: 'quarantine'; readonly entry: QuarantineEntry };

const isDoc = (v: unknown): v is Doc => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * A document from its JSON text: journaled as sent when it is a JSON object, quarantined otherwise. A Winlogbeat
 * document is keyed from its text by scanWinlogbeat (no JSON.parse, no object built: detection parses it, once);
 * any other, or one the scanner is unsure of, is parsed (its `host` then comes from the parsed document).
 */
export function prepareText(text: string, protocol: string): Prepared {
  const scanned = text.includes('"winlog"') ? scanWinlogbeat(text) : undefined;
  if (scanned !== undefined) return { kind: 'entry', entry: { key: winlogbeatKey(scanned.host, scanned.channel, scanned.record, scanned.timestamp, text), doc: text, host: scanned.host } };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { kind: 'quarantine', entry: { protocol, reason: `not JSON: ${(e as Error).message}`, text } };
  }
  if (!isDoc(v)) return { kind: 'quarantine', entry: { protocol, reason: 'not a JSON object', text } };
  return { kind: 'entry', entry: { key: documentKey(v, text), doc: text, parsed: v } };
}

/** A document a protocol built (HEC envelope, OTLP record). */
export function prepareObject(doc: { readonly [k: string]: FieldValue }): Prepared {
  const text = JSON.stringify(doc);
  return { kind: 'entry', entry: { key: documentKey(doc, text), doc: text, parsed: doc } };
}

/** Splits prepared documents into the journal batch's two lists, keeping the entries' order. */
export function toBatch(prepared: readonly Prepared[]): { entries: JournalEntry[]; quarantine: QuarantineEntry[]; index: Array<number | undefined> } {
  const entries: JournalEntry[] = [];
  const quarantine: QuarantineEntry[] = [];
  // For each prepared document, its index in `entries` (undefined: quarantined).
  const index: Array<number | undefined> = [];
  for (const p of prepared) {
    if (p.kind === 'entry') {
      index.push(entries.length);
      entries.push(p.entry);
    } else {
      index.push(undefined);
      quarantine.push(p.entry);
    }
  }
  return { entries, quarantine, index };
}
