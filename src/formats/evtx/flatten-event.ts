import { addValue, type FieldValue } from '../../event/event.js';
import { isElement, joinValues, type XmlElement, type XmlValue } from './xml-tree.js';

type Fields = { [name: string]: FieldValue };

/**
 * Flattens an `<Event>` tree into Sigma fields: System children by name (attributes as
 * `Element_Attr`, e.g. Provider_Name, Execution_ProcessID), EventData `<Data Name="X">` as X,
 * unnamed Data as `Data` (an array when repeated), UserData and RenderingInfo by leaf name.
 */
export function flattenEvent(root: XmlElement): Fields {
  const out: Fields = {};
  for (const section of root.children) {
    if (!isElement(section)) continue;
    if (section.name === 'System') flattenSystem(section, out);
    else if (section.name === 'EventData') flattenEventData(section, out);
    else flattenLeaves(section, out);
  }
  return out;
}

function texts(el: XmlElement): XmlValue[] {
  return el.children.filter((c): c is XmlValue => !isElement(c));
}

function flattenSystem(system: XmlElement, out: Fields): void {
  for (const child of system.children) {
    if (!isElement(child)) continue;
    for (const a of child.attrs) out[`${child.name}_${a.name}`] = joinValues(a.value);
    const t = texts(child);
    if (t.length > 0) out[child.name] = joinValues(t);
  }
  const eid = out['EventID'];
  if (typeof eid === 'string' && /^\d+$/.test(eid)) out['EventID'] = Number(eid);
  const created = out['TimeCreated_SystemTime'];
  if (created !== undefined) out['TimeCreated'] = created;
}

function flattenEventData(data: XmlElement, out: Fields): void {
  for (const child of data.children) {
    if (!isElement(child)) continue;
    const nameAttr = child.attrs.find((a) => a.name === 'Name');
    const value = joinValues(texts(child));
    if (nameAttr !== undefined) addValue(out, nameAttr.value.map((v) => v.text).join(''), texts(child).length === 0 ? '' : value);
    else if (child.children.some(isElement)) flattenLeaves(child, out);
    else addValue(out, child.name, texts(child).length === 0 ? '' : value);
  }
}

function flattenLeaves(el: XmlElement, out: Fields): void {
  for (const child of el.children) {
    if (!isElement(child)) continue;
    for (const a of child.attrs) if (a.name !== 'xmlns') addValue(out, `${child.name}_${a.name}`, joinValues(a.value));
    if (child.children.some(isElement)) flattenLeaves(child, out);
    else if (texts(child).length > 0) addValue(out, child.name, joinValues(texts(child)));
  }
}
