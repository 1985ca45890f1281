import { addValue, type FieldValue } from '../../event/event.js';
import type { BinXmlNode } from './binxml.js';
import type { SubstitutionValue } from './values.js';
import { escapeXml, type XmlValue } from './xml-tree.js';

/**
 * A template definition compiled once per chunk, so that its records are flattened to fields and rendered
 * to XML straight from their substitution values, without building an element tree per record.
 *
 * Only the common shape compiles: one root element whose content is elements, literal text and substitutions.
 * A template that nests template instances, or EventData whose `Name` is itself a substitution, does not
 * compile; a record whose values include an array or embedded BinXML (which change the tree's shape) is
 * not eligible. Both fall back to the element tree, which stays the reference: for any record the two
 * paths give the same fields and the same XML (tested on every record of the corpus).
 */

/** Literal text, or the index of a substitution value. */
type Part = string | number;

interface CAttr {
  readonly name: string;
  readonly parts: readonly Part[];
  /** Every part is an optional substitution: the attribute is dropped when they are all empty. */
  readonly optionalOnly: boolean;
}

interface CElement {
  readonly name: string;
  readonly attrs: readonly CAttr[];
  /** Child elements and text parts in document order. */
  readonly children: ReadonlyArray<CElement | Part>;
  readonly parts: readonly Part[];
  readonly hasElements: boolean;
}

/** One field write of the flattening plan (see flatten-event.ts, whose rules it mirrors). */
interface FieldOp {
  readonly key: string;
  readonly parts: readonly Part[];
  /** `add` keeps earlier values (repeated names become arrays); otherwise the last write wins. */
  readonly add: boolean;
  /** No value at all: write nothing (element text) or write '' (EventData, attributes). */
  readonly skipIfNone: boolean;
  /** An attribute made only of optional substitutions, dropped when they are empty. */
  readonly optionalOnly: boolean;
}

/** After the System section: EventID becomes a number and TimeCreated is copied from its SystemTime. */
const SYSTEM_DONE = 0;
/** Where a substitution holding embedded BinXML sits among the sections: its fragment's own plan runs there. */
interface NestedOp {
  readonly nested: number;
}
type Op = FieldOp | NestedOp | typeof SYSTEM_DONE;

/** A compiled template with one record's values; embedded BinXML values are bound fragments of their own. */
export interface Bound {
  readonly template: CompiledTemplate;
  readonly values: readonly SubstitutionValue[];
  readonly nested: ReadonlyArray<Bound | undefined> | undefined;
}

/** Parses and binds the embedded BinXML fragment of a value; null when it needs the element tree. */
export type ResolveFragment = (value: SubstitutionValue, depth: number) => Bound | null;

const MAX_NESTING = 16;

export class CompiledTemplate {
  /** The one root element, when the template can be a whole record. */
  private readonly root: CElement | null;
  /** Flattening plans as a whole record (sections are the root's children) and as an embedded fragment (sections are the top level). */
  private readonly recordOps: readonly Op[] | null;
  private readonly fragmentOps: readonly Op[] | null;
  /** Substitutions that may hold embedded BinXML: those standing where sections stand. */
  private readonly recordSlots: ReadonlySet<number>;
  private readonly fragmentSlots: ReadonlySet<number>;
  /** Substitution indices the template reads. */
  private readonly used: readonly number[];
  /** Render programs, built on first use: the record's root, and the top level as an embedded fragment by indent. */
  private rootProgram: readonly Instr[] | undefined;
  private readonly fragmentPrograms = new Map<string, readonly Instr[]>();

  private constructor(private readonly top: ReadonlyArray<CElement | Part>) {
    const elements = top.filter(isElement);
    const firstSub = top.findIndex((c) => typeof c === 'number');
    const root = elements.length === 1 && (firstSub < 0 || firstSub > top.indexOf(elements[0] as CElement)) ? (elements[0] as CElement) : null;
    this.root = root;
    // Embedded BinXML beside the sections of a root with static elements keeps its shape (mixed content).
    this.recordSlots = new Set(root !== null && root.hasElements ? root.children.filter((c): c is number => typeof c === 'number') : []);
    this.fragmentSlots = new Set(top.filter((c): c is number => typeof c === 'number'));
    this.recordOps = root === null ? null : planSections(root.children);
    this.fragmentOps = planSections(top);
    const used = new Set<number>();
    for (const c of top) {
      if (typeof c === 'number') used.add(c);
      else if (isElement(c)) collectUsed(c, used);
    }
    this.used = [...used];
  }

