// The spare: the CLI forks one child before loading the rest of its code, and
// the first child the run needs is that process (issue 15's start-up).
import { fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { WorkerConfig } from '../../src/wire/messages.js';
import { cleanupAfterEach, collectOutput, parseJsonLines, processTree, runCli, spawnCli, startHttpServer, tempDir, writeTempFile } from '../helpers/index.js';

const track = cleanupAfterEach();
const CHILD_ENTRY = fileURLToPath(new URL('../../dist/child/main.cjs', import.meta.url));

describe('the spare child', () => {
  it('a 1-URL run at --procs 8 runs one child: the spare, not the spare and a fork', async () => {
    const server = track(await startHttpServer(async (_req, res, ctx) => {
      if (await ctx.delay(600)) res.end('ok');
    }));
    const cli = spawnCli([writeTempFile([`${server.url}/one`]), '--procs', '8', '-q']);
    const output = collectOutput(cli);
    while (server.requests === 0) await new Promise((r) => setTimeout(r, 20));
    // While the request is in flight: the CLI and exactly one child.
    expect(processTree(cli.pid as number)).toHaveLength(1);
    const result = await output;
    expect(result.code).toBe(0);
    expect(result.lines.map((l) => l.status)).toEqual([200]);
  });

  it('gives children the young generation of their run (16 MiB at --procs 1, 8 at --procs 4), the spare too', async () => {
    const server = track(await startHttpServer(async (_req, res, ctx) => {
      if (await ctx.delay(600)) res.end('ok');
    }));
    const semiSpaces = async (args: string[]): Promise<string[]> => {
      const cli = spawnCli([writeTempFile([`${server.url}/one`]), ...args, '-q']);
      const output = collectOutput(cli);
      const before = server.requests;
      while (server.requests === before) await new Promise((r) => setTimeout(r, 20));
      const children = processTree(cli.pid as number);
      const flags = children.map((pid) => /--max-semi-space-size=(\d+)/.exec(readFileSync(`/proc/${pid}/cmdline`, 'latin1'))?.[1] ?? 'none');
      expect((await output).lines.map((l) => l.status)).toEqual([200]);
      return flags;
    };
    // One process each time: the spare was forked with the run's flags and taken.
    expect(await semiSpaces(['--procs', '1'])).toEqual(['16']);
    expect(await semiSpaces(['--procs=4'])).toEqual(['8']);
  });

  it('gives children a thread pool that follows --concurrency up to 256, the spare too, unless UV_THREADPOOL_SIZE says', async () => {
    const server = track(await startHttpServer(async (_req, res, ctx) => {
      if (await ctx.delay(600)) res.end('ok');
    }));
    const threads: number[] = [];
    const pools = async (args: string[], env: Record<string, string> = {}): Promise<Array<string | undefined>> => {
      const cli = spawnCli([writeTempFile([`${server.url}/one`]), ...args, '-q'], { env });
      const output = collectOutput(cli);
      const before = server.requests;
      while (server.requests === before) await new Promise((r) => setTimeout(r, 20));
      const children = processTree(cli.pid as number).map((pid) => {
        threads.push(readdirSync(`/proc/${pid}/task`).length);
        return /(?:^|\0)UV_THREADPOOL_SIZE=(\d+)/.exec(readFileSync(`/proc/${pid}/environ`, 'latin1'))?.[1];
      });
      expect((await output).lines.map((l) => l.status)).toEqual([200]);
      return children;
    };
    // 4/3 of the concurrency, at least 64 and at most 256: a lookup for every request slot (src/wire/child-env.ts).
    // One process each time: the spare was forked with the run's pool and taken.
    expect(await pools(['--concurrency', '150'])).toEqual(['200']);
    // A run of IP addresses looks nothing up: the pool is not started (a CommonJS child; Node 20's ESM loader would start it).
    expect(threads.every((count) => count < 64)).toBe(true);
    expect(await pools(['--concurrency', '300'])).toEqual(['256']);
    expect(await pools([])).toEqual(['67']);
    expect(await pools(['--concurrency=300'], { UV_THREADPOOL_SIZE: '8' })).toEqual(['8']);
  });

  it("keeps Node's compile cache (Node 22+) in a directory of the user's own, children's too, never in the shared one; a TMPDIR no directory can be made in is none", async () => {
    const server = track(await startHttpServer());
    const tmp = tempDir();
    const env = { TMPDIR: tmp, NODE_COMPILE_CACHE: undefined, NODE_DISABLE_COMPILE_CACHE: undefined };
    const result = await runCli([writeTempFile([`${server.url}/a`, `${server.url}/b`]), '--procs', '2', '-q'], { env });
    expect(result.lines.map((l) => l.status)).toEqual([200, 200]);
    const uid = process.getuid?.() ?? 0;
    // Node's default, $TMPDIR/node-compile-cache, is every user's: code cache another left there was loaded.
    expect(readdirSync(tmp)).not.toContain('node-compile-cache');
    if ('enableCompileCache' in nodeModule) {
      // The parent's and the children's (their V8 flags differ, so their caches do).
      expect(readdirSync(join(tmp, `bulkfetch-compile-cache-${uid}`)).length).toBeGreaterThanOrEqual(2);
    } else {
      expect(readdirSync(tmp)).not.toContain(`bulkfetch-compile-cache-${uid}`);
    }
    // Node 24's recursive mkdir of $TMPDIR/node-compile-cache never returned under /proc: the run hung, silent.
    const proc = await runCli([`${server.url}/p`, '-q'], { env: { ...env, TMPDIR: '/proc' }, timeoutMs: 20_000 });
    expect(proc.lines.map((l) => l.status)).toEqual([200]);
  }, 40_000);

  it('a run without records (and a usage error) ends at once and leaves no child behind', async () => {
    for (const args of [[writeTempFile(['# nothing here', ''])], [writeTempFile([]), '--frobnicate']]) {
      const cli = spawnCli(args);
      const result = await collectOutput(cli);
      expect(result.code).toBe(args.length === 1 ? 0 : 2);
      expect(result.lines).toEqual([]);
      expect(processTree(cli.pid as number)).toEqual([]);
    }
  });

  it('a larger file whose records all route to one child ends, leaving no process behind', async () => {
    const server = track(await startHttpServer(undefined, { logLimit: 0 }));
    // 2,000 records of one request at --procs 4: every record routes to one child, the spare or a fork.
    const lines = Array.from({ length: 2000 }, () => `${server.url}/same/${'x'.repeat(40)}`);
    const cli = spawnCli([writeTempFile(lines), '--procs', '4', '--concurrency', '50', '--no-cache', '-q']);
    const result = await collectOutput(cli);
    expect(result.code).toBe(0);
    expect(result.lines).toHaveLength(2000);
    expect(processTree(cli.pid as number)).toEqual([]);
  }, 30_000);

  it('a child waits for its config on stdin, and applies a message that overtook it (an abort)', async () => {
    const server = track(await startHttpServer(async (_req, res, ctx) => {
      if (await ctx.delay(5000)) res.end('late');
    }));
    const child = fork(CHILD_ENTRY, [], { stdio: ['pipe', 'pipe', 'pipe', 'ipc'] });
    track({ close: async () => void child.kill('SIGKILL') });
    const out: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.send({ type: 'abort' });
    await new Promise((r) => setTimeout(r, 200));
    const config: WorkerConfig = {
      index: 0, concurrency: 4, timeout: 10_000, connectTimeout: 5_000, cache: false, cacheBytes: 1 << 20, lastUseMarked: false,
      headers: {}, body: 'text', compressed: false, maxBody: 1 << 20, includeHeaders: false, follow: false, autoReferer: false, redirectCookies: false, maxRedirects: 0, redirectProtocols: 'http,https',
      retries: 0, retryDelay: 100, retryMaxDelay: 1000, retryAllMethods: false, insecure: false, http2: false, http1Only: false, ipv4Only: false, ipv6Only: false, connectTo: {}, resolve: {}, fileCookies: [],
      limited: false, liftoffOnly: true,
    };
    // 'close' comes once the child has exited and its stdout is read to the end: its death
    // alone (seen in /proc) can come before the test has read the line it wrote.
    const closed = new Promise<boolean>((resolve) => {
      child.once('close', () => resolve(true));
      setTimeout(() => resolve(false), 4000).unref();
    });
    const started = Date.now();
    child.stdin?.end(`${JSON.stringify(config)}\n${JSON.stringify({ line: 1, url: `${server.url}/slow`, method: 'GET' })}\n`);
    expect(await closed).toBe(true);
    expect(Date.now() - started).toBeLessThan(4000);
    const [result] = parseJsonLines(Buffer.concat(out).toString('utf8')).lines;
    // Aborted before the task came: it was never sent.
    expect(result).toMatchObject({ attempts: 0, error: { code: 'ENOTSENT' } });
  });
});
