import { parseArgs } from 'node:util';
import { fieldsToXml } from '../formats/evtx/fields-to-xml.js';
import { renderXml } from '../formats/evtx/xml-tree.js';
import { formatInputProblem, type InputItem } from '../formats/input-item.js';
import { detectFormat, evtxInputItems, listInputs, readInput } from '../formats/read-input.js';
import type { CommandSpec } from './command.js';
import { OutputBuffer } from './output-buffer.js';
import { UsageError } from './usage-error.js';

export const dump: CommandSpec = {
  summary: 'print the events of EVTX, JSON or XML logs',
  usage: 'sigmatch dump FILE... [--format jsonl|xml] [--recover]',
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { format: { type: 'string', default: 'jsonl' }, recover: { type: 'boolean', default: false } },
    });
    if (positionals.length === 0) throw new UsageError('dump needs at least one input file or folder');
    const format = values.format;
    if (format !== 'jsonl' && format !== 'xml') throw new UsageError(`--format must be jsonl or xml, got '${format}'`);
    const { files, missing } = await listInputs(positionals);
    let problems = 0;
    let events = 0;
    for (const m of missing) {
      io.err(`${m}: error input-missing: no such file or folder\n`);
      problems++;
    }
    // Output is batched into 1 MiB writes: one write per event costs more than rendering it.
    const output = new OutputBuffer((bytes) => io.out(bytes));
    const emit = (text: string) => output.write(text);
    const handle = (item: InputItem) => {
      if (item.kind === 'problem') {
        problems++;
        io.err(formatInputProblem(item.problem) + '\n');
        return;
      }
      events++;
      if (format === 'xml') emit((item.xml?.() ?? renderXml(fieldsToXml(item.event.fields))) + '\n');
      else {
        const ev = item.event;
        const source = { ...ev.source };
        emit(JSON.stringify({ ...(ev.timestamp !== undefined ? { '@timestamp': new Date(ev.timestamp).toISOString() } : {}), '@source': source, ...ev.fields }) + '\n');
      }
    };
    const recover = values.recover === true;
    for (const file of files) {
      // EVTX is read synchronously, chunk by chunk; other formats through the common reader.
      const evtx = await detectFormat(file).then((f) => f === 'evtx', () => false);
      if (evtx) for (const item of evtxInputItems(file, { recover })) handle(item);
      else for await (const item of readInput(file, { recover })) handle(item);
    }
    output.flush();
    io.err(`${events} events from ${files.length} files, ${problems} problems\n`);
    return missing.length > 0 && files.length === 0 ? 2 : 0;
  },
};