  /** The compiled form of a template body, or null when its shape needs the element tree. */
  static compile(nodes: readonly BinXmlNode[]): CompiledTemplate | null {
    const top: Array<CElement | Part> = [];
    for (const n of nodes) {
      if (n.k === 'text') top.push(n.value.text);
      else if (n.k === 'sub') top.push(n.index);
      else if (n.k === 'el') {
        const el = compileElement(n, 0);
        if (el === null) return null;
        top.push(el);
      } else return null;
    }
    return new CompiledTemplate(top);
  }

  /**
   * Binds a record's (or, with `asRecord` false, an embedded fragment's) values, or returns null when they
   * change the template's shape: an array value, or embedded BinXML anywhere but where sections stand.
   */
  bind(values: readonly SubstitutionValue[], asRecord: boolean, resolve: ResolveFragment, depth = 0): Bound | null {
    if (asRecord ? this.recordOps === null : this.fragmentOps === null) return null;
    const slots = asRecord ? this.recordSlots : this.fragmentSlots;
    let nested: Array<Bound | undefined> | undefined;
    for (const i of this.used) {
      const v = values[i];
      if (v === undefined) continue;
      if (v.isArray) return null;
      if (v.binxml === undefined) continue;
      if (!slots.has(i) || depth >= MAX_NESTING) return null;
      const b = resolve(v, depth + 1);
      if (b === null) return null;
      nested ??= [];
      nested[i] = b;
    }
    return { template: this, values, nested };
  }

  /** The Sigma fields of a bound record, exactly as flattenEvent gives them from its element tree. */
  static fields(b: Bound): { [name: string]: FieldValue } {
    const out: { [name: string]: FieldValue } = {};
    runOps(b.template.recordOps as readonly Op[], b, out);
    return out;
  }

  /** A bound record as XML text, exactly as renderXml prints its element tree. */
  static xml(b: Bound): string {
    const t = b.template;
    t.rootProgram ??= new ProgramBuilder().element(t.root as CElement, '').done();
    return run(t.rootProgram, b);
  }

  /** Renders the top level of an embedded fragment as children of a mixed-content element. */
  static renderFragment(b: Bound, indent: string): string {
    const t = b.template;
    let p = t.fragmentPrograms.get(indent);
    if (p === undefined) {
      const builder = new ProgramBuilder();
      for (const c of t.top) builder.child(c, indent);
      p = builder.done();
      t.fragmentPrograms.set(indent, p);
    }
    return run(p, b);
  }

  static fragmentOps(b: Bound): readonly Op[] {
    return b.template.fragmentOps as readonly Op[];
  }
}

function runOps(ops: readonly Op[], b: Bound, out: { [name: string]: FieldValue }): void {
  const values = b.values;
  for (const op of ops) {
    if (op === SYSTEM_DONE) {
      const eid = out['EventID'];
      if (typeof eid === 'string' && /^\d+$/.test(eid)) out['EventID'] = Number(eid);
      const created = out['TimeCreated_SystemTime'];
      if (created !== undefined) out['TimeCreated'] = created;
      continue;
    }
    if ('nested' in op) {
      const n = b.nested?.[op.nested];
      if (n !== undefined) runOps(CompiledTemplate.fragmentOps(n), n, out);
      continue;
    }
    if (op.optionalOnly && allEmpty(op.parts, values)) continue;
    const n = itemCount(op.parts, values);
    if (n === 0 && op.skipIfNone) continue;
    const value = n === 1 ? single(op.parts, values) : joinText(op.parts, values);
    if (!op.add) {
      out[op.key] = value;
      continue;
    }
    addValue(out, op.key, value);
  }
}

