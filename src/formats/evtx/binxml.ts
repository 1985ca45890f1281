import { ByteReader, FormatError } from './byte-reader.js';
import { CompiledTemplate } from './compiled-template.js';
import { readSubstitution, type SubstitutionValue } from './values.js';
import { isElement, type XmlElement, type XmlValue } from './xml-tree.js';

/** A node of a parsed BinXML stream: template bodies keep substitution slots until instantiated. */
export type BinXmlNode =
  | { readonly k: 'el'; readonly name: string; readonly attrs: ReadonlyArray<{ name: string; value: BinXmlNode[] }>; readonly children: readonly BinXmlNode[] }
  | { readonly k: 'text'; readonly value: XmlValue }
  | { readonly k: 'sub'; readonly index: number; readonly optional: boolean }
  | { readonly k: 'inst'; readonly template: readonly BinXmlNode[]; readonly values: readonly SubstitutionValue[] };

const MAX_DEPTH = 256;
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Per-chunk state: names and template definitions are chunk-scoped and cached by chunk offset. */
export class ChunkContext {
  readonly names = new Map<number, string>();
  readonly templates = new Map<number, readonly BinXmlNode[]>();
  private readonly compiledTemplates = new Map<readonly BinXmlNode[], CompiledTemplate | null>();

  constructor(
    readonly buf: Buffer,
    /** File offset of the chunk. */
    readonly base: number,
    readonly end: number,
  ) {}

  readName(r: ByteReader): string {
    const offset = r.u32();
    if (this.base + offset === r.pos) {
      r.skip(6);
      const count = r.u16();
      const name = r.utf16(count);
      r.skip(2);
      this.names.set(offset, name);
      return name;
    }
    const cached = this.names.get(offset);
    if (cached !== undefined) return cached;
    // A name stored elsewhere in the chunk (or a damaged string table): decode it where it is.
    const at = new ByteReader(this.buf, this.base + offset, this.end);
    at.skip(6);
    const name = at.utf16(at.u16());
    this.names.set(offset, name);
    return name;
  }

  /** A template body compiled for flattening and rendering without element trees (null when it does not compile). */
  compiled(template: readonly BinXmlNode[]): CompiledTemplate | null {
    let c = this.compiledTemplates.get(template);
    if (c === undefined) {
      c = CompiledTemplate.compile(template);
      this.compiledTemplates.set(template, c);
    }
    return c;
  }

  /** Parses a BinXML stream in [start, end) into nodes. */
  parse(start: number, end: number, depIds: boolean, depth = 0): BinXmlNode[] {
    const r = new ByteReader(this.buf, start, end);
    return this.parseContent(r, depIds, depth, false);
  }

  private parseContent(r: ByteReader, depIds: boolean, depth: number, inElement: boolean): BinXmlNode[] {
    if (depth > MAX_DEPTH) throw new FormatError('BinXML nesting too deep');
    const out: BinXmlNode[] = [];
    while (r.remaining > 0) {
      const tok = r.u8();
      const base = tok & 0xbf;
      switch (base) {
        case 0x00:
          return out;
        case 0x04:
          if (inElement) return out;
          break;
        case 0x0f:
          r.skip(3);
          break;
        case 0x01:
          out.push(this.parseElement(r, tok, depIds, depth));
          break;
        case 0x05:
        case 0x07:
        case 0x08:
        case 0x09:
        case 0x0d:
        case 0x0e:
          out.push(this.parseValueToken(r, tok));
          break;
        case 0x0a:
          this.readName(r);
          break;
        case 0x0b:
          r.utf16(r.u16());
          break;
        case 0x0c:
          out.push(this.parseTemplateInstance(r, depth));
          break;
        default:
          throw new FormatError(`unknown BinXML token 0x${tok.toString(16)} at offset ${r.pos - 1}`);
      }
    }
    return out;
  }

  private parseValueToken(r: ByteReader, tok: number): BinXmlNode {
    const base = tok & 0xbf;
    switch (base) {
      case 0x05: {
        const type = r.u8();
        if (type !== 0x01) throw new FormatError(`value token of type 0x${type.toString(16)} (only strings appear here)`);
        const text = r.utf16(r.u16());
        return { k: 'text', value: { text, value: text } };
      }
      case 0x07: {
        const text = r.utf16(r.u16());
        return { k: 'text', value: { text, value: text } };
      }
      case 0x08: {
        const text = String.fromCharCode(r.u16());
        return { k: 'text', value: { text, value: text } };
      }
      case 0x09: {
        const name = this.readName(r);
        const text = ENTITIES[name] ?? `&${name};`;
        return { k: 'text', value: { text, value: text } };
      }
      default: {
        const index = r.u16();
        r.u8();
        return { k: 'sub', index, optional: base === 0x0e };
      }
    }
  }

