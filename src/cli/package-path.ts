import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * A file or folder at the package's root (the nearest folder above this module with a package.json: the root
 * from dist/src/cli and from src/cli alike); undefined when the installation lacks it.
 */
export function packagePath(entry: string): string | undefined {
  for (const up of ['../', '../../', '../../../']) {
    if (!existsSync(fileURLToPath(new URL(up + 'package.json', import.meta.url)))) continue;
    const p = fileURLToPath(new URL(up + entry, import.meta.url));
    return existsSync(p) ? p : undefined;
  }
  return undefined;
}

/** The installed package's version, read from its package.json at run time. */
export function packageVersion(): string {
  const file = packagePath('package.json');
  if (file === undefined) throw new Error('package.json is missing from the installation');
  return String((JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version);
}
