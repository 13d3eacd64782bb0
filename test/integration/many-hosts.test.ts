// Lists where nearly every URL has a host of its own: each child's connections stay within its
// socket budget, and running out of file descriptors is retried, not reported as the host's failure.
import { execFileSync } from 'node:child_process';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach, collectOutput, loopbackHost, openFds, processTree, runCli, socketCloser, spawnCli, startHttpServer, startManyHostServer, startProxyServer, tempDir, testCert, writeTempFile, type ManyHostServer } from '../helpers/index.js';
import { waitFor } from './support.js';

const track = cleanupAfterEach();
const NO_PROXY_ENV = { HTTP_PROXY: undefined, http_proxy: undefined, HTTPS_PROXY: undefined, https_proxy: undefined };

function hostList(server: ManyHostServer, n: number): string {
  return writeTempFile(Array.from({ length: n }, (_, i) => server.url(i)));
}

function statusCounts(lines: Array<Record<string, any>>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of lines) {
    const key = String(line.error?.code ?? line.status);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

describe('many distinct hosts', () => {
  it('holds each child to concurrency + 128 connections, where keep-alive alone would keep one per host', async () => {
    const server = track(await startManyHostServer());
    const result = await runCli([hostList(server, 600), '--procs', '1', '--concurrency', '8'], { env: NO_PROXY_ENV, timeoutMs: 30_000 });
    expect(statusCounts(result.lines)).toEqual({ 200: 600 });
    expect(server.accepted).toBe(600);
    // The budget is 8 + 128; a few more may show while the server has yet to see closes in flight.
    expect(server.peak).toBeLessThanOrEqual(8 + 128 + 8);
  });

  it('fits the budget to a low descriptor limit (ulimit -n 64): no EMFILE', async () => {
    const server = track(await startManyHostServer());
    const result = await runCli([hostList(server, 400), '--procs', '2', '--concurrency', '8'], {
      env: NO_PROXY_ENV,
      via: ['prlimit', '--nofile=64:64'],
      timeoutMs: 30_000,
    });
    expect(statusCounts(result.lines)).toEqual({ 200: 400 });
    expect(result.stderr).not.toMatch(/warning/);
  });

  it('says on stderr when the descriptor limit holds a child below --concurrency, and still answers every record', async () => {
    const server = track(await startManyHostServer());
    const result = await runCli([hostList(server, 100), '--procs', '1', '--concurrency', '200', '-q'], {
      env: NO_PROXY_ENV,
      via: ['prlimit', '--nofile=64:64'],
      timeoutMs: 30_000,
    });
    expect(statusCounts(result.lines)).toEqual({ 200: 100 });
    expect(result.stderr).toBe('bulkfetch: warning: ulimit -n is 64: a process can hold about 8 connections, fewer than --concurrency 200, so it runs that many requests at a time (raise it: ulimit -n 1024)\n');
  });

  it('below --concurrency connections, a child runs as many requests as it can hold connections: the rest wait as records, not inside attempts with --timeout running', async () => {
    const server = track(await startHttpServer(async (_req, res, ctx) => {
      if (await ctx.delay(300)) res.end('ok');
    }));
    const result = await runCli([writeTempFile(Array.from({ length: 100 }, (_, i) => `${server.url}/d${i}`)), '--procs', '1', '--concurrency', '200', '--timeout', '1.5s', '-q'], {
      env: NO_PROXY_ENV,
      via: ['prlimit', '--nofile=64:64'],
      timeoutMs: 60_000,
    });
    // About 8 connections, 300 ms a request: the records past the first 40 ran out of --timeout waiting for one,
    // three times each, and were ETIMEDOUT "after the request went out" with attempts 3.
    expect(result.lines.map((l) => [l.status, l.attempts]).filter(([status, attempts]) => status !== 200 || attempts !== 1)).toEqual([]);
    expect(server.requests).toBe(100);
  });

  it('with --save, counts the file each body streams to beside its connection: no ESAVE EMFILE at a low descriptor limit, and says so', async () => {
    // Bodies that take a while, so that many files are open at once.
    const server = track(await startHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(Buffer.alloc(32 * 1024, 'a'));
      setTimeout(() => res.end(Buffer.alloc(32 * 1024, 'b')), 150);
    }));
    const dir = tempDir();
    const result = await runCli([writeTempFile(Array.from({ length: 600 }, (_, i) => `${server.url}/s${i}`)), '--save', dir, '--procs', '1', '--concurrency', '150'], {
      env: NO_PROXY_ENV,
      via: ['prlimit', '--nofile=256:256'],
      timeoutMs: 60_000,
    });
    expect(statusCounts(result.lines)).toEqual({ 200: 600 });
    expect(result.stderr).toContain('a process can hold about 100 connections (each with the --save file its body goes to), fewer than --concurrency 150');
  });

  it('refuses --procs past what the descriptor limit lets the parent hold: exit 2 and one line, where a fork failed with a stack trace', async () => {
    const server = track(await startManyHostServer());
    const result = await runCli([hostList(server, 200), '--procs', '16', '-q'], { env: NO_PROXY_ENV, via: ['prlimit', '--nofile=80:80'] });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    // After the warning that 16 is many for the CPUs here, where there are few.
    expect(result.stderr.trimEnd().split('\n').at(-1)).toMatch(/^bulkfetch: ulimit -n is 80: too few descriptors for --procs 16, /);
    expect(server.accepted).toBe(0);
  });

  it('retries attempts that find no descriptor (the limit lowered under a running child), never failing them', async () => {
    const server = track(await startManyHostServer(20));
    // On stdin (no pass over the input, so no last-use marks): idle connections pile up as the budget allows,
    // which is what makes descriptors run short below.
    const urls = Array.from({ length: 1000 }, (_, i) => server.url(i)).join('\n') + '\n';
    const child = spawnCli(['-', '--procs', '1', '--concurrency', '10'], { env: NO_PROXY_ENV, stdin: urls });
    const done = collectOutput(child);
    const parent = child.pid as number;
    let worker = 0;
    await waitFor(() => {
      worker = processTree(parent)[0] ?? 0;
      return worker !== 0 && server.open >= 60;
    });
    // Leaves room for a few more connections than are open now: the child's budget thinks it has 1000s.
    const before = openFds(worker) ?? 0;
    execFileSync('prlimit', [`--pid=${worker}`, `--nofile=${before + 20}:${before + 20}`]);
    const result = await done;
    // Without the retry, about 900 records end with EMFILE here.
    expect(statusCounts(result.lines)).toEqual({ 200: 1000 });
  }, 40_000);

  it('closes a host\'s connection once its last request in the file is answered: no idle connections held', async () => {
    const server = track(await startManyHostServer(30));
    const result = await runCli([hostList(server, 400), '--procs', '2', '--concurrency', '4'], { env: NO_PROXY_ENV, timeoutMs: 40_000 });
    expect(statusCounts(result.lines)).toEqual({ 200: 400 });
    expect(server.accepted).toBe(400);
    // Connections in use (2 x 4) plus those whose close the server has yet to see (16 in all seen beside a full
    // suite and a CPU hog). Without the marks every child keeps its idle connections (up to 4 + 128) until the
    // budget needs the room: 265 at the server.
    expect(server.peak).toBeLessThanOrEqual(2 * 4 + 32);
    // Each connection closes right after its response, not at the budget's or the run's end.
    const lingers = [...server.lingers].sort((a, b) => a - b);
    expect(lingers.length).toBeGreaterThan(300);
    expect(lingers[Math.floor(lingers.length / 2)]).toBeLessThan(500);
  });

  it('keeps the connections of hosts that come again: far fewer connections than requests', async () => {
    const server = track(await startManyHostServer(5));
    const hosts = 20;
    const rounds = 20;
    // Round-robin: each host comes back every 20 records, with a path of its own each time (no cache hit).
    const urls = Array.from({ length: hosts * rounds }, (_, i) => `${server.url(i % hosts)}-${Math.floor(i / hosts)}`);
    const result = await runCli([writeTempFile(urls), '--procs', '2', '--concurrency', '4'], { env: NO_PROXY_ENV, timeoutMs: 40_000 });
    expect(statusCounts(result.lines)).toEqual({ 200: hosts * rounds });
    // About one or two connections per host and child; a connection per request would be 400.
    expect(server.accepted).toBeLessThanOrEqual((hosts * rounds) / 4);
  });
});

