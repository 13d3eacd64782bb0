// Global limits as the SERVER sees them: several child processes, one count.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupTemp, json, killAllCli, runCli, startHttpServer, writeTempFile, type TestServer } from '../helpers/index.js';

const servers: TestServer[] = [];
afterEach(async () => {
  killAllCli();
  await Promise.all(servers.splice(0).map((s) => s.close()));
  cleanupTemp();
});

async function server(handler: Parameters<typeof startHttpServer>[0]): Promise<TestServer> {
  const s = await startHttpServer(handler);
  servers.push(s);
  return s;
}

/** Urls alternating between servers, distinct paths so they hash over every child. */
function interleave(count: number, ...bases: string[]): string[] {
  const urls: string[] = [];
  for (let i = 0; i < count; i++) for (const base of bases) urls.push(`${base}/r${i}`);
  return urls;
}

/** Most arrivals in any window of `windowMs`. */
function busiestWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let start = 0, end = 0; end < sorted.length; end++) {
    while ((sorted[end] as number) - (sorted[start] as number) >= windowMs) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

const slow = (ms: number) => async (_req: unknown, res: Parameters<typeof json>[0], ctx: { delay(ms: number): Promise<boolean> }) => {
  if (await ctx.delay(ms)) json(res, 200, { ok: true });
};

describe('global limits, over 4 processes', () => {
  it('--per-host-concurrency caps what each server sees in flight', async () => {
    const a = await server(slow(150));
    const b = await server(slow(150));
    const input = writeTempFile(interleave(16, a.url, b.url));
    const run = await runCli([input, '--procs', '4', '--per-host-concurrency', '2']);
    expect(run.code).toBe(0);
    expect(run.lines).toHaveLength(32);
    expect(run.lines.every((l) => l.status === 200)).toBe(true);
    expect(a.maxConcurrent).toBe(2);
    expect(b.maxConcurrent).toBe(2);
  });

  it('without it the same run exceeds the cap (so the test above can fail)', async () => {
    const a = await server(slow(300));
    const input = writeTempFile(interleave(16, a.url));
    const run = await runCli([input, '--procs', '4']);
    expect(run.code).toBe(0);
    expect(a.maxConcurrent).toBeGreaterThan(2);
  });

  it('--rate holds over all processes and hosts together, measured over more than 3 s', async () => {
    const a = await server(slow(0));
    const b = await server(slow(0));
    const input = writeTempFile(interleave(20, a.url, b.url));
    const run = await runCli([input, '--procs', '4', '--rate', '10'], { timeoutMs: 30_000 });
    expect(run.code).toBe(0);
    expect(run.lines).toHaveLength(40);
    const times = [...a.times, ...b.times];
    expect(times).toHaveLength(40);
    // 40 at 10/s with a burst of 1: the last starts 3.9 s after the first.
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThan(3500);
    // 10 a second plus the burst, plus slack for IPC delivery on a loaded machine;
    // a limit per process would let about 40 through in the first second.
    expect(busiestWindow(times, 1000)).toBeLessThanOrEqual(14);
  });

  it('a 429 with Retry-After pauses that host only, for the time it asked', async () => {
    const refusing = await server((_req, res, ctx) => {
      if (ctx.index === 0) json(res, 429, { slow: 'down' }, { 'retry-after': '2' });
      else json(res, 200, { ok: true });
    });
    const other = await server(slow(10));
    const urls = [`${refusing.url}/first`, ...interleave(12, other.url, refusing.url)];
    const run = await runCli([writeTempFile(urls), '--procs', '2', '--per-host-concurrency', '1']);
    expect(run.code).toBe(0);
    expect(run.lines).toHaveLength(25);
    const [refusedAt, ...later] = refusing.times as [number, ...number[]];
    expect(later.length).toBeGreaterThanOrEqual(12);
    // Retry-After: 2 is 2000 ms; the next attempt to that host came no sooner.
    expect(Math.min(...later) - refusedAt).toBeGreaterThanOrEqual(1950);
    // Meanwhile the other host went on.
    expect(other.times.filter((t) => t > refusedAt && t < refusedAt + 1950).length).toBeGreaterThanOrEqual(4);
  });

  it('a 503 without Retry-After slows that host down on its own', async () => {
    const refusing = await server((_req, res, ctx) => {
      if (ctx.index === 0) json(res, 503, { busy: true });
      else json(res, 200, { ok: true });
    });
    const urls = [`${refusing.url}/first`, ...interleave(4, refusing.url)];
    const run = await runCli([writeTempFile(urls), '--procs', '2', '--per-host-concurrency', '1']);
    expect(run.code).toBe(0);
    const [refusedAt, ...later] = refusing.times as [number, ...number[]];
    // The first backoff is 1000 ms.
    expect(Math.min(...later) - refusedAt).toBeGreaterThanOrEqual(950);
  });

  it.each([
    ['--rate', '0'],
    ['--rate', 'fast'],
    ['--per-host-rate', '-1'],
    ['--per-host-concurrency', '1.5'],
  ])('%s %s is a usage error', async (flag, value) => {
    const run = await runCli([flag, value], { stdin: '' });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
  });
});
