import { resolve } from 'node:path';

/**
 * The descriptor of this process that a path names, as the shell and Linux spell them: /dev/stdin, /dev/stdout,
 * /dev/stderr, /dev/fd/N, /proc/self/fd/N (thread-self's, this pid's), relative or not; undefined for any other
 * path. A file opened by such a name is that descriptor's file: stdin read again, stdout written to.
 */
export function descriptorNamed(path: string): number | undefined {
  const absolute = resolve(path);
  const std = STANDARD_NAMES[absolute];
  if (std !== undefined) return std;
  const fd = /^\/(?:dev\/fd|proc\/(?:self|thread-self|(\d+))\/fd)\/(\d+)$/.exec(absolute);
  if (fd === null || (fd[1] !== undefined && Number(fd[1]) !== process.pid)) return undefined;
  return Number(fd[2]);
}

const STANDARD_NAMES: Readonly<Record<string, number>> = { '/dev/stdin': 0, '/dev/stdout': 1, '/dev/stderr': 2 };
