import { realpathSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { lockPath } from '../output/output-lock.js';
import { fingerprintPath } from '../output/resume.js';

/**
 * The names of the run's own files that lie in the --save directory DIR (RunOptions.saveKeep): the input
 * file, -o FILE with its lock and resume fingerprint, and --summary FILE. A record whose id names one
 * of them is refused; `-` (stdin, stdout) is no file of DIR.
 */
export function runFilesInSaveDir(dir: string, files: { input?: string | undefined; output?: string | undefined; summary?: string | undefined }): string[] {
  const { input, output, summary } = files;
  const file = output === undefined || output === '-' ? undefined : output;
  const own = [input, file, file && lockPath(file), file && fingerprintPath(file), summary];
  const saveDir = realDir(dir);
  return own.filter((path): path is string => path !== undefined && path !== '-' && realDir(dirname(resolve(path))) === saveDir).map((path) => basename(path));
}

/** A directory's real path (symlinks resolved), or its absolute path when it cannot be resolved. */
function realDir(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}
