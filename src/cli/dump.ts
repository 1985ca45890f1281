import { fieldsToXml } from '../formats/evtx/fields-to-xml.js';
import { renderXml } from '../formats/evtx/xml-tree.js';
import { formatInputProblem, type InputItem } from '../formats/input-item.js';
import { detectFormat, evtxInputItems, listInputs, readInput } from '../formats/read-input.js';
import type { CommandSpec } from './command.js';
import { choiceOption, examples } from './option-values.js';
import { OutputBuffer } from './output-buffer.js';

export const dump: CommandSpec = {
  summary: 'print the events of EVTX, JSON or XML logs',
  define: (command) =>
    command
      .argument('<path...>', 'log files and folders (EVTX, JSON, XML; format detected from content)')
      .addOption(choiceOption('--format <format>', 'event output format', ['jsonl', 'xml'], 'jsonl'))
      .option('--recover', 'also carve records from EVTX slack space (default: off)')
      .addHelpText(
        'after',
        examples([
          ['sigmatch dump examples/ws01-sysmon.evtx', 'every event as one JSON line'],
          ['sigmatch dump --format xml --recover Security.evtx', 'events as XML, with records carved from slack space'],
        ]),
      ),
  async run(positionals, options, io) {
    const { format, recover } = options as { readonly format: 'jsonl' | 'xml'; readonly recover?: true };
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
    for (const file of files) {
      // EVTX is read synchronously, chunk by chunk; other formats through the common reader.
      const evtx = await detectFormat(file).then((f) => f === 'evtx', () => false);
      if (evtx) for (const item of evtxInputItems(file, { recover: recover === true })) handle(item);
      else for await (const item of readInput(file, { recover: recover === true })) handle(item);
    }
    output.flush();
    io.err(`${events} events from ${files.length} files, ${problems} problems\n`);
    return missing.length > 0 && files.length === 0 ? 2 : 0;
  },
};
