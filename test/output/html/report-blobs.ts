import { gunzipSync } from 'node:zlib';

/** The page's embedded rows or stories, inflated, chunk by chunk. */
export const blobs = (html: string, kind: 'rows' | 'stories') =>
  [...html.matchAll(new RegExp(`<script type="text/plain" data-sm="${kind}" data-first="\\d+">([^<]*)</script>`, 'g'))].map((m) => JSON.parse(gunzipSync(Buffer.from(m[1] as string, 'base64')).toString('utf8')) as unknown);
