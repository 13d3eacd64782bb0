import { fstatSync, realpathSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { lockPath } from './output-lock.js';
import { fingerprintPath } from './resume.js';

/**
 * The names of the run's own files that lie in the --save directory DIR (RunOptions.saveKeep): the input
 * file, -o FILE with its lock and resume fingerprint, and --summary FILE. A record whose id names one
 * of them is refused. `-` is stdin (input) or stdout (output): the file a shell's `<` or `>` put behind
 * it is the run's as much as one named by a flag (`bulkfetch specs --save . > out.jsonl`).
 */
export function runFilesInSaveDir(dir: string, files: { input?: string | undefined; output?: string | undefined; summary?: string | undefined }): string[] {
  const { input, output, summary } = files;
  const file = output === undefined || output === '-' ? undefined : output;
  const own = [input === '-' ? fileBehind(0) : input, output === '-' ? fileBehind(1) : file, file && lockPath(file), file && fingerprintPath(file), summary === '-' ? undefined : summary];
  const saveDir = realPath(dir);
  return own.filter((path): path is string => path !== undefined && realPath(dirname(realPath(path))) === saveDir).map((path) => basename(realPath(path)));
}

/** The regular file a standard stream was redirected to (Linux names it in /proc); undefined for a pipe, a terminal, or elsewhere. */
function fileBehind(fd: 0 | 1): string | undefined {
  try {
    if (!fstatSync(fd).isFile()) return undefined;
    return realpathSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

/** A file's or directory's real path, links followed (-o /dev/stdout); its absolute path when it does not exist yet. */
function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}
