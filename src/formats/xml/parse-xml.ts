import type { XmlElement, XmlValue } from '../evtx/xml-tree.js';

export class XmlSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(s: string, offset: number): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (m, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    const e = ENTITIES[name];
    if (e === undefined) throw new XmlSyntaxError(`unknown entity ${m}`, offset);
    return e;
  });
}

const text = (t: string): XmlValue => ({ text: t, value: t });

/**
 * A small XML parser for Windows event XML (elements, attributes, text, entities, CDATA;
 * comments and processing instructions skipped). Whitespace-only text between elements is dropped.
 */
export function parseXmlElement(src: string, start: number): { element: XmlElement; end: number } {
  let i = start;
  const fail = (msg: string): never => {
    throw new XmlSyntaxError(msg, i);
  };
  const skipMisc = () => {
    for (;;) {
      while (i < src.length && /\s/.test(src[i] as string)) i++;
      if (src.startsWith('<!--', i)) {
        const e = src.indexOf('-->', i);
        if (e < 0) fail('unterminated comment');
        i = e + 3;
      } else if (src.startsWith('<?', i)) {
        const e = src.indexOf('?>', i);
        if (e < 0) fail('unterminated processing instruction');
        i = e + 2;
      } else return;
    }
  };
  const name = () => {
    const m = /^[A-Za-z_:][\w:.-]*/.exec(src.slice(i, i + 256));
    if (m === null) fail('expected a name');
    i += (m as RegExpExecArray)[0].length;
    return (m as RegExpExecArray)[0];
  };
  const element = (depth: number): XmlElement => {
    if (depth > 256) fail('elements nested too deep');
    if (src[i] !== '<') fail("expected '<'");
    i++;
    const tag = name();
    const attrs: Array<{ name: string; value: XmlValue[] }> = [];
    for (;;) {
      while (/\s/.test(src[i] ?? '')) i++;
      if (src.startsWith('/>', i)) {
        i += 2;
        return { name: tag, attrs, children: [] };
      }
      if (src[i] === '>') {
        i++;
        break;
      }
      if (i >= src.length) fail(`unterminated start tag <${tag}>`);
      const an = name();
      while (/\s/.test(src[i] ?? '')) i++;
      if (src[i] !== '=') fail(`expected '=' after attribute ${an}`);
      i++;
      while (/\s/.test(src[i] ?? '')) i++;
      const q = src[i];
      if (q !== '"' && q !== "'") fail('expected a quoted attribute value');
      const e = src.indexOf(q as string, i + 1);
      if (e < 0) fail('unterminated attribute value');
      attrs.push({ name: an, value: [text(decodeEntities(src.slice(i + 1, e), i))] });
      i = e + 1;
    }
    const children: Array<XmlElement | XmlValue> = [];
    let buf = '';
    const flush = () => {
      if (buf.trim() !== '' || (buf !== '' && children.length === 0 && src.startsWith(`</${tag}`, i))) children.push(text(buf));
      buf = '';
    };
    for (;;) {
      if (i >= src.length) fail(`unterminated element <${tag}>`);
      if (src.startsWith('</', i)) {
        flush();
        const closeAt = i;
        i += 2;
        const closing = name();
        if (closing !== tag) throw new XmlSyntaxError(`</${closing}> closes <${tag}>`, closeAt);
        while (/\s/.test(src[i] ?? '')) i++;
        if (src[i] !== '>') fail("expected '>'");
        i++;
        return { name: tag, attrs, children };
      }
      if (src.startsWith('<![CDATA[', i)) {
        const e = src.indexOf(']]>', i);
        if (e < 0) fail('unterminated CDATA');
        buf += src.slice(i + 9, e);
        i = e + 3;
      } else if (src.startsWith('<!--', i) || src.startsWith('<?', i)) {
        skipMisc();
      } else if (src[i] === '<') {
        flush();
        children.push(element(depth + 1));
      } else {
        const e = src.indexOf('<', i);
        const end = e < 0 ? src.length : e;
        buf += decodeEntities(src.slice(i, end), i);
        i = end;
      }
    }
  };
  skipMisc();
  const el = element(0);
  return { element: el, end: i };
}
