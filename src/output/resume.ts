import { createHash } from 'node:crypto';
import { open, readdir, readFile, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { NO_CHILD_TO_SEND, OutputError, SAVE_DISK_FULL_ENDING, STOPPED_BEFORE_SENDING, STOPPED_EARLIER_WORDING, STOPPED_IN_FLIGHT_RESENT, UsageError } from '../errors.js';
import { peekHead } from '../input/peek-head.js';
import { parseLineNumber } from '../wire/result-line.js';
import { LineSet } from './line-set.js';
import { openSink } from './open-sink.js';
import { isRunning } from './running-process.js';

/** Bytes of input the fingerprint covers: enough to tell two lists apart, cheap for stdin too. */
export const FINGERPRINT_BYTES = 64 * 1024;
/** A first run's head ends when the input has paused this long (see resumeOutput). */
const HEAD_IDLE_MS = 200;
/** The longest a first run waits for its input's head from the first byte, however steadily it comes. */
const HEAD_MAX_MS = 1_000;

/** The fingerprint file, stored beside the output: FILE.resume.json. */
export function fingerprintPath(output: string): string {
  return `${output}.resume.json`;
}

interface Fingerprint {
  format: 1;
  /** The input as named on the first run (for people; not compared). */
  input: string;
  /** How many leading input bytes the hash covers (fewer when the input was shorter). */
  headBytes: number;
  sha256: string;
}

export interface ResumedRun {
  /** The input again, from its first byte (its head was read to fingerprint it). */
  input: Readable;
  /** The output, opened for appending. */
  sink: Writable;
  /** Record lines already in the output: skip them. */
  done: LineSet;
}

/**
 * `-o FILE --resume`: the same command line serves the first run and every restart.
 *
 * First run (FILE missing or empty): store the input's fingerprint beside FILE,
 * then start FILE. Restart: refuse when the input's fingerprint differs, cut a
 * torn last line (the kill came mid-write), read the record lines already in
 * FILE, and append the rest. The fingerprint is written (atomically) before the
 * first output line, so an output without one was not made by --resume (nor by
 * a run from an input file, which writes one too: see the CLI's markResumableIfYouCan).
 */
export async function resumeOutput(output: string, inputName: string, input: Readable, stop?: AbortSignal): Promise<ResumedRun> {
  await removeDeadRunsTemporaries(output);
  const outputBytes = await sizeOf(output);
  const stored = outputBytes > 0 ? await readFingerprint(output) : undefined;
  // A restart reads as much as the first run fingerprinted. A first run takes up to 64 KiB, or what came before
  // the input paused, or in its first second: a slow pipe (`tail -f`) or typed URLs held every request back until
  // 64 KiB or the end came.
  // A stop ends the wait too: it was not heard until then (nothing listened to Ctrl-C while the head was read).
  const restart = stored !== undefined && stored !== 'unreadable';
  const peeked = await peekHead(input, restart ? stored.headBytes : FINGERPRINT_BYTES, { ...(restart ? {} : { idleMs: HEAD_IDLE_MS, maxMs: HEAD_MAX_MS }), ...(stop ? { signal: stop } : {}) });
  const current = fingerprintOf(inputName, peeked.head);
  const done = new LineSet();
  if (outputBytes > 0) {
    if (stored === 'unreadable') {
      throw new UsageError(`Cannot resume: ${JSON.stringify(fingerprintPath(output))}, beside ${JSON.stringify(output)}, holds no fingerprint bulkfetch wrote (torn, or not its file), so the output cannot be matched to this input; use another -o FILE`);
    }
    if (!stored) {
      throw new UsageError(
        `Cannot resume: ${JSON.stringify(output)} exists but has no ${JSON.stringify(fingerprintPath(output))} (a run without --resume writes one only when its input is a file, and removes it once it has read all of it), so it cannot be matched to this input; use another -o FILE`,
      );
    }
    // Stopped before the head was all read: nothing will be sent, and nothing can be told of the input.
    const stoppedShort = stop?.aborted === true && peeked.head.length < stored.headBytes;
    if (!stoppedShort && (stored.headBytes > peeked.head.length || sha256(peeked.head.subarray(0, stored.headBytes)) !== stored.sha256)) {
      throw new UsageError(
        `Cannot resume: ${JSON.stringify(output)} was written for ${differentInput(stored.input, inputName)}; use another -o FILE, or delete it and ${JSON.stringify(fingerprintPath(output))} to start over`,
      );
    }
    await readDoneLines(output, done);
    return { input: peeked.stream, sink: openSink(output, { append: true }), done };
  }
  // FILE opened first: a place it cannot be written (read-only, missing) is the usage error it is without
  // --resume (exit 2, naming FILE), not a fingerprint that could not be written (exit 1). An empty FILE left
  // without one reads as a first run again.
  const sink = openSink(output, { append: true });
  try {
    await writeFingerprint(output, current);
  } catch (error) {
    // FILE can be written but its folder cannot (no new file in it), or FILE is no regular file (/proc/...):
    // --resume cannot keep its fingerprint, before anything was sent; a usage error naming what --resume needs.
    sink.destroy();
    const code = ((error as { cause?: NodeJS.ErrnoException }).cause?.code) ?? 'error';
    // A full disk is the output failing (exit 1, as -o's ENOSPC), with its own remedy; the rest is the folder.
    if (code === 'ENOSPC' || code === 'EDQUOT') throw new OutputError(`Cannot resume with -o ${JSON.stringify(output)}: the disk is full (${code}): --resume keeps the input's fingerprint beside it, in ${JSON.stringify(fingerprintPath(output))}, which cannot be written; free space, then run the same command again`);
    throw new UsageError(`Cannot resume with -o ${JSON.stringify(output)}: --resume keeps the input's fingerprint beside it, in ${JSON.stringify(fingerprintPath(output))}, which cannot be written (${code}); make its folder writable, or run without --resume`);
  }
  return { input: peeked.stream, sink, done };
}

/**
 * Makes a run that was started without --resume resumable after it stopped: the
 * fingerprint of `inputPath` (a file, read again from its start) is stored beside
 * `output`, as --resume would have stored it before the first line. Both must
 * be regular files (isRegularFile): the input is read again from its start, and
 * FILE.resume.json goes beside the output (for `-o /dev/null`, a file in /dev).
 */
export async function markResumable(output: string, inputPath: string): Promise<void> {
  const file = await open(inputPath, 'r');
  try {
    const head = Buffer.alloc(FINGERPRINT_BYTES);
    const { bytesRead } = await file.read(head, 0, FINGERPRINT_BYTES, 0);
    await writeFingerprint(output, fingerprintOf(inputPath, head.subarray(0, bytesRead)));
  } finally {
    await file.close();
  }
}

function fingerprintOf(input: string, head: Buffer): Fingerprint {
  return { format: 1, input, headBytes: head.length, sha256: sha256(head) };
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function sizeOf(path: string): Promise<number> {
  try {
    const found = await stat(path);
    // -o /dev/null or a pipe: nothing to read back, and FILE.resume.json would go beside it (in /dev).
    if (!found.isFile()) throw new UsageError(`Cannot resume: ${JSON.stringify(path)} is not a regular file; --resume reads back the lines a file holds`);
    return found.size;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw new UsageError(`Cannot resume: cannot read ${JSON.stringify(path)}: ${(error as NodeJS.ErrnoException).code}`, { cause: error });
  }
}

/** The fingerprint beside the output; `unreadable` when a file is there that holds none (torn, foreign, a directory). */
async function readFingerprint(output: string): Promise<Fingerprint | 'unreadable' | undefined> {
  let text: string;
  try {
    text = await readFile(fingerprintPath(output), 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : 'unreadable';
  }
  try {
    const value = JSON.parse(text) as Partial<Fingerprint>;
    if (value.format === 1 && typeof value.sha256 === 'string' && typeof value.headBytes === 'number') return value as Fingerprint;
  } catch {
    // A torn or foreign file: no fingerprint in it.
  }
  return 'unreadable';
}

async function writeFingerprint(output: string, fingerprint: Fingerprint): Promise<void> {
  const path = fingerprintPath(output);
  const temporary = await freshTemporary(path);
  try {
    await writeFile(temporary, `${JSON.stringify(fingerprint)}\n`, { flag: 'wx' });
    await rename(temporary, path);
  } catch (error) {
    // A full disk leaves the file created and empty: it must not stay beside the output.
    await rm(temporary, { force: true }).catch(() => {});
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new OutputError(`Cannot write ${JSON.stringify(path)}: ${code}`, { cause: error });
  }
}

const HEAD_BYTES = 32;

/**
 * How the line of a record --resume sends again ends (its error is last): one
 * the stop came before, or one it aborted in flight whose method may be sent
 * twice. Such a line is dropped, and the record sent.
 */
const RESEND_TAILS = [
  ...[STOPPED_BEFORE_SENDING, NO_CHILD_TO_SEND, STOPPED_IN_FLIGHT_RESENT, ...STOPPED_EARLIER_WORDING].map((error) => Buffer.from(`"error":${JSON.stringify(error)}}`)),
  // A body the disk had no room for: its message has the status in it, before the ending that tells.
  Buffer.from(`${JSON.stringify(SAVE_DISK_FULL_ENDING).slice(1)}}}`),
];
const TAIL_BYTES = Math.max(...RESEND_TAILS.map((tail) => tail.length));

function isResent(last: Buffer): boolean {
  return RESEND_TAILS.some((tail) => last.length >= tail.length && last.subarray(last.length - tail.length).equals(tail));
}

/**
 * Collects the record number of every whole line of `path`, reading it in chunks
 * (lines may be megabytes: only each line's first and last bytes are kept), and
 * cuts off a torn last line so appended lines start on a line of their own.
 * A record the last run stopped before sending (ENOTSENT, also one no child could be started for), or aborted in flight
 * when it may be sent twice (EABORTED, marked so), is not done: its line is
 * dropped from the file (rewritten, then renamed over it), and it is sent.
 */
async function readDoneLines(path: string, done: LineSet): Promise<void> {
  const file = await open(path, 'r');
  const chunk = Buffer.alloc(1024 * 1024);
  let position = 0;
  let lineStart = 0;
  /** Whole lines read so far: a line that is not a result is named by its number, as sed -n Np and editors count. */
  let lines = 0;
  let head = Buffer.alloc(0);
  // The current line's last bytes read so far, when it began in an earlier chunk.
  let carried = Buffer.alloc(0);
  const resent: Array<[start: number, end: number]> = [];
  try {
    for (;;) {
      const { bytesRead } = await file.read(chunk, 0, chunk.length, position);
      if (bytesRead === 0) break;
      let start = 0;
      for (;;) {
        const newline = chunk.indexOf(0x0a, start);
        const end = newline === -1 || newline >= bytesRead ? bytesRead : newline;
        if (head.length < HEAD_BYTES) head = Buffer.concat([head, chunk.subarray(start, Math.min(end, start + HEAD_BYTES - head.length))]);
        const piece = chunk.subarray(Math.max(start, end - TAIL_BYTES), end);
        const last = carried.length === 0 ? piece : Buffer.concat([carried, piece]).subarray(-TAIL_BYTES);
        if (end === bytesRead) {
          carried = Buffer.from(last);
          break;
        }
        lines += 1;
        const line = lineNumberOf(head, path, lines);
        if (isResent(last)) resent.push([lineStart, position + newline + 1]);
        else done.add(line);
        head = Buffer.alloc(0);
        carried = Buffer.alloc(0);
        start = newline + 1;
        lineStart = position + start;
      }
      position += bytesRead;
    }
  } finally {
    await file.close();
  }
  if (lineStart < position) await truncate(path, lineStart);
  if (resent.length > 0) await dropRanges(path, resent, lineStart);
}

/**
 * Rewrites `path` (its first `size` bytes) without the byte ranges given, in
 * order, through a file beside it renamed over it: a stop during the rewrite
 * leaves the old file whole.
 */
async function dropRanges(path: string, ranges: ReadonlyArray<[number, number]>, size: number): Promise<void> {
  const temporary = await freshTemporary(path);
  const source = await open(path, 'r');
  try {
    const target = await open(temporary, 'wx', (await source.stat()).mode);
    try {
      const buffer = Buffer.alloc(1024 * 1024);
      let from = 0;
      for (const [start, end] of [...ranges, [size, size] as [number, number]]) {
        for (let at = from; at < start; ) {
          const { bytesRead } = await source.read(buffer, 0, Math.min(buffer.length, start - at), at);
          if (bytesRead === 0) break;
          await target.write(buffer, 0, bytesRead);
          at += bytesRead;
        }
        from = end;
      }
      await target.sync();
    } finally {
      await target.close();
    }
  } catch (error) {
    // A full disk: the output is as it was, and the part written beside it must not stay (a rerun writes its own).
    await rm(temporary, { force: true }).catch(() => {});
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    const remedy = code === 'ENOSPC' || code === 'EDQUOT' ? 'free space (the rewrite needs about its size)' : code === 'EEXIST' || code === 'EISDIR' ? `remove ${JSON.stringify(temporary)}, which is in the way` : code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'make its folder writable (the rewrite is a file beside it)' : 'see to it';
    const message = `Cannot rewrite ${JSON.stringify(path)} without the lines of the records it sends again: ${code}; it is unchanged: ${remedy}, then run the same command again`;
    // Nothing is sent before the rewrite: a place that cannot be written is the unwritable -o it is without --resume (exit 2);
    // a disk that filled is the run's failure (exit 1), as a full disk under a run's lines is.
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'EEXIST' || code === 'EISDIR') throw new UsageError(message);
    throw new OutputError(message, { cause: error });
  } finally {
    await source.close();
  }
  await rename(temporary, path);
}

/**
 * The name of a file written beside `path`, then renamed over it: PATH.PID.tmp. Whatever has that name is removed
 * first and the file is then created exclusively ('wx'), so a symlink planted there (the pid is easy to guess, and
 * the output's directory may be shared, as /tmp is) fails the run instead of having it write through the link into
 * whatever file the link names.
 */
async function freshTemporary(path: string): Promise<string> {
  const temporary = `${path}.${process.pid}.tmp`;
  await rm(temporary, { force: true }).catch(() => {});
  return temporary;
}

/**
 * The temporary files (the output's rewrite, the fingerprint's) that a run
 * killed outright left beside the output: FILE.PID.tmp and
 * FILE.resume.json.PID.tmp of a pid no longer running. The output's lock
 * keeps any other live run away from FILE, so none of them is in use.
 */
async function removeDeadRunsTemporaries(output: string): Promise<void> {
  const names = [basename(output), basename(fingerprintPath(output))];
  const entries = await readdir(dirname(output)).catch(() => [] as string[]);
  for (const entry of entries) {
    const pid = names.map((name) => (entry.startsWith(`${name}.`) ? /^(\d+)\.tmp$/.exec(entry.slice(name.length + 1))?.[1] : undefined)).find((found) => found !== undefined);
    if (pid !== undefined && !isRunning(Number(pid))) await rm(join(dirname(output), entry), { force: true }).catch(() => {});
  }
}

/** The record number a result line carries; a line that carries none is named (it gave a byte offset, and no way on). */
function lineNumberOf(head: Buffer, path: string, fileLine: number): number {
  const line = parseLineNumber(head);
  if (line === undefined) {
    throw new UsageError(`Cannot resume: ${JSON.stringify(path)} is not bulkfetch output: its line ${fileLine} is not a result line (sed -n ${fileLine}p shows it); remove that line if it was added by hand, or name another -o`);
  }
  return line;
}

/**
 * What the stored fingerprint's input was, to the eye: another list, or this one (the same name) since changed.
 * "a different input ("urls.txt")" for a run of urls.txt read as if another file were meant.
 */
function differentInput(storedName: string, inputName: string): string {
  // URLs given as arguments are read as stdin would be, and named `-` too: a run of them was told of "-".
  const shown = (name: string): string => (name === '-' ? 'the URLs of stdin or the command line' : JSON.stringify(name));
  return storedName === inputName ? `${shown(inputName)} as ${inputName === '-' ? 'they were' : 'it was'} then, and ${inputName === '-' ? 'their' : 'its'} first lines have changed since` : `a different input (${shown(storedName)})`;
}
