import type { InputItem } from '../input-item.js';
import type { ReadLimits } from '../read-limits.js';
import { XmlRecordSplitter } from './xml-record-splitter.js';
import { streamRecords } from '../stream-records.js';

/**
 * Windows event XML: one `<Event>` per record, one after another, or wrapped in `<Events>`.
 * A malformed event is reported with its line and column, and reading goes on at the next `<Event`.
 */
export function* readXmlText(text: string, file: string, limits?: Partial<ReadLimits>): Generator<InputItem> {
  const pending: InputItem[] = [];
  const splitter = new XmlRecordSplitter(file, (item) => pending.push(item), limits);
  splitter.push(text);
  splitter.end();
  yield* pending;
}

/** The same, streamed from a file: memory stays within a record (bounded by the limit) and a piece of the file. */
export async function* readXmlFile(path: string, limits?: Partial<ReadLimits>): AsyncGenerator<InputItem> {
  const pending: InputItem[] = [];
  const splitter = new XmlRecordSplitter(path, (item) => pending.push(item), limits);
  yield* streamRecords(path, splitter, pending);
}
