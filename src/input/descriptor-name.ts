import { fstatSync, lstatSync, readlinkSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * The descriptor of this process that a path names, as the shell and Linux spell them: /dev/stdin, /dev/stdout,
 * /dev/stderr, /dev/fd/N, /proc/self/fd/N (thread-self's, this pid's), relative or not, or through a symlink to
 * one of them (`ln -s /dev/stdout out`); undefined for any other path. A file opened by such a name is that
 * descriptor's file: stdin read again, stdout written to.
 */
export function descriptorNamed(path: string): number | undefined {
  let absolute = resolve(path);
  // Linux follows at most 40 links in a path (ELOOP).
  for (let hops = 0; hops <= 40; hops++) {
    const named = descriptorSpelled(absolute);
    if (named !== undefined) return named;
    try {
      if (!lstatSync(absolute).isSymbolicLink()) return undefined;
      absolute = resolve(dirname(absolute), readlinkSync(absolute));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * The descriptor a path names (descriptorNamed) when it holds a regular file (`2>run.log`): to be written
 * through itself, never opened again by the name. A second open is a file description of its own, with its
 * own offset: `-o /dev/stdout >out 2>&1` wrote the results from offset 0 on, and the summary, written through
 * fd 2 at the redirect's offset (still 0), over them. A pipe or terminal has no offset to share, and keeps
 * being opened by its name (writes to a pipe left non-blocking by another process fail EAGAIN).
 */
export function regularFileDescriptor(path: string): number | undefined {
  const fd = descriptorNamed(path);
  if (fd === undefined) return undefined;
  try {
    return fstatSync(fd).isFile() ? fd : undefined;
  } catch {
    return undefined;
  }
}

/** The descriptor an absolute path spells, without following it. */
function descriptorSpelled(absolute: string): number | undefined {
  const std = STANDARD_NAMES[absolute];
  if (std !== undefined) return std;
  const fd = /^\/(?:dev\/fd|proc\/(?:self|thread-self|(\d+))\/fd)\/(\d+)$/.exec(absolute);
  if (fd === null || (fd[1] !== undefined && Number(fd[1]) !== process.pid)) return undefined;
  return Number(fd[2]);
}

const STANDARD_NAMES: Readonly<Record<string, number>> = { '/dev/stdin': 0, '/dev/stdout': 1, '/dev/stderr': 2 };
