// Runs the real CLI (bin/bulkfetch.js) in a child process, the way users run it, and makes sure
// no child survives a test: every child leads its own process group, which is killed as a whole.
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { killGroup } from '../../bench/lib/proc-tree.js';

export const CLI_PATH = fileURLToPath(new URL('../../bin/bulkfetch.js', import.meta.url));

export interface CliOptions {
  stdin?: string | Buffer | Readable;
  /** Merged over process.env (a value of undefined removes the variable). */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** runCli only: kill the whole process tree after this long. Default 20 000 ms. */
  timeoutMs?: number;
  /** Run this script instead of bin/bulkfetch.js (fixtures, and the helpers' own tests). */
  script?: string;
  /** Start node through this command, e.g. ['prlimit', '--nofile=64:64'] (it must exec node, keeping the pid). */
  via?: string[];
  /**
   * Execute bin/bulkfetch.js itself, as an installed bin is run: the kernel reads its first line
   * (/bin/sh, whose line then execs `node`, found on a PATH led by this Node's directory).
   */
  asBin?: boolean;
}

export interface CliResult<T = Record<string, any>> {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Every non-empty stdout line that parsed as JSON, in order. */
  lines: T[];
  /** Non-empty stdout lines that were not JSON (a JSONL tool should produce none). */
  nonJson: string[];
  /** True when runCli killed the process because timeoutMs elapsed. */
  timedOut: boolean;
  durationMs: number;
}

const NO_PROXY_VARIABLES = Object.fromEntries(
  ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY', 'no_proxy', 'NO_PROXY'].map((name) => [name, undefined]),
);

// Children still alive, so a test's afterEach can kill leftovers after a failed assertion.
const live = new Set<ChildProcessWithoutNullStreams>();

/**
 * Starts the CLI and returns the ChildProcess (for signals and progressive stdout).
 * The child is a process-group leader (detached), so killGroup(child.pid) reaches its children too.
 */
export function spawnCli(args: string[], opts: CliOptions = {}): ChildProcessWithoutNullStreams {
  const env: Record<string, string> = {};
  // Test servers are on loopback: a proxy in the machine's environment must not come between, unless a test sets one.
  for (const [k, v] of Object.entries({ ...process.env, ...NO_PROXY_VARIABLES, ...opts.env })) if (v !== undefined) env[k] = v;
  if (opts.asBin) env.PATH = `${dirname(process.execPath)}${delimiter}${env.PATH ?? ''}`;
  const node = opts.asBin ? [] : [process.execPath];
  const [command, ...commandArgs] = [...(opts.via ?? []), ...node, opts.script ?? CLI_PATH, ...args] as [string, ...string[]];
  const child = spawn(command, commandArgs, {
    cwd: opts.cwd,
    env,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => {
    live.delete(child);
    // The leader is gone, but anything it started may still sit in its group.
    if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
  });
  // The CLI may exit without reading stdin; EPIPE on our side is expected then.
  child.stdin.on('error', () => {});
  const { stdin } = opts;
  if (stdin instanceof Readable) stdin.pipe(child.stdin);
  else child.stdin.end(stdin); // undefined: EOF at once, so a CLI reading stdin never waits forever
  return child;
}

/** SIGKILLs every spawnCli child still running; call in afterEach so a failed test leaks nothing. */
export function killAllCli(): void {
  for (const child of live) if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
}

/**
 * Collects a spawned child's output until it exits (stdout/stderr fully drained).
 * Call it right after spawnCli: output emitted before it attaches is not seen.
 */
export function collectOutput<T = Record<string, any>>(child: ChildProcessWithoutNullStreams): Promise<CliResult<T>> {
  const started = Date.now();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    // 'close' (not 'exit'): only then are both pipes drained.
    child.once('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString('utf8');
      const { lines, nonJson } = parseJsonLines<T>(stdout);
      resolve({
        code,
        signal,
        stdout,
        stderr: Buffer.concat(err).toString('utf8'),
        lines,
        nonJson,
        timedOut: false,
        durationMs: Date.now() - started,
      });
    });
  });
}

/** Runs the CLI to completion; on timeout kills the whole tree and resolves with timedOut: true. */
export async function runCli<T = Record<string, any>>(args: string[], opts: CliOptions = {}): Promise<CliResult<T>> {
  const child = spawnCli(args, opts);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
  }, opts.timeoutMs ?? 20_000);
  try {
    const result = await collectOutput<T>(child);
    return { ...result, timedOut };
  } finally {
    clearTimeout(timer);
  }
}

/** Splits JSONL text into parsed objects and the lines that were not JSON. */
export function parseJsonLines<T = Record<string, any>>(text: string): { lines: T[]; nonJson: string[] } {
  const lines: T[] = [];
  const nonJson: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      lines.push(JSON.parse(line) as T);
    } catch {
      nonJson.push(line);
    }
  }
  return { lines, nonJson };
}

// Temp files: one directory per test (created lazily, dropped by cleanupTemp in afterEach).
let currentDir: string | undefined;
const dirs: string[] = [];
let fileCounter = 0;

/** The current test's temp directory (created on first use). */
export function tempDir(): string {
  if (currentDir === undefined) {
    currentDir = mkdtempSync(join(tmpdir(), 'bulkfetch-test-'));
    dirs.push(currentDir);
  }
  return currentDir;
}

/** Writes lines (joined with '\n', trailing newline) or raw text to a new file in tempDir(); returns its path. */
export function writeTempFile(content: string[] | string | Buffer, name?: string): string {
  const path = join(tempDir(), name ?? `input-${++fileCounter}.txt`);
  writeFileSync(path, Array.isArray(content) ? content.map((l) => `${l}\n`).join('') : content);
  return path;
}

/**
 * A named pipe that gives `content` to the first reader, as a shell's
 * `<(...)` gives a command's output: it can be read once. The writer waits
 * for that reader; a second reader would wait for a writer forever.
 */
export function writeTempFifo(content: string, name: string): string {
  const path = join(tempDir(), name);
  execFileSync('mkfifo', [path]);
  createWriteStream(path).end(content);
  return path;
}

/** Removes every temp dir made so far; the next writeTempFile starts a fresh one. */
export function cleanupTemp(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  currentDir = undefined;
}
