import type { FieldValue } from '../../event/event.js';

/** A value inside an element or attribute: its text as Windows renders it, and a typed value for fields. */
export interface XmlValue {
  readonly text: string;
  readonly value: FieldValue;
}

export interface XmlElement {
  readonly name: string;
  readonly attrs: ReadonlyArray<{ readonly name: string; readonly value: readonly XmlValue[] }>;
  readonly children: ReadonlyArray<XmlElement | XmlValue>;
}

export function isElement(n: XmlElement | XmlValue): n is XmlElement {
  return 'name' in n;
}

/** Concatenated text of a value list; a single value keeps its type. */
export function joinValues(values: readonly XmlValue[]): FieldValue {
  if (values.length === 1) return (values[0] as XmlValue).value;
  return values.map((v) => v.text).join('');
}

export function escapeXml(s: string, attr = false): string {
  let out = s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  if (attr) out = out.replace(/"/g, '&quot;');
  return out;
}

/** Renders an element tree as XML text, the way evtxexport and wevtutil print events. */
export function renderXml(el: XmlElement, indent = ''): string {
  const attrs = el.attrs.map((a) => ` ${a.name}="${escapeXml(a.value.map((v) => v.text).join(''), true)}"`).join('');
  if (el.children.length === 0) return `${indent}<${el.name}${attrs}/>`;
  if (el.children.every((c) => !isElement(c))) {
    return `${indent}<${el.name}${attrs}>${escapeXml((el.children as XmlValue[]).map((c) => c.text).join(''))}</${el.name}>`;
  }
  const inner = el.children.map((c) => (isElement(c) ? renderXml(c, indent + '  ') : indent + '  ' + escapeXml(c.text))).join('\n');
  return `${indent}<${el.name}${attrs}>\n${inner}\n${indent}</${el.name}>`;
}
