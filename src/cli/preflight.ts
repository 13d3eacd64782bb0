/**
 * Mistakes found before anything is sent or written: files that would clobber
 * the input, a --summary that cannot be written, flags that contradict each
 * other. Errors are UsageErrors (exit 2); warnings are one line each for stderr.
 */
import type { Command } from 'commander';
import { accessSync, constants, fstatSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { UsageError, describeValue } from '../errors.js';
import { newFilePath, outputTarget } from '../output/output-lock.js';
import { whyNotWritable } from '../output/open-sink.js';
import { descriptorNamed } from '../input/descriptor-name.js';
import type { FileReadByFlag } from '../options/flag-files.js';
import { openFileLimit } from '../http/fd-limit.js';
import { unreadUpperHttpProxy } from '../http/proxy-url.js';
import { stdinClosedAtLaunch } from '../input/closed-stdin.js';
import { stdoutClosedAtLaunch } from './launcher-env.js';
import { CHILD_START_FDS, budgetSize, descriptorsPerConnection, fdLimitFor } from '../http/socket-budget.js';
import { cpusAvailable } from '../cpus-available.js';

/** --procs above this many times the CPU count runs, with a warning. */
const PROCS_PER_CPU_WARNED = 4;

/**
 * -o and --summary must not name the input (the same file through another name,
 * a symlink or a hard link: same device and inode), nor each other; --summary
 * must be writable now, not after the whole run. `--summary -` is stdout, and so
 * needs the results in an -o file.
 */
export function checkFiles(inputPath: string | undefined, output: string | undefined, summary: string | undefined, writtenOutput: string | undefined = output): void {
  // An empty name (`--summary "$FILE"` with FILE unset) would fail only after the whole run.
  if (summary === '') throw new UsageError('Expected --summary to be a file name, got "" (an empty file name: an unset shell variable?)');
  if (writtenOutput === '') throw new UsageError('Expected -o to be a file name, got "" (an empty file name: an unset shell variable?)');
  if (inputPath === '') throw new UsageError('Expected an input file name, got "" (an empty file name: an unset shell variable?)');
  // `-o URL` with the file forgotten: "Cannot write output "http://...": ENOENT" named no flag.
  if (writtenOutput !== undefined && /^https?:\/\//i.test(writtenOutput)) {
    throw new UsageError(`Expected -o to be the file for the result lines, got the URL ${describeValue(writtenOutput.replace(/\/\/[^/@]*@/, '//***@'))}: give -o its file, and the URL as an argument of its own`);
  }
  if (stdinClosedAtLaunch() && inputPath !== undefined && (inputPath === '-' || descriptorNamed(inputPath) === 0)) {
    throw new UsageError('stdin is closed (<&-), and the input is read from it: give a file of URLs, or URLs as arguments (< /dev/null for an input of none)');
  }
  if (stdoutClosedAtLaunch()) {
    // By another name too (-o /dev/stdout): Node opened /dev/null in the closed stdout's place, where every line went.
    const toStdout = (name: string | undefined): boolean => name === '-' || (name !== undefined && descriptorNamed(name) === 1);
    const lost = output === undefined || toStdout(output) ? 'result lines' : toStdout(summary) ? 'summary' : undefined;
    if (lost !== undefined) throw new UsageError(`stdout is closed (>&-), and the ${lost} would be lost: give ${lost === 'summary' ? '--summary FILE' : '-o FILE'}, or > /dev/null to discard ${lost === 'summary' ? 'it' : 'them'}`);
  }
  // `--summary -` into the input (`-o out --summary - >> urls.txt`): its JSON was added to the list.
  const summaryToStdout = summary === '-';
  // `--summary -`, as `-o -`: stdout, which is free only when the results go to a file.
  if (summary === '-') {
    if (output === undefined || output === '-') {
      throw new UsageError('--summary - writes the summary to stdout, which carries the result lines here: give -o FILE for the results, or --summary FILE');
    }
    // `-o /dev/stdout --summary -`: the -o file is stdout by another name.
    if (isStdout(statOf(output))) {
      // Named as written (-o /dev/stdout), not as the file behind a redirect that outputTarget resolved it to.
      throw new UsageError(`--summary - writes the summary to stdout, which -o ${JSON.stringify(writtenOutput)} is too: give -o another file, or --summary FILE`);
    }
    summary = undefined;
  }
  // `-o /dev/stdin`: the pipe the input comes from, opened for writing, took every result line back as a record,
  // without end (or, with the input a file, lost them). Never a place for results.
  for (const [flag, written] of [['-o', writtenOutput], ['--summary', summary]] as const) {
    if (written !== undefined && written !== '-' && descriptorNamed(written) === 0) {
      throw new UsageError(`${flag} ${JSON.stringify(written)} is stdin, where input is read from: ${flag === '-o' ? 'the result lines' : 'the summary'} would be read back as records or lost; give ${flag} a file${flag === '-o' ? ', or leave it out for stdout' : ''}`);
    }
  }
  // Undefined: the input is on the command line (URLs), no file to clobber.
  const input = inputPath === undefined ? undefined : inputPath === '-' ? statOf(0) : statOf(inputPath);
  const targets: Array<[string, string | undefined, string | undefined]> = [['-o', output === '-' ? undefined : output, writtenOutput], ['--summary', summary, summary]];
  for (const [flag, path, written] of targets) {
    if (path === undefined) continue;
    const target = statOf(path);
    if (input && target && sameFile(input, target)) {
      // -o /dev/stdout (a descriptor): added to, not emptied; its lines would be read back, as stdout's (below).
      const descriptor = written === undefined ? undefined : descriptorNamed(written);
      if (descriptor === 1) throw new UsageError(STDOUT_IS_INPUT);
      if (descriptor !== undefined) throw new UsageError(`${flag} ${JSON.stringify(written)} is the input file (a descriptor the shell opened on it): the lines would be read back as records, without end; send them to another file`);
      throw new UsageError(`${flag} ${JSON.stringify(written)} is the input file: writing it would destroy the input; choose another file`);
    }
  }
  // `bulkfetch urls.txt >> urls.txt`: each result line was read back as a record, answered with one more line,
  // and the file grew until the disk was full (241 MB in 8 s). cat refuses it: "input file is output file".
  const resultsToStdout = output === undefined || output === '-';
  const stdout = resultsToStdout || summaryToStdout ? statOf(1) : undefined;
  if (input && stdout && sameFile(input, stdout)) {
    throw new UsageError(resultsToStdout ? STDOUT_IS_INPUT : 'stdout is the input file (> or >> to it), and --summary - writes the summary there: its JSON would be added to the input; send stdout to another file');
  }
  if (summary === undefined) return;
  const out = output === undefined || output === '-' ? undefined : statOf(output);
  const target = statOf(summary);
  // Another name for stdout (/dev/stdout, /proc/self/fd/1) while the results go there: its JSON would land among their lines.
  if (output === undefined || output === '-') {
    if (isStdout(target)) {
      throw new UsageError(`--summary ${JSON.stringify(summary)} is stdout, which carries the result lines here: give -o FILE for the results, or another --summary file`);
    }
  }
  // Neither file there yet (the usual first run): the summary, written last, would replace every result line.
  // A link to a file not made yet names that file (outputTarget): `--summary LINK` to the -o file too.
  const samePath = output !== undefined && output !== '-' && !out && !target && newFilePath(output) === newFilePath(outputTarget(summary) as string);
  if ((out && target && sameFile(out, target)) || samePath) throw new UsageError(`--summary ${JSON.stringify(summary)} is also the -o file; choose another file`);
  checkWritable('--summary', summary, target);
}

/**
 * -o FILE or --summary FILE naming a file the flags read (`-b cookies.txt -o cookies.txt`, `-d @body.json -o
 * body.json`): opening it empties it, as naming the input would, and the user's file was gone after one run.
 * A descriptor's name (-o /dev/stdout) is added to, not emptied: left to the checks on stdout.
 */
export function checkNotReadByFlags(targets: ReadonlyArray<readonly [flag: string, path: string | undefined]>, read: readonly FileReadByFlag[]): void {
  for (const [flag, path] of targets) {
    if (path === undefined || path === '-' || descriptorNamed(path) !== undefined) continue;
    const target = statOf(path);
    if (target === undefined || !target.isFile()) continue;
    for (const file of read) {
      const source = statOf(file.path);
      if (source !== undefined && sameFile(source, target)) throw new UsageError(`${flag} ${JSON.stringify(path)} is the file ${file.written} reads: writing it would destroy it; choose another file`);
    }
  }
}

const STDOUT_IS_INPUT = 'stdout is the input file (> or >> to it): the result lines would be read back as records, without end; send them to another file';

/** Whether a file is stdout by another name (/dev/stdout, /proc/self/fd/1); a terminal or /dev/null is shared harmlessly. */
function isStdout(file: Stats | undefined): boolean {
  const stdout = statOf(1);
  return stdout !== undefined && file !== undefined && !stdout.isCharacterDevice() && stdout.dev === file.dev && stdout.ino === file.ino;
}

function checkWritable(flag: string, path: string, stats: Stats | undefined): void {
  try {
    if (stats?.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    // An existing file must be writable; a new one needs a writable directory.
    if (stats) accessSync(path, constants.W_OK);
    else {
      // Not there, or there and not to be followed (a loop of symlinks, which access() of its folder passed).
      statSync(path, { throwIfNoEntry: false });
      accessSync(dirname(path), constants.W_OK | constants.X_OK);
    }
  } catch (error) {
    throw new UsageError(`Cannot write ${flag} ${JSON.stringify(path)}: ${whyNotWritable(error, path)}`, { cause: error });
  }
}

function statOf(target: string | number): Stats | undefined {
  try {
    return typeof target === 'number' ? fstatSync(target) : statSync(target);
  } catch {
    return undefined;
  }
}


function sameFile(a: Stats, b: Stats): boolean {
  // Only regular files: a terminal or /dev/null on both sides is not a clobber.
  return a.isFile() && b.isFile() && a.dev === b.dev && a.ino === b.ino;
}

/**
 * Flags given together that contradict each other. An error when the two ask
 * for opposite things (no reading of the command line is safe); a warning when
 * one of them simply has no effect (the run does what the other says).
 */
const CONFLICTS: ReadonlyArray<{ given: string[]; absent?: string; error?: true; message: string }> = [
  { given: ['quiet', 'progress'], error: true, message: '-q/-s (no progress) and --progress contradict each other; give one' },
  { given: ['http1.1', 'http2'], error: true, message: '--http1.1 and --http2 contradict each other; give one' },
  { given: ['parallelMax', 'concurrency'], error: true, message: '--parallel-max (curl -Z: requests in flight in all) and --concurrency (per process) both set how many; give one' },
  { given: ['include', 'headers'], error: true, message: '-i (response headers in each line) and --no-headers contradict each other; give one' },
  { given: ['cache', 'cacheSize'], message: '--cache-size has no effect with --no-cache (--cache off)' },
  { given: ['cache', 'cacheBytes'], message: '--cache-bytes has no effect with --no-cache (--cache off)' },
  { given: ['reorderBuffer'], absent: 'ordered', message: '--reorder-buffer has no effect without --ordered' },
  { given: ['maxRedirects'], absent: 'follow', message: '--max-redirects has no effect without -L/--follow' },
  { given: ['protoRedir'], absent: 'follow', message: '--proto-redir has no effect without -L/--follow' },
  { given: ['key'], absent: 'cert', message: '--key has no effect without --cert (-E): it is the key of the client certificate that --cert gives' },
  { given: ['resume'], absent: 'output', error: true, message: '--resume needs -o FILE: it reads the lines already written there' },
];

/** Throws a UsageError for a contradiction; returns the warnings (one line each) otherwise. */
export function checkFlags(program: Command): string[] {
  const given = (name: string): boolean => program.getOptionValueSource(name) === 'cli';
  const flags = program.opts<Record<string, unknown>>();
  const warnings: string[] = [];
  for (const conflict of CONFLICTS) {
    // `-o -` is stdout: for --resume as absent as no -o at all.
    if (!conflict.given.every(given) || (conflict.absent !== undefined && given(conflict.absent) && flags[conflict.absent] !== '-')) continue;
    // --no-cache sets cache to false, --cache off to 'off'; only that direction conflicts.
    if (conflict.given.includes('cache') && flags.cache !== false && flags.cache !== 'off') continue;
    // --no-progress sets progress to false: with -q it asks for the same thing, no contradiction.
    if (conflict.given.includes('progress') && flags.progress !== true) continue;
    if (conflict.error) throw new UsageError(conflict.message);
    warnings.push(conflict.message);
  }
  // -e ';auto' sends each redirect the URL it left: without -L there are none to send it with.
  if (given('referer') && typeof flags.referer === 'string' && flags.referer.endsWith(';auto') && !given('follow')) warnings.push("-e ';auto' has no effect without -L/--follow: it is the Referer of each redirect followed");
  // What a retry would do, with none to make.
  if (given('retries') && flags.retries === 0) {
    // Not --retry-max-delay (it caps a host's pause after a 429 too), nor --retry-all-methods (it decides what
    // --resume and a child's crash send again, and the free resends after a lost connection).
    // Named as typed: curl's --retry 0 is --retries 0.
    const typed = given('retry') ? '--retry' : '--retries';
    if (given('retryDelay')) warnings.push(`--retry-delay has no effect with ${typed} 0`);
  }
  const unreadProxy = flags.proxy === undefined ? unreadUpperHttpProxy(process.env) : undefined;
  if (unreadProxy !== undefined) warnings.push(unreadProxy);
  // curl's total split in equal parts: with --procs given, a remainder is not run (3 over 2 processes is 1 each).
  if (typeof flags.parallelMax === 'number' && typeof flags.procs === 'number' && flags.parallelMax >= flags.procs && flags.parallelMax % flags.procs !== 0) {
    const each = Math.floor(flags.parallelMax / flags.procs);
    warnings.push(`--parallel-max ${flags.parallelMax} over --procs ${flags.procs} is ${each} in flight a process, ${each * flags.procs} in all: give a --procs that divides it to run ${flags.parallelMax}`);
  }
  const cpus = cpusAvailable();
  if (typeof flags.procs === 'number' && flags.procs > PROCS_PER_CPU_WARNED * cpus) {
    warnings.push(`--procs ${flags.procs} is more than ${PROCS_PER_CPU_WARNED}x the ${cpus} CPUs here: the processes will mostly wait for each other; try --concurrency instead`);
  }
  return warnings;
}

/**
 * A descriptor limit (`ulimit -n`, inherited by every child) that holds a child
 * below --concurrency connections: its requests then wait for one another's
 * connections, and latencies grow with no error to say why. Node raises its
 * soft limit to the hard one as it starts, so this is the hard limit (bash's
 * `ulimit -n 64` sets both, a container or systemd unit may set it low).
 */
export function descriptorWarning(concurrency: number, saving = false, fdLimit: number | undefined = openFileLimit()): string | undefined {
  const perConnection = descriptorsPerConnection(saving);
  const connections = budgetSize(concurrency, fdLimit, CHILD_START_FDS, perConnection);
  if (fdLimit === undefined || connections >= concurrency) return undefined;
  const enough = Math.ceil(fdLimitFor(concurrency, perConnection) / 1024) * 1024;
  const held = `${connections} connection${connections === 1 ? '' : 's'}${saving ? ' (each with the --save file its body goes to)' : ''}`;
  return `ulimit -n is ${fdLimit}: a process can hold about ${held}, fewer than --concurrency ${concurrency}, so it runs that many requests at a time (raise it: ulimit -n ${enough})`;
}

/** Descriptors the parent holds for each child (its stdin, stdout and stderr pipes, and the IPC channel), and for itself. */
const PARENT_FDS_PER_CHILD = 4;
const PARENT_OWN_FDS = 32;

/**
 * A descriptor limit too low for --procs children is a usage error before
 * anything is read: past it a fork failed with EMFILE, which crashed the run
 * with a stack trace and no line written (measured: --procs 8 needs 64, 16 needs 96).
 */
export function checkProcsFitDescriptors(procs: number, fdLimit: number | undefined = openFileLimit()): void {
  if (fdLimit === undefined || procs * PARENT_FDS_PER_CHILD + PARENT_OWN_FDS <= fdLimit) return;
  const most = Math.max(0, Math.floor((fdLimit - PARENT_OWN_FDS) / PARENT_FDS_PER_CHILD));
  const enough = procs * PARENT_FDS_PER_CHILD + PARENT_OWN_FDS;
  throw new UsageError(`ulimit -n is ${fdLimit}: too few descriptors for --procs ${procs}, as the run keeps ${PARENT_FDS_PER_CHILD} for each child besides its own ${PARENT_OWN_FDS} (${most > 0 ? `at most --procs ${most} here, or ` : ''}raise it: ulimit -n ${enough})`);
}