describe('many distinct https hosts through an HTTP proxy', () => {
  it('holds the CONNECT tunnels to the socket budget too: no EMFILE at a low descriptor limit', async () => {
    const { key, cert } = testCert();
    const server = createHttpsServer({ key, cert }, (_req, res) => res.end('ok'));
    server.keepAliveTimeout = 60_000;
    const closer = socketCloser(server);
    // 0.0.0.0 answers on every loopback address; the proxy refuses any other target.
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    track({ close: () => closer.close() });
    const { port } = server.address() as AddressInfo;
    const proxy = track(await startProxyServer());
    const urls = Array.from({ length: 300 }, (_, i) => `https://${loopbackHost(i)}:${port}/${i}`);
    // Each origin's tunnels were kept alive outside the budget: the child held hundreds, and records failed EMFILE.
    const result = await runCli([writeTempFile(urls), '-x', proxy.url, '-k', '--procs', '1', '--concurrency', '8', '-q'], {
      env: NO_PROXY_ENV,
      via: ['prlimit', '--nofile=64:64'],
      timeoutMs: 60_000,
    });
    expect(statusCounts(result.lines)).toEqual({ 200: 300 });
    // Each through the proxy (a tunnel an origin, and a few more where one was lost and made again).
    expect(proxy.connects).toBeGreaterThanOrEqual(300);
  });
});
