// Lists where nearly every URL has a host of its own: each child's connections stay within its
// socket budget, and running out of file descriptors is retried, not reported as the host's failure.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach, collectOutput, openFds, processTree, runCli, spawnCli, startManyHostServer, writeTempFile, type ManyHostServer } from '../helpers/index.js';
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
  });

  it('retries attempts that find no descriptor (the limit lowered under a running child), never failing them', async () => {
    const server = track(await startManyHostServer(20));
    const child = spawnCli([hostList(server, 1000), '--procs', '1', '--concurrency', '10'], { env: NO_PROXY_ENV });
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
});
