import { closeSync, fstatSync, lstatSync, openSync, readFileSync, readlinkSync, realpathSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { elsewhere, isOwn, ownIdentity, stillRuns } from './running-process.js';

/**
 * The file `-o` names, through a symlink: the lock beside it is then one for
 * every link to it (two --resume runs through two names wrote every record
 * twice), and --resume's rewrite replaces the file, not the link (which became
 * a regular file, the target left with the stopped run's lines). A link to a
 * file not made yet (the first run through it) is followed to where the file
 * will be: its lock and fingerprint went beside the link, so a second run took
 * no lock and --resume found no fingerprint beside the file. A link to anything
 * but a regular file (/dev/stdout) stays as given.
 */
export function outputTarget(output: string | undefined): string | undefined {
  if (output === undefined || output === '-') return output;
  if (isStdoutTerminal(output)) return '-';
  try {
    if (!lstatSync(output).isSymbolicLink()) return output;
  } catch {
    return output;
  }
  try {
    // Only to a regular file: /dev/stdout's link reads `/proc/PID/fd/pipe:[N]` for a pipe, no name to open.
    return statSync(output).isFile() ? realpathSync(output) : output;
  } catch {
    return fileNotMadeYet(output) ?? output;
  }
}

/**
 * `-o /dev/stdout` or `-o /dev/tty` at a terminal is stdout: written as a file, its lines went out without
 * the progress line erased first, and the two mixed on a row (curl users write -o /dev/stdout by habit).
 */
function isStdoutTerminal(output: string): boolean {
  if (process.stdout.isTTY !== true) return false;
  if (output === '/dev/tty') return true;
  try {
    const file = statSync(output);
    const stdout = fstatSync(1);
    return file.isCharacterDevice() && file.rdev === stdout.rdev;
  } catch {
    return false;
  }
}

/** Where a chain of links ends at nothing, the file opening it will make (its directory's real path); undefined for a loop. */
function fileNotMadeYet(link: string): string | undefined {
  let path = resolve(link);
  // Linux follows at most 40 links in a path (ELOOP).
  for (let hops = 0; hops <= 40; hops++) {
    try {
      if (!lstatSync(path).isSymbolicLink()) return undefined;
    } catch {
      return newFilePath(path);
    }
    path = resolve(dirname(path), readlinkSync(path));
  }
  return undefined;
}

/** Where a file not made yet will be: its directory's real path (a symlink followed), and its name. */
export function newFilePath(file: string): string {
  const directory = resolve(dirname(file));
  try {
    return join(realpathSync(directory), basename(file));
  } catch {
    return join(directory, basename(file));
  }
}

/**
 * Takes `-o FILE` for this run alone, or refuses with a usage error: two runs
 * writing one file (a --resume started twice, from two terminals or a retrying
 * scheduler) each read the same lines as done and sent the rest, and FILE got
 * every record twice. The lock is FILE.lock, created exclusively, holding our
 * pid; one whose process is gone (a run killed outright) is taken over. Only a
 * file that is or will be a regular file is locked: /dev/null and pipes are not
 * read back by --resume. Returns the release, which the run calls as it ends.
 */
/** The lock file of an output FILE: FILE.lock, beside it. */
export function lockPath(output: string): string {
  return `${output}.lock`;
}

export function lockOutput(output: string): () => void {
  if (!lockable(output)) return () => {};
  // Beside the output, holding the writer's pid.
  const path = lockPath(output);
  const started = Date.now();
  for (;;) {
    const taken = createLock(path);
    if (taken !== 'exists') return taken;
    const judged = lockText(path);
    const holder = judged === undefined ? undefined : holderIn(judged);
    if (holder !== undefined && !isOwn(holder.pid, holder.identity) && stillRuns(holder.pid, holder.identity)) refuseHeld(output, path, holder);
    // A lock another run has just made, its pid not yet written (createLock writes after the exclusive create): judged
    // stale, it was taken over, and both runs wrote the file. Empty for longer, it was left by a run that died there.
    if (judged?.trim() === '' && youngerThan(path, EMPTY_LOCK_MS) && Date.now() - started < EMPTY_LOCK_MS) {
      Atomics.wait(SLEEPER, 0, 0, 20);
      continue;
    }
    // Left by a run that was killed outright: its process is gone. Taken over under a lock of its own, once it
    // is seen to be still the one judged: two runs that judged it at once each removed it and made their own,
    // one removing the other's, and both wrote the file (every record twice).
    const takeover = takeOver(output, path, judged);
    if (typeof takeover === 'function') return takeover;
    if (takeover === 'busy' && Date.now() - started > TAKEOVER_WAIT_MS) throw new UsageError(`Cannot write output ${JSON.stringify(output)}: another run is taking over its lock ${JSON.stringify(path)} (if none is, delete ${JSON.stringify(`${path}${TAKEOVER_SUFFIX}`)})`);
    if (takeover === 'busy') Atomics.wait(SLEEPER, 0, 0, 20);
  }
}

/** Beside the lock while a run takes a stale one over. */
const TAKEOVER_SUFFIX = '.takeover';
/** A takeover left by a run killed in its middle (a few system calls long): removed once this old. */
const STALE_TAKEOVER_MS = 2_000;
/** How long a run waits for another's takeover to end before it says so. */
const TAKEOVER_WAIT_MS = 15_000;
const SLEEPER = new Int32Array(new SharedArrayBuffer(4));
/** An empty lock younger than this is being written by the run that made it. */
const EMPTY_LOCK_MS = 2_000;

/** Whether the file was changed less than `ms` ago (not in the future: a clock set back, or another machine's on NFS). */
function youngerThan(path: string, ms: number): boolean {
  try {
    const age = Date.now() - statSync(path).mtimeMs;
    return age >= -1000 && age < ms;
  } catch {
    return false;
  }
}

/** Makes the lock with this run's pid and identity; 'exists' when there is one. */
function createLock(path: string): (() => void) | 'exists' {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (error) {
    // A directory we cannot write in: the output's own open says so.
    return (error as NodeJS.ErrnoException).code === 'EEXIST' ? 'exists' : () => {};
  }
  try {
    const identity = ownIdentity();
    writeSync(fd, identity === undefined ? `${process.pid}\n` : `${process.pid} ${identity}\n`);
  } catch {
    // A full disk (ENOSPC) made the lock but not its pid: an empty lock was left behind by a run that then
    // failed on its output. The output's own write says why, as for a directory we cannot write in.
    closeSync(fd);
    unlinkSync(path);
    return () => {};
  }
  closeSync(fd);
  return () => unlinkIfOurs(path);
}

/**
 * Replaces the stale lock `judged` (its text as read; undefined: unreadable) with this run's, holding
 * PATH.takeover meanwhile; 'busy' while another run holds that, 'again' when the lock changed meanwhile.
 */
function takeOver(output: string, path: string, judged: string | undefined): (() => void) | 'busy' | 'again' {
  const guard = `${path}${TAKEOVER_SUFFIX}`;
  let fd: number;
  try {
    fd = openSync(guard, 'wx');
  } catch (error) {
    // A folder that takes no new file: the stale lock is removed, or said not to be removable, without a guard.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      removeStale(output, path, judged);
      return 'again';
    }
    try {
      if (Date.now() - statSync(guard).mtimeMs > STALE_TAKEOVER_MS) unlinkSync(guard);
    } catch {
      // gone meanwhile: the next try takes it
    }
    return 'busy';
  }
  try {
    if (lockText(path) !== judged) return 'again';
    removeStale(output, path, judged);
    const taken = createLock(path);
    return taken === 'exists' ? 'again' : taken;
  } finally {
    closeSync(fd);
    try {
      unlinkSync(guard);
    } catch {
      // a run that judged it stale removed it: nothing else holds it
    }
  }
}

