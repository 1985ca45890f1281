import { gzipSync } from 'node:zlib';

/**
 * JSON gzipped and base64-encoded for a `<script type="text/plain">` element: base64 holds no `<`, so nothing
 * in the data can end the element, and the page inflates it with the browser's own DecompressionStream.
 */
export function compressJson(value: unknown): string {
  return gzipSync(Buffer.from(JSON.stringify(value), 'utf8'), { level: 6 }).toString('base64');
}