function compileElement(n: Extract<BinXmlNode, { k: 'el' }>, depth: number): CElement | null {
  if (depth > 64) return null;
  const attrs: CAttr[] = [];
  for (const a of n.attrs) {
    const parts = compileParts(a.value);
    if (parts === null) return null;
    attrs.push({ name: a.name, parts, optionalOnly: a.value.length > 0 && a.value.every((x) => x.k === 'sub' && x.optional) });
  }
  const children: Array<CElement | Part> = [];
  const parts: Part[] = [];
  let hasElements = false;
  for (const c of n.children) {
    if (c.k === 'el') {
      const el = compileElement(c, depth + 1);
      if (el === null) return null;
      children.push(el);
      hasElements = true;
    } else if (c.k === 'text') {
      children.push(c.value.text);
      parts.push(c.value.text);
    } else if (c.k === 'sub') {
      children.push(c.index);
      parts.push(c.index);
    } else return null;
  }
  return { name: n.name, attrs, children, parts, hasElements };
}

function compileParts(nodes: readonly BinXmlNode[]): Part[] | null {
  const parts: Part[] = [];
  for (const x of nodes) {
    if (x.k === 'text') parts.push(x.value.text);
    else if (x.k === 'sub') parts.push(x.index);
    else return null;
  }
  return parts;
}

function collectUsed(el: CElement, used: Set<number>): void {
  for (const a of el.attrs) for (const p of a.parts) if (typeof p === 'number') used.add(p);
  for (const c of el.children) {
    if (typeof c === 'number') used.add(c);
    else if (typeof c === 'object') collectUsed(c, used);
  }
}

const isElement = (c: CElement | Part): c is CElement => typeof c === 'object';

/** The flattening plan of a list of sections (System, EventData, UserData, ...): flatten-event.ts's rules, compiled. */
function planSections(sections: ReadonlyArray<CElement | Part>): Op[] | null {
  const ops: Op[] = [];
  for (const section of sections) {
    if (typeof section === 'number') ops.push({ nested: section });
    if (!isElement(section)) continue;
    if (section.name === 'System') {
      for (const child of section.children) {
        if (!isElement(child)) continue;
        for (const a of child.attrs) ops.push({ key: `${child.name}_${a.name}`, parts: a.parts, add: false, skipIfNone: false, optionalOnly: a.optionalOnly });
        ops.push({ key: child.name, parts: child.parts, add: false, skipIfNone: true, optionalOnly: false });
      }
      ops.push(SYSTEM_DONE);
    } else if (section.name === 'EventData') {
      for (const child of section.children) {
        if (!isElement(child)) continue;
        const nameAttr = child.attrs.find((a) => a.name === 'Name');
        if (nameAttr !== undefined) {
          // A substituted name could vanish or change per record: only literal names compile.
          if (nameAttr.parts.some((p) => typeof p === 'number')) return null;
          ops.push({ key: nameAttr.parts.join(''), parts: child.parts, add: true, skipIfNone: false, optionalOnly: false });
        } else if (child.hasElements) planLeaves(child, ops);
        else ops.push({ key: child.name, parts: child.parts, add: true, skipIfNone: false, optionalOnly: false });
      }
    } else planLeaves(section, ops);
  }
  return ops;
}

function planLeaves(el: CElement, ops: Op[]): void {
  for (const child of el.children) {
    if (!isElement(child)) continue;
    for (const a of child.attrs) if (a.name !== 'xmlns') ops.push({ key: `${child.name}_${a.name}`, parts: a.parts, add: true, skipIfNone: false, optionalOnly: a.optionalOnly });
    if (child.hasElements) planLeaves(child, ops);
    else ops.push({ key: child.name, parts: child.parts, add: true, skipIfNone: true, optionalOnly: false });
  }
}

function allEmpty(parts: readonly Part[], values: readonly SubstitutionValue[]): boolean {
  for (const p of parts) {
    const v = values[p as number];
    if (v !== undefined && !v.empty) return false;
  }
  return true;
}

function itemCount(parts: readonly Part[], values: readonly SubstitutionValue[]): number {
  let n = 0;
  for (const p of parts) n += typeof p === 'string' ? 1 : (values[p]?.count ?? 0);
  return n;
}

