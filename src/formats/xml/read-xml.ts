import type { Event } from '../../event/event.js';
import { flattenEvent } from '../evtx/flatten-event.js';
import { renderXml } from '../evtx/xml-tree.js';
import { lineColOf } from '../../diagnostics.js';
import type { InputItem } from '../input-item.js';
import { parseXmlElement, XmlSyntaxError } from './parse-xml.js';

/**
 * Windows event XML: one `<Event>` per record, one after another, or wrapped in `<Events>`.
 * A malformed event is reported with its line and column, and reading goes on at the next `<Event`.
 */
export function* readXmlText(text: string, file: string): Generator<InputItem> {
  const re = /<Event[\s>]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const at = m.index;
    try {
      const { element, end } = parseXmlElement(text, at);
      re.lastIndex = end;
      const fields = flattenEvent(element);
      const line = lineColOf(text, at).line;
      const t = Date.parse(String(fields['TimeCreated'] ?? ''));
      const event: Event = { fields, source: { file, line }, ...(Number.isNaN(t) ? {} : { timestamp: t }) };
      yield { kind: 'event', event, xml: () => renderXml(element) };
    } catch (e) {
      if (!(e instanceof XmlSyntaxError)) throw e;
      const pos = lineColOf(text, e.offset);
      yield { kind: 'problem', problem: { code: 'xml-syntax', severity: 'error', message: e.message, file, line: pos.line, column: pos.column } };
      re.lastIndex = at + 1;
    }
  }
}
