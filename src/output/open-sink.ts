import { constants as fsConstants, createWriteStream, existsSync, fstatSync, openSync } from 'node:fs';
import { Socket } from 'node:net';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { isatty } from 'node:tty';
import { UsageError } from '../errors.js';
import { descriptorNamed, regularFileDescriptor } from '../input/descriptor-name.js';

/**
 * Why a file could not be opened for writing: its errno, and for ENOENT the directory to make, as --save says it
 * (the errno alone left the missing directory to be guessed).
 */
export function whyNotWritable(error: unknown, path: string): string {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  // A directory that is there and takes no new file (/proc, as root: access() said writable) is no directory to make.
  if (code === 'ELOOP') return 'ELOOP: a symlink that leads back to itself (ls -l it)';
  return code === 'ENOENT' && !existsSync(dirname(path)) ? `ENOENT: no such directory (mkdir -p ${JSON.stringify(dirname(path))} first)` : code === 'ENOENT' ? 'ENOENT: this directory takes no new file' : code;
}

const TRUNCATE_THEN_APPEND = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_TRUNC | fsConstants.O_APPEND;

/**
 * The stream results are written to: FILE with -o, else fd 1.
 *
 * fd 1 is opened by kind. A pipe or socket gets an async net.Socket:
 * process.stdout writes to pipes synchronously (blocking our event loop while
 * a consumer is slow), and fs writes to a pipe that another process left
 * non-blocking fail with EAGAIN. A file gets an fs stream; a terminal gets
 * process.stdout.
 */
export function openSink(path: string | undefined, { append = false } = {}): Writable {
  // -o /dev/stdout is stdout itself, `>> log` and all: opened 'w' by its name, it emptied the log an earlier run wrote.
  const named = path === undefined ? undefined : descriptorNamed(path);
  if (named === 1) return openSink(undefined);
  // /dev/stderr into a file (`2>run.log`) is written through fd 2 itself, at the offset its messages share.
  const writtenThrough = path === undefined ? undefined : regularFileDescriptor(path);
  if (writtenThrough !== undefined) return createWriteStream('', { fd: writtenThrough, autoClose: false, highWaterMark: 256 * 1024 });
  if (path !== undefined && path !== '-') {
    let fd: number;
    try {
      // Another descriptor's name (/dev/stderr, /dev/fd/3) is added to, as its redirect (>> or >) left it. Emptied
      // or not, FILE is written in append mode: logrotate's copytruncate empties it under the run, whose next write
      // went at its old offset, behind a hole of NULs (143 KB: no line jq or --resume could read).
      fd = openSync(path, append || named !== undefined ? 'a' : TRUNCATE_THEN_APPEND);
    } catch (error) {
      throw new UsageError(`Cannot write output ${JSON.stringify(path)}: ${whyNotWritable(error, path)}`, { cause: error });
    }
    return createWriteStream('', { fd, highWaterMark: 256 * 1024 });
  }
  const stat = fstatSync(1);
  if (stat.isFIFO() || stat.isSocket()) return new Socket({ fd: 1, readable: false, writable: true });
  if (stat.isFile()) return createWriteStream('', { fd: 1, autoClose: false, highWaterMark: 256 * 1024 });
  return process.stdout;
}

/** The results' descriptor, stdout's or -o FILE's. */
function sinkDescriptor(sink: Writable): number | undefined {
  if (sink === process.stdout) return 1;
  const fd = (sink as { fd?: unknown }).fd;
  return typeof fd === 'number' ? fd : sink instanceof Socket ? 1 : undefined;
}

/** The results go to a terminal (stdout, or -o /dev/tty): the progress line must keep off their lines. */
export function writesToTerminal(sink: Writable): boolean {
  const fd = sinkDescriptor(sink);
  return fd !== undefined && isatty(fd);
}

/** The results go into a pipe or socket (`| jq`): its reader may write to the terminal the progress line is on. */
export function writesToPipe(sink: Writable): boolean {
  const fd = sinkDescriptor(sink);
  if (fd === undefined) return false;
  try {
    const stats = fstatSync(fd);
    return stats.isFIFO() || stats.isSocket();
  } catch {
    return false;
  }
}
