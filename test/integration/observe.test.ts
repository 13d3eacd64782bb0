// Progress, the summary, --ordered and --shard, through the built CLI against a real local server.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { cleanupAfterEach, delay, json, runCli, startHttpServer, tempDir, writeTempFile, type TestServer } from '../helpers/index.js';

const track = cleanupAfterEach();
let server: TestServer;

beforeEach(async () => {
  // Latency by path: /slow/ 150 ms, /status/N answers N, /drop/ closes the connection, else 0-20 ms.
  server = await track(startHttpServer(async (req, res) => {
    const path = req.url ?? '/';
    if (path.startsWith('/drop/')) {
      req.socket.destroy();
      return;
    }
    await delay(path.startsWith('/slow/') ? 150 : Number(/n=(\d+)/.exec(path)?.[1] ?? 0) % 20);
    const status = Number(/^\/status\/(\d+)/.exec(path)?.[1] ?? 200);
    json(res, status, { path });
  }));
});

describe('summary', () => {
  it('writes exactly the documented keys to --summary FILE, and a summary on stderr', async () => {
    const lines = [
      ...Array.from({ length: 60 }, (_, i) => `${server.url}/item?n=${i % 20}`), // 40 repeats
      `${server.url}/status/404`,
      `${server.url}/status/500`,
      `${server.url}/drop/1`,
      'not a url',
      '',
      '# comment',
    ];
    const summaryPath = join(tempDir(), 'summary.json');
    const result = await runCli([writeTempFile(lines), '--procs', '2', '--summary', summaryPath]);
    expect(result.code).toBe(0);
    expect(result.lines).toHaveLength(64);
    const summary = JSON.parse(readFileSync(summaryPath, 'utf8'));
    expect(Object.keys(summary).sort()).toEqual(
      ['records', 'sent', 'notSent', 'invalid', 'skipped', 'stoppedBy', 'requests', 'cached', 'errors', 'status', 'errorCodes', 'retries', 'redirects', 'http2Resent', 'resent', 'elapsedMs', 'rps', 'latencyMs', 'hosts', 'shards', 'cache'].sort(),
    );
    expect(summary.records).toBe(64);
    expect(summary.sent + summary.cached + summary.invalid + summary.notSent).toBe(summary.records);
    expect(summary.notSent).toBe(0);
    expect(summary.cached).toBe(40);
    expect(summary.cache).toMatchObject({ mode: 'auto', enabled: true, basis: 'file', hits: 40 });
    expect(summary.requests).toBe(server.requests);
    expect(summary.status).toMatchObject({ '200': 60, '404': 1, '500': 1 });
    expect(summary.errorCodes).toMatchObject({ EINVALIDURL: 1 });
    expect(summary.errors).toBe(2);
    expect(Object.keys(summary.latencyMs)).toEqual(['p50', 'p90', 'p99', 'max']);
    expect(summary.latencyMs.max).toBeGreaterThanOrEqual(summary.latencyMs.p99);
    expect(summary.latencyMs.p99).toBeGreaterThanOrEqual(summary.latencyMs.p50);
    // 404, 500 and the dropped connection, all on the one host.
    expect(summary.hosts).toEqual([{ host: `127.0.0.1:${server.port}`, errors: 3 }]);
    expect(result.stderr).toContain('bulkfetch summary');
    expect(result.stderr).toContain('EINVALIDURL 1');
    // Progress is off by default when stderr is not a terminal.
    expect(result.stderr).not.toMatch(/lines \|/);
  });

  it('merges latency across children exactly: the percentiles of all records, not an average of children', async () => {
    // 5 % of records take 150 ms, spread over three children.
    const lines = Array.from({ length: 200 }, (_, i) => (i % 20 === 0 ? `${server.url}/slow/${i}` : `${server.url}/fast/${i}?n=0`));
    const summaryPath = join(tempDir(), 'summary.json');
    const result = await runCli([writeTempFile(lines), '--procs', '3', '--summary', summaryPath, '-q']);
    expect(result.code).toBe(0);
    const { latencyMs } = JSON.parse(readFileSync(summaryPath, 'utf8'));
    // The exact percentiles of every fetched record's `ms`, from the output itself.
    const ms = result.lines.filter((r) => r.attempts > 0).map((r) => r.ms as number).sort((a, b) => a - b);
    const exact = (p: number) => ms[Math.ceil((p / 100) * ms.length) - 1]!;
    for (const p of [50, 90, 99] as const) {
      expect(latencyMs[`p${p}`]).toBeGreaterThanOrEqual(exact(p) - 0.05);
      expect(latencyMs[`p${p}`]).toBeLessThanOrEqual(exact(p) * (1 + 1 / 128) + 0.1);
    }
    expect(latencyMs.max).toBeCloseTo(ms[ms.length - 1]!, 1);
    expect(latencyMs.p99).toBeGreaterThanOrEqual(145);
  });

  it('--quiet prints nothing on stderr', async () => {
    const result = await runCli([writeTempFile([`${server.url}/a`]), '--procs', '1', '--quiet']);
    expect(result.code).toBe(0);
    expect(result.lines).toHaveLength(1);
    expect(result.stderr).toBe('');
  });
});

