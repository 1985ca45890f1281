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

const NEEDS_ESCAPE = /[&<>"]/;

export function escapeXml(s: string, attr = false): string {
  // Most values need no escaping: test once instead of running every replacement.
  if (!NEEDS_ESCAPE.test(s)) return s;
  let out = s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  if (attr) out = out.replace(/"/g, '&quot;');
  return out;
}

/** Renders an element tree as XML text, the way evtxexport and wevtutil print events. */
export function renderXml(el: XmlElement, indent = ''): string {
  // Pieces go into one flat array joined once: nested concatenations would build deep ropes.
  const out: string[] = [];
  renderInto(el, indent, out);
  return out.join('');
}

function renderInto(el: XmlElement, indent: string, out: string[]): void {
  out.push(indent, '<', el.name);
  for (const a of el.attrs) {
    const v = a.value.length === 1 ? (a.value[0] as XmlValue).text : a.value.map((x) => x.text).join('');
    out.push(' ', a.name, '="', escapeXml(v, true), '"');
  }
  const children = el.children;
  if (children.length === 0) {
    out.push('/>');
    return;
  }
  let textOnly = true;
  for (const c of children) if (isElement(c)) textOnly = false;
  if (textOnly) {
    const t = children.length === 1 ? (children[0] as XmlValue).text : (children as readonly XmlValue[]).map((c) => c.text).join('');
    out.push('>', escapeXml(t), '</', el.name, '>');
    return;
  }
  out.push('>\n');
  const inner = indent + '  ';
  for (const c of children) {
    if (isElement(c)) renderInto(c, inner, out);
    else out.push(inner, escapeXml(c.text));
    out.push('\n');
  }
  out.push(indent, '</', el.name, '>');
}
