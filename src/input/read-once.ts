import { accessSync, closeSync, constants, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { UsageError } from '../errors.js';

/**
 * A path that can be read only once: a pipe (`--cacert <(...)`, `-b <(...)`
 * give /dev/fd/N), a character device (/dev/stdin) or a socket. Checked
 * before the run without reading it; the run reads it once and hands its
 * text to the children, which could not open the parent's /dev/fd/N at all.
 */
export function readableOnce(path: string): boolean {
  const stats = statSync(path);
  return stats.isFIFO() || stats.isCharacterDevice() || stats.isSocket();
}

/**
 * True where opening or reading `path` can wait in a system call: one readableOnce (a FIFO waits for its other
 * end). Stdin by name ('-'), a regular file, a directory and a path not made yet do not.
 */
export function mayWaitToOpen(path: string): boolean {
  if (path === '-') return false;
  try {
    return readableOnce(path);
  } catch {
    return false;
  }
}

/**
 * A file's text, for a check before the run; undefined for one that can be
 * read only once, which is then only checked to be readable (the run reads it).
 */
export function textBeforeRun(path: string): string | undefined {
  if (!readableOnce(path)) return readFileSync(path, 'utf8');
  accessSync(path, constants.R_OK);
  return undefined;
}

/** Pipes read ahead of the run (readAhead), by path: each can be read only once. */
const readAhead = new Map<string, string>();

/**
 * Reads a file that can be read only once (a pipe) now, for readUpTo to hand its text out later: the CLI
 * reads them before the run, with the signals' defaults (a slow `-b <(...)` is then ended by Ctrl-C).
 */
export function readAheadIfOnce(path: string, maxBytes: number, flag: string): void {
  if (readAhead.has(path) || !readableOnce(path)) return;
  readAhead.set(path, readUpTo(path, maxBytes, flag));
}

/** A file's text, read whole unless it is over `maxBytes`: a pipe has no size to check first. */
export function readUpTo(path: string, maxBytes: number, flag: string): string {
  const ahead = readAhead.get(path);
  if (ahead !== undefined) return ahead;
  const fd = openSync(path, 'r');
  try {
    const chunks: Buffer[] = [];
    const chunk = Buffer.alloc(64 * 1024);
    for (let total = 0; ; ) {
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) return Buffer.concat(chunks).toString('utf8');
      total += read;
      if (total > maxBytes) throw new UsageError(`${flag} file ${JSON.stringify(path)} is over the ${maxBytes} bytes read from it`);
      chunks.push(Buffer.from(chunk.subarray(0, read)));
    }
  } finally {
    closeSync(fd);
  }
}
