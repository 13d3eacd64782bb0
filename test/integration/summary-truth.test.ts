// The summary tells the truth about the run (issue 11): counts add up, and a
// stopped run says so, how much was not read, and the command that continues it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_PATH, cleanupAfterEach, collectOutput, killGroup, runCli, spawnCli, startHttpServer, tempDir, writeTempFile } from '../helpers/index.js';
import { waitFor } from './support.js';

const track = cleanupAfterEach();

describe('summary counts', () => {
  it('records = sent + cached + invalid; blank lines and retries are listed apart', async () => {
    let failedOnce = false;
    const server = track(
      await startHttpServer((req, res) => {
        if (req.url === '/flaky' && !failedOnce) {
          failedOnce = true;
          res.statusCode = 503;
        }
        res.end('ok');
      }),
    );
    const dir = tempDir();
    const input = writeTempFile([`${server.url}/a`, `${server.url}/a`, `${server.url}/flaky`, '', '# note', 'http://bad host/', `${server.url}/b`]);
    const result = await runCli([input, '--procs', '1', '--retry-delay', '1ms', '--summary', join(dir, 's.json')]);
    expect(result.code).toBe(0);
    const summary = JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'));
    expect(summary).toMatchObject({ records: 5, sent: 3, cached: 1, invalid: 1, requests: 4, retries: 1, skipped: { blank: 2, resumed: 0, otherShards: 0 }, stoppedBy: null });
    expect(result.stderr).toContain('records     5 = 3 sent + 1 cached + 1 invalid');
    expect(result.stderr).toContain('skipped     2 blank/comment lines');
    expect(result.stderr).toContain('4 HTTP requests (1 of them retries)');
  });

  it('counts redirect hops apart from retries, also for a cached record', async () => {
    const server = track(
      await startHttpServer((req, res) => {
        if (req.url === '/hop2') {
          res.writeHead(302, { location: '/hop1' }).end();
          return;
        }
        if (req.url === '/hop1') {
          res.writeHead(307, { location: '/end' }).end();
          return;
        }
        res.end('ok');
      }),
    );
    const dir = tempDir();
    const input = writeTempFile([`${server.url}/hop2`, `${server.url}/hop1`, `${server.url}/hop2`]);
    const result = await runCli([input, '-L', '--procs', '1', '--cache', 'on', '--summary', join(dir, 's.json')]);
    expect(result.code).toBe(0);
    // hop2: 3 requests, hop1: 2, the repeat of hop2 from the cache: none.
    expect(JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'))).toMatchObject({ records: 3, cached: 1, requests: 5, retries: 0, redirects: 3 });
    expect(result.stderr).toContain('5 HTTP requests (0 of them retries, 3 redirects)');
  });
});

describe('--summary -', () => {
  it('writes the summary JSON to stdout when -o FILE takes the results, and is a usage error otherwise', async () => {
    const server = track(await startHttpServer());
    const input = writeTempFile([`${server.url}/a`, `${server.url}/b`]);
    const output = join(tempDir(), 'out.ndjson');
    const result = await runCli([input, '-q', '-o', output, '--summary', '-']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ records: 2, sent: 2, requests: 2 });
    expect(readFileSync(output, 'utf8').trim().split('\n')).toHaveLength(2);
    const refused = await runCli([input, '--summary', '-']);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr.trim()).toBe('bulkfetch: --summary - writes the summary to stdout, which carries the result lines here: give -o FILE for the results, or --summary FILE');
    // An empty name (an unset shell variable) is refused before the run, not after it.
    const empty = await runCli([input, '-o', output, '--summary', '']);
    expect(empty.code).toBe(2);
    expect(empty.stderr.trim()).toBe('bulkfetch: Expected --summary to be a file name, got "" (an empty file name: an unset shell variable?)');
    // -o and the input the same: they said ENOENT, or "no such file", without the likely why.
    const emptyOutput = await runCli([input, '-o', '']);
    expect([emptyOutput.code, emptyOutput.stderr]).toEqual([2, 'bulkfetch: Expected -o to be a file name, got "" (an empty file name: an unset shell variable?)\n']);
    const emptyInput = await runCli(['']);
    expect([emptyInput.code, emptyInput.stderr]).toEqual([2, 'bulkfetch: Expected an input file name, got "" (an empty file name: an unset shell variable?)\n']);
    expect(server.requests).toBe(2);
  });
});