/** The typed value of the one item among the parts. */
function single(parts: readonly Part[], values: readonly SubstitutionValue[]): FieldValue {
  for (const p of parts) {
    if (typeof p === 'string') return p;
    const item = values[p]?.first;
    if (item !== undefined) return item.value;
  }
  return '';
}

function joinText(parts: readonly Part[], values: readonly SubstitutionValue[]): string {
  let s = '';
  for (const p of parts) {
    if (typeof p === 'string') s += p;
    else {
      const item = values[p]?.first;
      if (item !== undefined) s += item.text;
    }
  }
  return s;
}

/**
 * A render program: literal text (adjacent pieces merged at compile time, escaping done) and the few steps
 * that depend on a record's values. Rendering concatenates strings: V8 builds a rope and flattens it once,
 * when the text is written out.
 */
type Instr =
  | string
  /** An attribute with substitutions: ` name="…"`, dropped when optional and empty. */
  | { readonly k: 'attr'; readonly prefix: string; readonly parts: readonly Part[]; readonly optionalOnly: boolean }
  /** The end of a leaf element's start tag with substituted content: `/>` when it has none, else `>text</name>`. */
  | { readonly k: 'leaf'; readonly parts: readonly Part[]; readonly close: string }
  /** A substitution among mixed content: its embedded fragment, or its text on a line of its own. */
  | { readonly k: 'sub'; readonly index: number; readonly indent: string };

class ProgramBuilder {
  private readonly out: Instr[] = [];
  private text = '';

  private emit(i: Instr): void {
    if (this.text !== '') this.out.push(this.text);
    this.text = '';
    this.out.push(i);
  }

  done(): Instr[] {
    if (this.text !== '') this.out.push(this.text);
    this.text = '';
    return this.out;
  }

  // Mirrors renderXml (xml-tree.ts): two-space indent, one child per line, leaves on one line.
  element(el: CElement, indent: string): this {
    this.text += indent + '<' + el.name;
    for (const a of el.attrs) {
      if (a.parts.every((p) => typeof p === 'string')) this.text += ' ' + a.name + '="' + escapeXml(a.parts.join(''), true) + '"';
      else this.emit({ k: 'attr', prefix: ' ' + a.name + '="', parts: a.parts, optionalOnly: a.optionalOnly });
    }
    if (!el.hasElements) {
      if (el.parts.length === 0) this.text += '/>';
      else if (el.parts.every((p) => typeof p === 'string')) this.text += '>' + escapeXml(el.parts.join('')) + '</' + el.name + '>';
      else this.emit({ k: 'leaf', parts: el.parts, close: '</' + el.name + '>' });
      return this;
    }
    this.text += '>\n';
    const inner = indent + '  ';
    for (const c of el.children) this.child(c, inner);
    this.text += indent + '</' + el.name + '>';
    return this;
  }

  child(c: CElement | Part, indent: string): void {
    if (isElement(c)) {
      this.element(c, indent);
      this.text += '\n';
    } else if (typeof c === 'string') this.text += indent + escapeXml(c) + '\n';
    else this.emit({ k: 'sub', index: c, indent });
  }
}

function run(program: readonly Instr[], b: Bound): string {
  const values = b.values;
  let s = '';
  for (const i of program) {
    if (typeof i === 'string') s += i;
    else if (i.k === 'attr') {
      if (!(i.optionalOnly && allEmpty(i.parts, values))) s += i.prefix + escapeXml(joinText(i.parts, values), true) + '"';
    } else if (i.k === 'leaf') {
      s += itemCount(i.parts, values) === 0 ? '/>' : '>' + escapeXml(joinText(i.parts, values)) + i.close;
    } else {
      const nested = b.nested?.[i.index];
      if (nested !== undefined) s += CompiledTemplate.renderFragment(nested, i.indent);
      else {
        const item: XmlValue | undefined = values[i.index]?.first;
        if (item !== undefined) s += i.indent + escapeXml(item.text) + '\n';
      }
    }
  }
  return s;
}