describe('progress', () => {
  it('--progress off a terminal prints plain lines with the total, no escape codes or carriage returns', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => `${server.url}/slow/${i}`);
    const result = await runCli([writeTempFile(lines), '--procs', '1', '--concurrency', '2', '--progress']);
    expect(result.code).toBe(0);
    const progress = result.stderr.split('\n').filter((l) => l.includes(' lines'));
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress[progress.length - 1]).toContain('40/40 lines 100.0%');
    expect(result.stderr).toMatch(/req\/s \| 0 errors \| 0 cached/);
    expect(result.stderr).not.toMatch(/[\r\x1b]/);
  });

  it('--no-progress wins over nothing, and --progress with stdin shows no total', async () => {
    const off = await runCli(['-', '--procs', '1', '--no-progress'], { stdin: `${server.url}/a\n` });
    expect(off.stderr).not.toMatch(/lines \|/);
    const stdin = await runCli(['-', '--procs', '1', '--progress'], { stdin: `${server.url}/a\n` });
    expect(stdin.stderr).toMatch(/bulkfetch 1 lines \|/);
    expect(stdin.stderr).not.toContain('ETA');
  });
});

describe('--ordered', () => {
  it('writes results in input order through a small reorder buffer', async () => {
    // Early records are slow, later ones fast: completion order is far from input order.
    const lines = Array.from({ length: 150 }, (_, i) => (i % 10 === 0 ? `${server.url}/slow/${i}` : `${server.url}/x/${i}?n=${i}`));
    lines.splice(5, 0, 'not a url', '');
    const result = await runCli([writeTempFile(lines), '--procs', '2', '--ordered', '--reorder-buffer', '16', '-q']);
    expect(result.code).toBe(0);
    const order = result.lines.map((l) => l.line as number);
    expect(order).toHaveLength(151);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    // A record held back while the buffer was full is routed again as itself.
    for (const record of result.lines) if (record.status === 200) expect(record.url).toBe(lines[(record.line as number) - 1]);
    expect(result.lines.filter((record) => record.status === 200)).toHaveLength(150);
  });

  it('without it, results come in completion order', async () => {
    const lines = [`${server.url}/slow/1`, ...Array.from({ length: 20 }, (_, i) => `${server.url}/x/${i}`)];
    const result = await runCli([writeTempFile(lines), '--procs', '1', '-q']);
    expect(result.lines[0]?.line).not.toBe(1);
  });
});

describe('--shard K/N', () => {
  it('N runs cover every record exactly once, and repeats stay in one shard', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 300; i++) lines.push(`${server.url}/item/${i % 120}`);
    lines.push('not a url', '{"url": 5}', '', '# c', 'ftp://x.example/');
    const file = writeTempFile(lines);
    const n = 3;
    const seen = new Map<number, number>();
    const shardOfUrl = new Map<string, number>();
    for (let k = 0; k < n; k++) {
      const result = await runCli([file, '--shard', `${k}/${n}`, '--procs', '2', '-q', '--body', 'none', '--no-headers']);
      expect(result.code).toBe(0);
      expect(result.lines.length).toBeGreaterThan(0);
      for (const r of result.lines) {
        seen.set(r.line, (seen.get(r.line) ?? 0) + 1);
        if (r.error === null) {
          expect(shardOfUrl.get(r.url) ?? k).toBe(k);
          shardOfUrl.set(r.url, k);
        }
      }
    }
    const records = lines.map((l, i) => [l, i + 1] as const).filter(([l]) => l !== '' && !l.startsWith('#'));
    expect([...seen.keys()].sort((a, b) => a - b)).toEqual(records.map(([, i]) => i));
    expect([...seen.values()].every((c) => c === 1)).toBe(true);
    // Each distinct URL was fetched once, by its own shard's cache.
    expect(server.requests).toBe(120);
  });

  it('refuses a shard outside 0 <= K < N', async () => {
    for (const bad of ['3/3', '-1/2']) {
      const result = await runCli([writeTempFile([`${server.url}/a`]), '--shard', bad]);
      expect(result.code).toBe(2);
      expect(result.lines).toHaveLength(0);
    }
  });
});
