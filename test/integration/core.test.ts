// The core runner as a user runs it: the built CLI against real local servers.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { CLI_PATH, cleanupAfterEach, delay, runCli, sampleTreeRss, scratchDir, spawnCli, startHttpServer, tempDir, type TestServer, writeTempFile } from '../helpers/index.js';

let server: TestServer;

beforeAll(async () => {
  server = await startHttpServer(undefined, { logLimit: 0 });
});
afterAll(async () => {
  await server.close();
});
// The server above is shared by the whole file; what each test starts goes after it.
const track = cleanupAfterEach();

describe('one line per record', () => {
  it('answers valid, invalid, blank and comment lines with exactly one line per record', async () => {
    const input = [
      `${server.url}/a`,
      '',
      '# a comment',
      'not a url',
      `${server.url}/b?x=1`,
      'ftp://example.com/file',
      `${server.url}/a`,
      '   ',
      'http://127.0.0.1:1/refused',
    ];
    const result = await runCli([writeTempFile(input), '--procs', '2']);
    expect(result.code).toBe(0);
    expect(result.nonJson).toEqual([]);
    const byLine = new Map(result.lines.map((l) => [l.line as number, l]));
    expect([...byLine.keys()].sort((a, b) => a - b)).toEqual([1, 4, 5, 6, 7, 9]);
    expect(result.lines).toHaveLength(6);
    expect(byLine.get(1)).toMatchObject({ status: 200, ok: true, error: null, body: { path: '/a' }, method: 'GET' });
    expect(byLine.get(4)).toMatchObject({ status: null, ok: false, url: 'not a url', error: { code: 'EINVALIDURL' } });
    expect(byLine.get(5)).toMatchObject({ status: 200, body: { path: '/b?x=1' } });
    expect(byLine.get(6)?.error.code).toBe('EUNSUPPORTEDSCHEME');
    expect(byLine.get(9)).toMatchObject({ status: null, error: { code: 'ECONNREFUSED' } });
    // The repeat of /a is answered by the cache of the same child.
    expect([byLine.get(1)?.cached, byLine.get(7)?.cached].sort()).toEqual([false, true]);
    // Field order is part of the interface: line first.
    expect(result.stdout.split('\n').filter(Boolean).every((l) => l.startsWith('{"line":'))).toBe(true);
  });

  it('reads stdin when the input is - or missing', async () => {
    const stdin = `${server.url}/s1\n${server.url}/s2\n`;
    for (const args of [['-'], []]) {
      const result = await runCli([...args, '--procs', '1'], { stdin });
      expect(result.code).toBe(0);
      expect(result.lines.map((l) => l.line).sort()).toEqual([1, 2]);
    }
  });

  it('writes to -o FILE and nothing to stdout', async () => {
    const out = join(tempDir(), 'out.ndjson');
    const result = await runCli([writeTempFile([`${server.url}/o`]), '-o', out, '--procs', '1']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ line: 1, status: 200 });
  });
});

describe('sharding and the cache', () => {
  it('requests each distinct URL once across 4 processes with 10x repeats shuffled', async () => {
    const counting = await track(startHttpServer(undefined, { logLimit: 0 }));
    const distinct = 300;
    const lines: string[] = [];
    for (let r = 0; r < 10; r++) for (let i = 0; i < distinct; i++) lines.push(`${counting.url}/item/${i}`);
    shuffle(lines, 42);
    const result = await runCli([writeTempFile(lines), '--procs', '4', '--concurrency', '20']);
    expect(result.code).toBe(0);
    expect(result.lines).toHaveLength(lines.length);
    expect(counting.requests).toBe(distinct);
    expect([...counting.paths.values()].every((n) => n === 1)).toBe(true);
    expect(result.lines.filter((l) => !l.cached)).toHaveLength(distinct);
    expect(result.lines.every((l) => l.status === 200)).toBe(true);
  });

  it('fetches every repeat with --no-cache', async () => {
    const counting = await track(startHttpServer(undefined, { logLimit: 0 }));
    const lines = Array.from({ length: 40 }, (_, i) => `${counting.url}/r/${i % 4}`);
    const result = await runCli([writeTempFile(lines), '--procs', '2', '--no-cache']);
    expect(result.code).toBe(0);
    expect(counting.requests).toBe(40);
    expect(result.lines.some((l) => l.cached)).toBe(false);
  });

  it('splits 100k distinct URLs into shards within 10% of each other', async () => {
    const lines = Array.from({ length: 100_000 }, (_, i) => `${server.url}/d/${i}`);
    const summaryPath = join(tempDir(), 'summary.json');
    const result = await runCli([writeTempFile(lines), '--procs', '4', '--concurrency', '50', '-o', '/dev/null', '--summary', summaryPath, '--no-headers', '--body', 'none'], { timeoutMs: 120_000 });
    expect(result.code).toBe(0);
    const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as { shards: number[]; records: number };
    expect(summary.records).toBe(100_000);
    expect(summary.shards).toHaveLength(4);
    expect(summary.shards.reduce((a, b) => a + b, 0)).toBe(100_000);
    const min = Math.min(...summary.shards);
    const max = Math.max(...summary.shards);
    expect((max - min) / max).toBeLessThan(0.1);
  }, 150_000);
});

