// The library API, `bulkfetch analyze`, and `npm run demo`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { beforeEach, describe, expect, it } from 'vitest';
import { bulkfetch, UsageError, type Result } from 'bulkfetch';
import { cleanupAfterEach, runCli, startHttpServer, tempDir, writeTempFile, type TestServer } from '../helpers/index.js';
import { parseRecord } from '../../src/input/parse-record.js';
import { hashRequest, shardOf } from '../../src/input/request-key.js';

const track = cleanupAfterEach();
let server: TestServer;

beforeEach(async () => {
  server = await track(startHttpServer());
});

describe("import { bulkfetch } from 'bulkfetch'", () => {
  it('yields one typed result per record, with the CLI options, and a summary', async () => {
    const records = [`${server.url}/a`, `${server.url}/a`, { url: `${server.url}/b`, id: 'b' }, 'not a url'];
    const run = bulkfetch(records, { procs: 2, concurrency: 4, ordered: true });
    const results: Result[] = [];
    for await (const result of run) results.push(result);
    expect(results.map((r) => r.line)).toEqual([1, 2, 3, 4]);
    expect(results[0]).toMatchObject({ status: 200, ok: true, body: { path: '/a' } });
    expect(results[1]?.cached).toBe(true);
    expect(results[2]?.id).toBe('b');
    expect(results[3]?.error?.code).toBe('EINVALIDURL');
    const summary = await run.summary;
    expect(summary).toMatchObject({ records: 4, requests: 2, cached: 1, errors: 1 });
  });

  it('reads a file path, and stops the run when the loop is left early', async () => {
    const file = writeTempFile(Array.from({ length: 500 }, (_, i) => `${server.url}/item/${i}`));
    let seen = 0;
    for await (const result of bulkfetch(file, { procs: 1, concurrency: 2 })) {
      expect(result.status).toBe(200);
      if (++seen === 3) break;
    }
    const requestsAtBreak = server.requests;
    await new Promise((r) => setTimeout(r, 300));
    // Nothing keeps fetching: at most what was in flight finishes.
    expect(server.requests).toBeLessThan(500);
    expect(server.requests - requestsAtBreak).toBeLessThanOrEqual(10);
  });

  it('stops a short run whose every record is with the children when the loop is left', async () => {
    // 40 answers of 500 ms, 2 at a time: 10 s to fetch them all, and all 40 go to the child at once.
    const slow = await track(startHttpServer((req, res) => void setTimeout(() => res.end(req.url), 500)));
    const records = Array.from({ length: 40 }, (_, i) => `${slow.url}/s/${i}`);
    let left = 0;
    for await (const result of bulkfetch(records, { procs: 1, concurrency: 2 })) {
      expect(result.status).toBe(200);
      left = Date.now();
      break;
    }
    // Leaving the loop waits for the run to end: it ends at once, not after the 39 left (some 9.7 s). Timed from the
    // break: a bound from the call also held a loaded machine's child start-up.
    expect(Date.now() - left).toBeLessThan(4_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(slow.requests).toBeLessThan(20);
  });

  it('answers every record it took from a generator, the read-ahead too, when its AbortSignal stops it', async () => {
    // The run reads a generator ahead in chunks of 1,024: stopped, some thousands taken from it had no result,
    // gone where the program could not take them again, and uncounted.
    let taken = 0;
    function* records(): Generator<string> {
      for (let i = 0; i < 100_000; i++) {
        taken += 1;
        yield `${server.url}/g/${i}`;
      }
    }
    const abort = new AbortController();
    const run = bulkfetch(records(), { procs: 2, concurrency: 8, signal: abort.signal });
    const lines = new Set<number>();
    for await (const result of run) {
      if (lines.size === 500) abort.abort();
      expect(lines.has(result.line)).toBe(false);
      lines.add(result.line);
    }
    expect(taken).toBeGreaterThan(1_024);
    expect(taken).toBeLessThan(100_000);
    expect(lines.size).toBe(taken);
    expect(Math.max(...lines)).toBe(taken);
    const summary = await run.summary;
    expect(summary).toMatchObject({ records: taken, stoppedBy: 'stop' });
    expect(summary.sent + summary.cached + summary.invalid + summary.notSent).toBe(taken);
    // With a shard: the records taken that are another machine's get no result, stopped or not.
    taken = 0;
    const sharded = new AbortController();
    const mine: number[] = [];
    for await (const result of bulkfetch(records(), { procs: 2, concurrency: 8, signal: sharded.signal, shard: { index: 0, count: 2 } })) {
      if (mine.length === 300) sharded.abort();
      mine.push(result.line);
    }
    const inShard = (line: number): boolean => {
      const parsed = parseRecord(`${server.url}/g/${line - 1}`, line);
      return parsed.kind === 'request' && shardOf(hashRequest(parsed.spec), 2) === 0;
    };
    expect(mine.filter((line) => !inShard(line))).toEqual([]);
    expect(mine.length).toBe(Array.from({ length: taken }, (_, i) => i + 1).filter(inShard).length);
  });

  it('stops at its AbortSignal as a second Ctrl-C does: a line for every record, ENOTSENT for those not begun', async () => {
    // Answers held 2 s: the bound below holds only while the abort reaches the child before the next answers come
    // (300 ms left no room on a loaded machine).
    const slow = await track(startHttpServer((req, res) => void setTimeout(() => res.end(req.url), 2_000)));
    const records = Array.from({ length: 40 }, (_, i) => `${slow.url}/s/${i}`);
    const abort = new AbortController();
    const run = bulkfetch(records, { procs: 1, concurrency: 2, signal: abort.signal });
    const codes: Record<string, number> = {};
    const lines = new Set<number>();
    for await (const result of run) {
      if (lines.size === 0) abort.abort();
      lines.add(result.line);
      const code = result.error?.code ?? String(result.status);
      codes[code] = (codes[code] ?? 0) + 1;
    }
    // Every record has its line once; those in flight at the abort are EABORTED (or answered first), the rest were never sent.
    expect(lines.size).toBe(40);
    const notSent = codes.ENOTSENT ?? 0;
    expect(notSent).toBeGreaterThanOrEqual(36);
    expect((codes['200'] ?? 0) + (codes.EABORTED ?? 0) + notSent).toBe(40);
    // One begun as the first answer freed its slot may be aborted before its connection carried it.
    expect(slow.requests).toBeLessThanOrEqual(40 - notSent);
    const summary = await run.summary;
    expect(summary).toMatchObject({ records: 40, sent: 40 - notSent, notSent, requests: 40 - notSent, stoppedBy: 'stop' });
  });

  it('says in its summary that a loop left early stopped the run, with the records it never sent as not sent', async () => {
    // Answers held 1 s: each answer frees a slot for another record, so the bound below holds only while the stop
    // reaches the children within the hold (200 ms was close beside a loaded suite).
    const slow = await track(startHttpServer((req, res) => void setTimeout(() => res.end(req.url), 1000)));
    const run = bulkfetch(Array.from({ length: 200 }, (_, i) => `${slow.url}/s/${i}`), { procs: 2, concurrency: 2 });
    for await (const result of run) {
      expect(result.status).toBe(200);
      break;
    }
    const summary = await run.summary;
    expect(summary.stoppedBy).toBe('stop');
    // At most 4 in flight: before, every record the children held was counted sent and EABORTED, and
    // `requests` (the attempts made) fell short of `sent`.
    expect(summary.sent).toBeLessThanOrEqual(8);
    expect(summary.notSent).toBe(summary.records - summary.sent);
    expect(summary.requests).toBe(summary.sent);
    expect(summary.errorCodes.EABORTED ?? 0).toBeLessThanOrEqual(4);
  });

  it('refuses bad options as the CLI does, with a UsageError', () => {
    expect(() => bulkfetch([], { procs: 0 })).toThrow(UsageError);
    expect(() => bulkfetch([], { shard: { index: 2, count: 2 } })).toThrow(UsageError);
    expect(() => bulkfetch('/no/such/file')).toThrow(UsageError);
  });
});

describe('bulkfetch analyze', () => {
  it('reports repetition, hosts and advice as JSON, without sending a request', async () => {
    const lines = [
      ...Array.from({ length: 30 }, (_, i) => `${server.url}/item/${i % 10}`),
      'https://other.example/x',
      'not a url',
      '',
      '# note',
    ];
    const result = await runCli(['analyze', writeTempFile(lines), '--json', '--procs', '3']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({
      records: 32,
      requests: 31,
      distinct: 11,
      duplicates: 20,
      invalid: 1,
      skipped: { blank: 1, comment: 1 },
      hosts: { count: 2 },
    });
    expect(report.duplicateRatio).toBeCloseTo(20 / 31, 3);
    expect(report.hosts.top[0].host).toBe(`127.0.0.1:${server.port}`);
    expect(report.topRequests.top[0].count).toBe(3);
    expect(report.advice.cache.worthIt).toBe(true);
    // What --cache auto would do, by the run's own planning code, for 3 processes.
    expect(report.cache).toMatchObject({ mode: 'auto', enabled: true, basis: 'file', distinct: 11 });
    expect(report.cache.repeatRatio).toBeCloseTo(20 / 31, 3);
    expect(report.cache.why).toContain('(about 11 distinct, 4 a process)');
    expect(report.advice.procs.suggested).toBeGreaterThanOrEqual(1);
    expect(server.requests).toBe(0);
  });

  it('reads stdin and prints a report for people; a missing file is a usage error', async () => {
    const text = await runCli(['analyze'], { stdin: `${server.url}/a\n${server.url}/a\n` });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/duplicates\s+1 /);
    expect(text.stdout).toContain('advice');
    expect(text.stdout).toMatch(/cache\s+--cache auto would turn the cache on: a stream/);
    expect(text.stderr).toBe('');
    // Beside a file named analyze, the subcommand still reads stdin, and says so.
    const dir = tempDir();
    writeFileSync(join(dir, 'analyze'), `${server.url}/f\n`);
    const named = await runCli(['analyze'], { stdin: `${server.url}/a\n`, cwd: dir });
    expect([named.code, named.stdout]).toEqual([0, expect.stringMatching(/records\s+1 /)]);
    expect(named.stderr).toBe('bulkfetch analyze: reading stdin; "analyze" is the subcommand, not the file of that name here (bulkfetch analyze ./analyze reads it)\n');
    // A folder of that name is no input: nothing said of it.
    const folder = join(tempDir(), 'beside-a-folder');
    mkdirSync(join(folder, 'analyze'), { recursive: true });
    expect((await runCli(['analyze'], { stdin: `${server.url}/a\n`, cwd: folder })).stderr).toBe('');
    const missing = await runCli(['analyze', '/no/such/file']);
    expect(missing.code).toBe(2);
    const badValue = await runCli(['analyze', '--procs', '0'], { stdin: '' });
    expect([badValue.code, badValue.stderr]).toEqual([2, 'bulkfetch: Expected --procs to be a positive integer, got "0"\n']);
    // A run's option is named as one, two inputs as what analyze takes: commander's words were "unknown option", "too many arguments".
    const runFlag = await runCli(['analyze', '-', '--concurrency', '5'], { stdin: '' });
    expect([runFlag.code, runFlag.stderr]).toEqual([2, "bulkfetch: unknown option '--concurrency': it is the run's option; analyze takes --json and --procs, and reads the input as a run with its defaults would\n"]);
    // Written --flag=VALUE, the value is not echoed: it may be a secret, as -u's password.
    const secret = await runCli(['analyze', '-', '--user=bob:S3CRET1'], { stdin: '' });
    expect([secret.code, secret.stderr]).toEqual([2, "bulkfetch: unknown option '--user=...': it is the run's option; analyze takes --json and --procs, and reads the input as a run with its defaults would\n"]);
    // The run's bound on --procs, not a report for 5,000 processes the run refuses; a URL named as what analyze does not read.
    const tooMany = await runCli(['analyze', '-', '--procs', '5000'], { stdin: '' });
    expect([tooMany.code, tooMany.stderr]).toEqual([2, 'bulkfetch: Expected --procs to be at most 1024 (each is a Node process of about 100 MB), got "5000"\n']);
    const url = await runCli(['analyze', 'http://127.0.0.1:1/x']);
    expect([url.code, url.stderr]).toEqual([2, "bulkfetch: Cannot read input \"http://127.0.0.1:1/x\": analyze reads a file of URLs or stdin, not URLs as arguments (printf '%s\\n' URL... | bulkfetch analyze -)\n"]);
    // A run's flag written before analyze, which takes no value: not "took it as its value", and not in the command to write.
    const quietFirst = await runCli(['-u', 'bob:S3CRET', '-q', 'analyze', writeTempFile([`${server.url}/a`])]);
    expect([quietFirst.code, quietFirst.stderr]).toEqual([2, "bulkfetch: analyze is a subcommand: write it first, its options after it (bulkfetch analyze FILE); -u bob:*** -q are options of a run, which analyze does not take\n"]);
    const jsonValue = await runCli(['analyze', '-', '--json=x'], { stdin: '' });
    expect([jsonValue.code, jsonValue.stderr]).toEqual([2, "bulkfetch: analyze's --json takes no value: give --json alone\n"]);
    // analyze's own flag written first is the run's --json with the value "analyze": it sent a POST to every URL.
    const before = server.requests;
    const flagFirst = await runCli(['--json', 'analyze', writeTempFile([`${server.url}/a`])]);
    expect([flagFirst.code, flagFirst.stderr]).toEqual([2, 'bulkfetch: analyze is a subcommand: write it first, its options after it (bulkfetch analyze FILE --json); here --json took it as its value\n']);
    expect(server.requests).toBe(before);
    const two = await runCli(['analyze', 'a.txt', 'b.txt']);
    expect([two.code, two.stderr]).toEqual([2, 'bulkfetch: Expected one input file (or - for stdin) for analyze, got 2 arguments: "a.txt" "b.txt"\n']);
    // A compressed stdin is a usage error as a compressed file is (it was exit 1), with advice for analyze.
    const packed = await runCli(['analyze', '-'], { stdin: gzipSync(`${server.url}/a\n`) });
    expect([packed.code, packed.stderr]).toEqual([2, 'bulkfetch: The input is gzip-compressed: decompress it on the way in, e.g. zcat FILE | bulkfetch analyze -\n']);
  });
});

describe('npm run demo', () => {
  it('runs the built CLI against its own local server, showing progress and the summary', async () => {
    const script = fileURLToPath(new URL('../../scripts/demo.js', import.meta.url));
    const result = await runCli([], { script, env: { DEMO_RECORDS: '400', DEMO_CLEANUP: '1' }, timeoutMs: 40_000 });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/\/401 lines/);
    expect(result.stderr).toContain('bulkfetch summary');
    expect(result.stderr).toMatch(/ESOCKETCLOSED/);
  });
});
