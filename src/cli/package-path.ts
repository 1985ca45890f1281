import { existsSync } from 'node:fs';
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