describe('pipes', () => {
  it('ends promptly with exit 0 under `| head -n 5`, leaving no child running', async () => {
    const lines = Array.from({ length: 50_000 }, (_, i) => `${server.url}/h/${i}`);
    const input = writeTempFile(lines);
    const started = Date.now();
    const before = server.requests;
    const { stdout, stderr } = await throughHead(`"${input}" --procs 2`, 5);
    expect(stdout.trim().split('\n')).toHaveLength(5);
    expect(stderr).toContain('status=0');
    expect(stderr).not.toMatch(/EPIPE|Error:|at .*\.js/);
    // Prompt: it stopped fetching soon after head left, far short of the 50k records
    // (a coarse time bound too, generous for a loaded machine).
    expect(server.requests - before).toBeLessThan(25_000);
    expect(Date.now() - started).toBeLessThan(45_000);
    await expectNoWorkersOf(input);
  });

  it('a short list is not fetched to its end for a reader that left (`| head -n 1`)', async () => {
    // 40 answers of 200 ms, 2 at a time: 4 s to fetch them all. A list this short is with the
    // child whole from the start, so stopping the input is not enough to stop the run.
    const slow = await track(startHttpServer((req, res) => void setTimeout(() => res.end(req.url), 200)));
    const input = writeTempFile(Array.from({ length: 40 }, (_, i) => `${slow.url}/s/${i}`));
    // A --summary file a run before left: this run, which fetched a few of its records, must not leave it as its own.
    const summary = join(tempDir(), 'summary.json');
    writeFileSync(summary, '{"records": 3}\n');
    const { stdout, stderr } = await throughHead(`"${input}" --procs 1 --concurrency 2 --summary "${summary}"`, 1);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('status=0');
    expect(existsSync(summary)).toBe(false);
    // The next line written after head left fails, and the run ends there: a few requests, not all 40.
    expect(slow.requests).toBeLessThan(20);
    await expectNoWorkersOf(input);
  });

  it('keeps memory bounded and loses nothing behind a slow consumer', async () => {
    const body = 'x'.repeat(16 * 1024);
    const big = await track(startHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(body);
    }, { logLimit: 0 }));
    const count = 16_000; // ~270 MB of output: more than any process may hold beside its own ~70 MB
    const input = writeTempFile(Array.from({ length: count }, (_, i) => `${big.url}/m/${i}`));
    // --no-cache: this measures the pipeline's buffering, not the (separately bounded) cache.
    const child = spawnCli([input, '--procs', '2', '--concurrency', '50', '--no-cache']);
    const sampler = sampleTreeRss(child.pid!, { everyMs: 50 });
    // A consumer that waits 5 ms after every chunk (~10 MB/s), well below what
    // bulkfetch produces. A piped Writable, not read() on a paused stream: Node
    // resumes an unlistened child stdout at exit and drops what it had buffered.
    let lines = 0;
    const consumer = new Writable({
      highWaterMark: 64 * 1024,
      write(chunk: Buffer, _encoding, callback) {
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
        setTimeout(callback, 5);
      },
    });
    child.stdout.pipe(consumer);
    const [code] = await Promise.all([
      new Promise<number | null>((resolve) => child.on('close', resolve)),
      new Promise((resolve) => consumer.on('finish', resolve)),
    ]);
    sampler.stop();
    expect(code).toBe(0);
    expect(lines).toBe(count);
    // Node at work takes 130 MB (Node 20) to 260 MB (Node 24, whose V8 grows its
    // heap more eagerly) a process. With the parent's pause disabled, one process
    // held 282 MB of a 200 MB output on Node 20; this output is 270 MB.
    expect(sampler.peakProcessKiB).toBeLessThan(300 * 1024);
  }, 120_000);

  it('starts no more records while its lines of large bodies wait unread, beyond what a few MiB hold', async () => {
    const body = Buffer.alloc(1024 * 1024, 0x62);
    const big = await track(startHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(body);
    }, { logLimit: 0 }));
    const count = 150;
    const input = writeTempFile(Array.from({ length: count }, (_, i) => `${big.url}/b/${i}`));
    // As the list comes (no cache: its records wait in the child), and with the cache (each is handed to the loop at once).
    for (const cache of ['auto', 'on']) {
      const before = big.requests;
      const child = spawnCli([input, '--procs', '1', '--concurrency', '8', '--cache', cache]);
      // Nothing reads stdout: the pipes fill, the parent stops reading the child, and the child's requests stop
      // once it holds what it may. Counted once none has come for 1 s (a fixed 2 s from the spawn also had to
      // hold a loaded machine's start-up).
      let whileStalled = 0;
      for (let quietSince = Date.now(), deadline = quietSince + 15_000; Date.now() < deadline;) {
        await delay(50);
        if (big.requests - before !== whileStalled) {
          whileStalled = big.requests - before;
          quietSince = Date.now();
        } else if (whileStalled >= 8 && Date.now() - quietSince >= 1_000) break;
      }
      let lines = 0;
      child.stdout.on('data', (chunk: Buffer) => {
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(code, cache).toBe(0);
      expect(lines, cache).toBe(count);
      // 8 in flight and some 8 MiB of lines queued (16 requests here), against the window's 64 records
      // (65 requests before: each line holds its 1 MiB body, so a child held the window's worth of them).
      expect(whileStalled, cache).toBeGreaterThanOrEqual(8);
      expect(whileStalled, cache).toBeLessThan(30);
    }
  }, 60_000);
});

