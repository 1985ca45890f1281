import { createReadStream } from 'node:fs';
import type { InputItem } from './input-item.js';

/** A record splitter fed text in pieces: it emits items as records complete, and may give a file up. */
export interface RecordSplitter {
  push(text: string): void;
  end(): void;
  readonly gaveUp: boolean;
}

/**
 * Streams a file through a record splitter in 1 MiB pieces and yields what it emitted into `pending` after
 * each piece: memory holds one piece and the records not yet complete (the JSON and XML readers).
 */
export async function* streamRecords(path: string, splitter: RecordSplitter, pending: InputItem[], start = 0): AsyncGenerator<InputItem> {
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20, start });
  try {
    for await (const chunk of stream) {
      splitter.push(chunk as string);
      yield* pending.splice(0);
      if (splitter.gaveUp) break;
    }
  } finally {
    stream.destroy();
  }
  splitter.end();
  yield* pending.splice(0);
}
