import { createRequire } from 'node:module';

type Yaml = typeof import('yaml');
let lib: Yaml | undefined;

/**
 * The yaml package, loaded on first use: a run whose rules all come from the parsed-rule cache never
 * loads it (loading it costs about 90 ms of a warm start).
 */
export function yaml(): Yaml {
  return (lib ??= createRequire(import.meta.url)('yaml') as Yaml);
}