describe('a stopped run', () => {
  it("counts a sent record whose retry waited for its grant (--rate) at the stop: attempts and ms as sent, requests as the server saw them", async () => {
    const server = track(await startHttpServer((_req, res) => void res.writeHead(500).end('x')));
    const dir = tempDir();
    const output = join(dir, 'out.ndjson');
    const input = writeTempFile([1, 2, 3].map((i) => `${server.url}/r${i}`));
    // A grace of 400 ms ends between grants, a second apart: with 1 s it ended as the next grant came, and whether
    // that attempt went out (and reached the server before the abort) was the scheduler's choice.
    const child = spawnCli([input, '-o', output, '--procs', '1', '--rate', '1', '--retry-delay', '1ms', '--grace', '400ms', '--summary', join(dir, 's.json'), '-q']);
    const done = collectOutput(child);
    await waitFor(() => server.requests >= 2);
    killGroup(child.pid as number, 'SIGINT');
    expect((await done).code).toBe(130);
    const lines = readFileSync(output, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { attempts: number; ms: number; error: { code: string } | null });
    expect(lines).toHaveLength(3);
    // Before: a sent record waiting for its retry's grant read attempts 0, ms 0 (as if never sent), and requests fell short.
    for (const line of lines.filter((each) => each.error?.code === 'EABORTED')) expect([line.attempts > 0, line.ms > 0]).toEqual([true, true]);
    const attempts = lines.reduce((sum, line) => sum + line.attempts, 0);
    expect(attempts).toBe(server.requests);
    expect(JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'))).toMatchObject({ requests: server.requests });
  }, 30_000);

  it('says why, how many lines were not read, and the command that continues it to the end', async () => {
    let delayMs = 100;
    const server = track(
      await startHttpServer(async (req, res, ctx) => {
        if (await ctx.delay(delayMs)) res.end(req.url);
      }),
    );
    const dir = tempDir();
    const n = 300;
    const input = writeTempFile(Array.from({ length: n }, (_, i) => `${server.url}/r${i + 1}`));
    const output = join(dir, 'out.ndjson');
    const child = spawnCli([input, '-o', output, '--procs', '1', '--concurrency', '2', '--grace', '20s', '--summary', join(dir, 's.json')]);
    const done = collectOutput(child);
    await waitFor(() => server.requests >= 4);
    killGroup(child.pid as number, 'SIGINT');
    const stopped = await done;
    expect(stopped.code).toBe(130);
    const notRead = Number(/by SIGINT: ([\d,]+) input lines were not read/.exec(stopped.stderr)?.[1]?.replaceAll(',', ''));
    const written = readFileSync(output, 'utf8').split('\n').filter(Boolean).length;
    expect(notRead).toBe(n - written);
    expect(JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'))).toMatchObject({ stoppedBy: 'stop', notRead });
    // Started by its path, not as `bulkfetch` on PATH: the command names the path, so that it runs as printed.
    const command = /continue\s+(\S+ .*)$/m.exec(stopped.stderr)?.[1];
    expect(command).toBe(`${CLI_PATH} ${input} -o ${output} --procs 1 --concurrency 2 --grace 20s --summary ${join(dir, 's.json')} --resume`);

    delayMs = 0;
    const resumed = await runCli((command as string).split(' ').slice(1), { timeoutMs: 60_000 });
    expect(resumed.code).toBe(0);
    const lines = readFileSync(output, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { line: number });
    expect(new Set(lines.map((l) => l.line)).size).toBe(n);
    expect(lines).toHaveLength(n);
  }, 60_000);
});