  private parseElement(r: ByteReader, tok: number, depIds: boolean, depth: number): BinXmlNode {
    if (depIds) r.skip(2);
    r.u32();
    const name = this.readName(r);
    const attrs: Array<{ name: string; value: BinXmlNode[] }> = [];
    if (tok & 0x40) {
      r.u32();
      for (;;) {
        const next = r.buf[r.pos] as number;
        if ((next & 0xbf) !== 0x06) break;
        r.u8();
        const attrName = this.readName(r);
        const value: BinXmlNode[] = [];
        while (r.remaining > 0) {
          const t = r.buf[r.pos] as number;
          const b = t & 0xbf;
          if (b !== 0x05 && b !== 0x0d && b !== 0x0e && b !== 0x08 && b !== 0x09 && b !== 0x07) break;
          value.push(this.parseValueToken(r, r.u8()));
        }
        attrs.push({ name: attrName, value });
      }
    }
    const close = r.u8();
    if (close === 0x03) return { k: 'el', name, attrs, children: [] };
    if (close !== 0x02) throw new FormatError(`expected end of start tag, found token 0x${close.toString(16)}`);
    const children = this.parseContent(r, depIds, depth + 1, true);
    return { k: 'el', name, attrs, children };
  }

  private parseTemplateInstance(r: ByteReader, depth: number): BinXmlNode {
    r.u8();
    r.u32();
    const defOffset = r.u32();
    let template: readonly BinXmlNode[] | undefined;
    if (this.base + defOffset === r.pos) {
      r.skip(4 + 16);
      const size = r.u32();
      const bodyStart = r.pos;
      r.skip(size);
      template = this.templates.get(defOffset) ?? this.parse(bodyStart, bodyStart + size, true, depth + 1);
      this.templates.set(defOffset, template);
    } else {
      template = this.templates.get(defOffset);
      if (template === undefined) {
        if (defOffset < 512 || this.base + defOffset + 24 > this.end) throw new FormatError(`template definition offset ${defOffset} is outside the chunk`);
        const at = new ByteReader(this.buf, this.base + defOffset, this.end);
        at.skip(20);
        const size = at.u32();
        template = this.parse(at.pos, Math.min(at.pos + size, this.end), true, depth + 1);
        this.templates.set(defOffset, template);
      }
    }
    const count = r.u32();
    if (count > 4096) throw new FormatError(`template instance with ${count} values`);
    // The descriptors (size u16, type u8, padding u8) precede the values: read in place, no array per descriptor.
    const at = r.pos;
    r.skip(4 * count);
    const values: SubstitutionValue[] = new Array(count);
    for (let i = 0; i < count; i++) values[i] = readSubstitution(r.buf[at + 4 * i + 2] as number, r.buf.readUInt16LE(at + 4 * i), r);
    return { k: 'inst', template, values };
  }
}

/** Fills a template's substitution slots: optional empty values vanish, arrays repeat their element, BinXml nests. */
export function instantiate(ctx: ChunkContext, nodes: readonly BinXmlNode[], values: readonly SubstitutionValue[], depth = 0): Array<XmlElement | XmlValue> {
  if (depth > 64) throw new FormatError('template instances nested too deep');
  const out: Array<XmlElement | XmlValue> = [];
  for (const n of nodes) {
    switch (n.k) {
      case 'text':
        out.push(n.value);
        break;
      case 'inst':
        out.push(...instantiate(ctx, n.template, n.values, depth + 1));
        break;
      case 'sub': {
        const v = values[n.index];
        if (v === undefined || (v.empty && n.optional)) break;
        if (v.binxml !== undefined) {
          const nested = ctx.parse(v.binxml.start, v.binxml.end, false, depth + 1);
          out.push(...instantiate(ctx, nested, [], depth + 1));
        } else out.push(...v.items);
        break;
      }
      case 'el':
        out.push(...instantiateElement(ctx, n, values, depth));
        break;
      default: {
        const never: never = n;
        return never;
      }
    }
  }
  return out;
}

function instantiateElement(ctx: ChunkContext, n: Extract<BinXmlNode, { k: 'el' }>, values: readonly SubstitutionValue[], depth: number): XmlElement[] {
  // An array substitution in the element's content repeats the element once per item.
  const arraySub = n.children.find((c) => c.k === 'sub' && values[c.index]?.isArray === true && values[c.index]?.binxml === undefined);
  if (arraySub !== undefined && arraySub.k === 'sub') {
    const arr = values[arraySub.index] as SubstitutionValue;
    const copies = arr.items.length === 0 ? [[] as XmlValue[]] : arr.items.map((item) => [item]);
    return copies.map((items) => {
      const local = values.map((v, i) => (i === arraySub.index ? { ...v, items, count: items.length, first: items[0], empty: items.length === 0, isArray: false } : v));
      return buildElement(ctx, n, local, depth);
    });
  }
  return [buildElement(ctx, n, values, depth)];
}

function buildElement(ctx: ChunkContext, n: Extract<BinXmlNode, { k: 'el' }>, values: readonly SubstitutionValue[], depth: number): XmlElement {
  const attrs: Array<{ name: string; value: XmlValue[] }> = [];
  for (const a of n.attrs) {
    const value = instantiate(ctx, a.value, values, depth + 1).filter((x): x is XmlValue => !isElement(x));
    // An attribute whose whole value was an omitted optional substitution is dropped.
    const allOptionalEmpty = a.value.length > 0 && a.value.every((x) => x.k === 'sub' && x.optional && (values[x.index] === undefined || values[x.index]?.empty === true));
    if (allOptionalEmpty) continue;
    attrs.push({ name: a.name, value });
  }
  return { name: n.name, attrs, children: instantiate(ctx, n.children, values, depth + 1) };
}
