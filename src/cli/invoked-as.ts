import { realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * How to start this bulkfetch again in a command line it prints: `bulkfetch`
 * when that name on PATH is this very file (an installed bin), else the path
 * it was started by (`./bin/bulkfetch.js`, a clone's node_modules/.bin), so
 * that the printed command runs as it is.
 */
export function invokedAs(script: string | undefined = process.argv[1], path: string | undefined = process.env.PATH): string {
  if (script === undefined) return 'bulkfetch';
  const self = realOrSelf(script);
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir !== '' && realOrSelf(join(dir, 'bulkfetch')) === self) return 'bulkfetch';
  }
  return script;
}

function realOrSelf(file: string): string | undefined {
  try {
    return realpathSync(file);
  } catch {
    return undefined;
  }
}
