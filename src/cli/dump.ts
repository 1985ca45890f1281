import { parseArgs } from 'node:util';
import { fieldsToXml } from '../formats/evtx/fields-to-xml.js';
import { renderXml } from '../formats/evtx/xml-tree.js';
import { formatInputProblem } from '../formats/input-item.js';
import { listInputs, readInput } from '../formats/read-input.js';
import type { CommandSpec } from './command.js';
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
    // Output is batched into ~1 MB writes: one write per event costs more than rendering it.
    let pending = '';
    const emit = (text: string) => {
      pending += text;
      if (pending.length >= 1 << 20) {
        io.out(pending);
        pending = '';
      }
    };
    for (const file of files) {
      for await (const item of readInput(file, { recover: values.recover === true })) {
        if (item.kind === 'problem') {
          problems++;
          io.err(formatInputProblem(item.problem) + '\n');
          continue;
        }
        events++;
        if (format === 'xml') emit(renderXml(item.tree ?? fieldsToXml(item.event.fields)) + '\n');
        else {
          const ev = item.event;
          const source = { ...ev.source };
          emit(JSON.stringify({ ...(ev.timestamp !== undefined ? { '@timestamp': new Date(ev.timestamp).toISOString() } : {}), '@source': source, ...ev.fields }) + '\n');
        }
      }
    }
    if (pending !== '') io.out(pending);
    io.err(`${events} events from ${files.length} files, ${problems} problems\n`);
    return missing.length > 0 && files.length === 0 ? 2 : 0;
  },
};