/** Removes the stale lock; a folder that does not let it be removed is said, with the lock to delete. */
function removeStale(output: string, path: string, judged: string | undefined): void {
  try {
    unlinkSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    const holder = judged === undefined ? undefined : holderIn(judged);
    if (isDirectory(path)) throw new UsageError(`Cannot write output ${JSON.stringify(output)}: ${JSON.stringify(path)}, where its lock goes, is a directory: remove it, or give -o another file`);
    const remedy = code === 'EROFS' ? 'the file system is read-only: give -o a file elsewhere' : 'make its folder writable, or delete the lock';
    throw new UsageError(`Cannot write output ${JSON.stringify(output)}: its lock ${JSON.stringify(path)}, left by ${holder === undefined ? 'a run' : `pid ${holder.pid}`} that no longer runs, cannot be removed (${code}): ${remedy}`);
  }
}

function refuseHeld(output: string, path: string, holder: Holder): never {
  const away = elsewhere(holder.identity);
  if (away !== undefined && !away.seen) {
    // Nothing of it can be seen from here: it may run, and nobody here can tell.
    throw new UsageError(`Cannot write output ${JSON.stringify(output)}: another bulkfetch (pid ${holder.pid} ${away.where}) took its lock, and whether it still runs cannot be seen from here; wait for it to end, then run this again (if it no longer runs, delete ${JSON.stringify(path)})`);
  }
  const pid = away === undefined ? `pid ${holder.pid}` : `pid ${holder.pid} ${away.where}`;
  throw new UsageError(`Cannot write output ${JSON.stringify(output)}: another bulkfetch (${pid}) is writing it; wait for it to end (or stop it), then run this again (if ${pid} is no bulkfetch, delete ${JSON.stringify(path)})`);
}

function isDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

function lockable(output: string): boolean {
  try {
    return statSync(output).isFile();
  } catch {
    return true; // not there yet: it will be a regular file
  }
}

/** A lock's holder: its pid, and which process that pid named when it took the lock (ownIdentity), when known. */
interface Holder {
  pid: number;
  identity: string | undefined;
}

/** The lock's text, undefined when it cannot be read (gone, or unreadable). */
function lockText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function holderOf(path: string): Holder | undefined {
  const text = lockText(path);
  return text === undefined ? undefined : holderIn(text);
}

function holderIn(text: string): Holder | undefined {
  const [pidText, identity] = text.trim().split(' ');
  const pid = Number.parseInt(pidText ?? '', 10);
  return Number.isSafeInteger(pid) && pid > 0 ? { pid, identity } : undefined;
}



function unlinkIfOurs(path: string): void {
  const holder = holderOf(path);
  if (holder === undefined || !isOwn(holder.pid, holder.identity)) return;
  try {
    unlinkSync(path);
  } catch {
    // gone already
  }
}