describe('bad invocations', () => {
  const dir = scratchDir('bf-bad');
  mkdirSync(join(dir, 'a-directory'));
  writeFileSync(join(dir, 'ok.txt'), 'http://127.0.0.1:1/\n');
  it.each([
    ['unknown flag', [join(dir, 'ok.txt'), '--frobnicate']],
    ['--procs 0', [join(dir, 'ok.txt'), '--procs', '0']],
    ['--procs abc', [join(dir, 'ok.txt'), '--procs', 'abc']],
    ['--concurrency -1', [join(dir, 'ok.txt'), '--concurrency', '-1']],
    ['--concurrency 1.5', [join(dir, 'ok.txt'), '--concurrency', '1.5']],
    ['missing input', [join(dir, 'missing.txt')]],
    ['a directory as input', [join(dir, 'a-directory')]],
    ['two inputs', [join(dir, 'ok.txt'), join(dir, 'ok.txt')]],
    ['--procs without value', [join(dir, 'ok.txt'), '--procs']],
    ['--procs past 1024', [join(dir, 'ok.txt'), '--procs', '4294967296']],
    ['an input that fails as it is read (EIO)', ['/proc/self/mem']],
    ['a --cert read once (a device, a pipe) that holds no PEM', [join(dir, 'ok.txt'), '-E', '/dev/null']],
    ['a --cacert read once that holds no PEM', [join(dir, 'ok.txt'), '--cacert', '/dev/null']],
  ])('%s: one line on stderr, nothing on stdout, exit 2', async (_name, args) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it.each([['-'], ['analyze']])('a directory on stdin (`bulkfetch %s < dir`) exits 2, not a run of no records', async (arg) => {
    const shell = spawn('bash', ['-c', `node "${CLI_PATH}" ${arg} < "${join(dir, 'a-directory')}"; echo "status=$?" >&2`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    shell.stdout.on('data', (d: Buffer) => (stdout += d));
    shell.stderr.on('data', (d: Buffer) => (stderr += d));
    await new Promise((resolve) => shell.on('close', resolve));
    expect(stdout).toBe('');
    expect(stderr).toBe('bulkfetch: Expected an input file on stdin, got a directory\nstatus=2\n');
  });

  it('an unreadable input exits 2 (skipped as root, who can read anything)', async () => {
    if (process.getuid?.() === 0) return;
    const file = join(dir, 'secret.txt');
    writeFileSync(file, 'http://x/\n', { mode: 0o000 });
    const result = await runCli([file]);
    expect(result.code).toBe(2);
  });

  it('--help and --version exit 0 on stdout', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--concurrency');
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    // The package's own version, read by the CLI's bundle from package.json.
    const { version: packageVersion } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(version.stdout.trim()).toBe(packageVersion);
  });
});

/** Runs `bulkfetch ARGS | head -n LINES` in bash; stderr ends with bulkfetch's exit status (`status=N`). */
async function throughHead(args: string, lines: number): Promise<{ stdout: string; stderr: string }> {
  const shell = spawn('bash', ['-c', `node "${CLI_PATH}" ${args} | head -n ${lines}; echo "status=\${PIPESTATUS[0]}" >&2`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  shell.stdout.on('data', (d: Buffer) => (stdout += d));
  shell.stderr.on('data', (d: Buffer) => (stderr += d));
  await new Promise((resolve) => shell.on('close', resolve));
  return { stdout, stderr };
}

/** No bulkfetch child of this input may be left: children notice their parent is gone. */
async function expectNoWorkersOf(_input: string): Promise<void> {
  const { execFileSync } = await import('node:child_process');
  // Children are forked with the child entry (dist/child/main.cjs; dist/worker/main.js before
  // the move); any still alive after their parent exited would be reparented to pid 1. Give
  // them a moment to notice.
  for (let i = 0; i < 50; i++) {
    const out = execFileSync('ps', ['-eo', 'ppid=,args='], { encoding: 'utf8' });
    const orphans = out.split('\n').filter((l) => /^\s*1\s/.test(l) && /dist\/(worker|child)\/main\.c?js/.test(l) && l.includes(CLI_PATH.replace('/bin/bulkfetch.js', '')));
    if (orphans.length === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('bulkfetch children outlived their parent');
}

function shuffle<T>(items: T[], seed: number): void {
  let state = seed;
  const random = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
}
