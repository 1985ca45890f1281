import type { FieldValue } from '../../event/event.js';
import type { XmlElement, XmlValue } from './xml-tree.js';

const SYSTEM_ORDER = ['Provider', 'EventID', 'Version', 'Level', 'Task', 'Opcode', 'Keywords', 'TimeCreated', 'EventRecordID', 'Correlation', 'Execution', 'Channel', 'Computer', 'Security'];
const val = (v: FieldValue): XmlValue => ({ text: typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v), value: v });

/**
 * An `<Event>` element from flat fields (for inputs that had no XML, such as JSON):
 * System fields by their flattened names (Provider_Name → <Provider Name=...>), the rest as EventData.
 */
export function fieldsToXml(fields: { readonly [k: string]: FieldValue }): XmlElement {
  const system = new Map<string, { attrs: Array<{ name: string; value: XmlValue[] }>; text?: FieldValue }>();
  const data: XmlElement[] = [];
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    const [el, attr] = k.split('_', 2) as [string, string | undefined];
    if (SYSTEM_ORDER.includes(el) && (attr === undefined || /^[A-Z]/.test(attr))) {
      if (k === 'TimeCreated') continue;
      const entry = system.get(el) ?? { attrs: [] };
      if (attr === undefined) entry.text = v;
      else entry.attrs.push({ name: attr, value: [val(v)] });
      system.set(el, entry);
    } else {
      for (const item of Array.isArray(v) ? v : [v]) {
        data.push({ name: 'Data', attrs: [{ name: 'Name', value: [val(k)] }], children: item === null ? [] : [val(item as FieldValue)] });
      }
    }
  }
  const systemChildren: XmlElement[] = SYSTEM_ORDER.filter((n) => system.has(n)).map((n) => {
    const e = system.get(n)!;
    return { name: n, attrs: e.attrs, children: e.text === undefined ? [] : [val(e.text)] };
  });
  return {
    name: 'Event',
    attrs: [{ name: 'xmlns', value: [val('http://schemas.microsoft.com/win/2004/08/events/event')] }],
    children: [{ name: 'System', attrs: [], children: systemChildren }, { name: 'EventData', attrs: [], children: data }],
  };
}
