// The library API as a first-time caller uses it (issue 11): summary without iterating, options in the API's terms.
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bulkfetch, UsageError, type BulkfetchOptions, type RecordInput } from 'bulkfetch';
import { cleanupAfterEach, json, startHttpServer } from '../helpers/index.js';

const track = cleanupAfterEach();

describe('run.summary', () => {
  it('settles when awaited without iterating: the results are drained', async () => {
    // ~2 KB a result line, 2000 records: far more than the buffers between run and caller hold.
    const server = track(await startHttpServer((_req, res) => void res.end('x'.repeat(2000))));
    const records = Array.from({ length: 2000 }, (_, i) => `${server.url}/r${i}`);
    const run = bulkfetch(records, { procs: 1, concurrency: 20, body: 'text' });
    const summary = await Promise.race([run.summary, new Promise((resolve) => setTimeout(() => resolve('hung'), 30_000))]);
    expect(summary).toMatchObject({ records: 2000 });
  }, 40_000);

  it('taken before iterating still waits for the loop, which sees every result', async () => {
    const server = track(await startHttpServer());
    const run = bulkfetch([`${server.url}/a`, `${server.url}/b`], { procs: 1 });
    const { summary } = run;
    let seen = 0;
    for await (const result of run) seen += result.status === 200 ? 1 : 0;
    expect(seen).toBe(2);
    expect(await summary).toMatchObject({ records: 2 });
  });
});

describe('a run and its input, as a program holds them', () => {
  it('leaving the loop, or aborting, ends it while an async generator waits for its next record (it hung)', async () => {
    const server = track(await startHttpServer());
    const waiting = async function* (): AsyncGenerator<string> {
      yield `${server.url}/a`;
      await new Promise(() => {}); // a queue with no work yet
    };
    const within = <T>(promise: Promise<T>): Promise<T | 'hung'> => Promise.race([promise, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 10_000))]);
    const left = bulkfetch(waiting(), { procs: 1 });
    const broke = async (): Promise<number | null> => {
      for await (const result of left) return result.status;
      return null;
    };
    expect(await within(broke())).toBe(200);
    expect(await within(left.summary)).toMatchObject({ records: 1 });
    const aborted = bulkfetch(waiting(), { procs: 1, signal: AbortSignal.timeout(300) });
    const drained = async (): Promise<number> => {
      let seen = 0;
      for await (const _ of aborted) seen += 1;
      return seen;
    };
    expect(await within(drained())).toBe(1);
    expect(await within(aborted.summary)).toMatchObject({ records: 1, stoppedBy: 'stop' });
  }, 30_000);

  it('records the parent answers alone (a list of ftp:// URLs) leave the event loop its turns: timers, AbortSignal.timeout and progress run', async () => {
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 50);
    let progressCalls = 0;
    try {
      const records = (function* (): Generator<string> {
        for (let i = 0; i < 2_000_000; i++) yield `ftp://h.test/${i}`;
      })();
      const run = bulkfetch(records, { procs: 1, signal: AbortSignal.timeout(500), onProgress: () => (progressCalls += 1) });
      let seen = 0;
      for await (const _ of run) seen += 1;
      const summary = await run.summary;
      // Before, the two million went by as one chain of microtasks: no tick, no abort, one progress call.
      expect(summary.stoppedBy).toBe('stop');
      expect(seen).toBeLessThan(2_000_000);
      // At least one turn each beyond the first: a loaded machine (two suites at once) gave 2 ticks in the 500 ms.
      expect(ticks).toBeGreaterThan(0);
      expect(progressCalls).toBeGreaterThan(1);
    } finally {
      clearInterval(timer);
    }
  }, 60_000);

  it('an input that throws: the records it gave before are answered, then the loop and the summary fail with its error', async () => {
    const server = track(await startHttpServer());
    const thrown = new Error('the queue broke');
    async function* failingAsync(): AsyncGenerator<string> {
      yield `${server.url}/a1`;
      yield `${server.url}/a2`;
      throw thrown;
    }
    function* failingSync(): Generator<string> {
      yield `${server.url}/s1`;
      throw thrown;
    }
    for (const [input, paths] of [[failingAsync(), ['/a1', '/a2']], [failingSync(), ['/s1']]] as const) {
      const run = bulkfetch(input, { procs: 1 });
      const seen: string[] = [];
      const loop = async (): Promise<void> => {
        for await (const result of run) seen.push(`${new URL(result.url).pathname} ${result.status}`);
      };
      await expect(loop()).rejects.toBe(thrown);
      // They were dropped unsent with the chunk they were gathered in.
      expect(seen.sort()).toEqual(paths.map((path) => `${path} 200`));
      await expect(run.summary).rejects.toBe(thrown);
    }
  });

  it('an array of promises of URLs is read as for await reads it: each awaited', async () => {
    const server = track(await startHttpServer());
    const run = bulkfetch([Promise.resolve(`${server.url}/p`), `${server.url}/q`] as unknown as RecordInput[], { procs: 1, ordered: true });
    const statuses: Array<[string, number | null]> = [];
    for await (const result of run) statuses.push([new URL(result.url).pathname, result.status]);
    expect(statuses).toEqual([['/p', 200], ['/q', 200]]);
    // The records before a promise go on while it is awaited: held with it, one never settled kept them unsent.
    // Stopped once a result came, or after 10 s: a fixed 1.5 s also had to hold a loaded machine's child start-up.
    const stop = new AbortController();
    const held = bulkfetch([`${server.url}/r`, new Promise<string>(() => {})] as unknown as RecordInput[], { procs: 1, signal: AbortSignal.any([stop.signal, AbortSignal.timeout(10_000)]) });
    const seen: Array<number | null> = [];
    for await (const result of held) {
      seen.push(result.status);
      stop.abort();
    }
    expect(seen).toEqual([200]);
  });

  it("a web stream of bytes (a fetch() body) is read as text lines; an object-mode stream of Buffers fails with a UsageError, not one bogus record a chunk", async () => {
    const server = track(await startHttpServer());
    const text = `${server.url}/a\n${server.url}/b\n${server.url}/c\n`;
    const lines: number[] = [];
    for await (const result of bulkfetch(new Response(text).body as ReadableStream<Uint8Array>, { procs: 1 })) {
      expect(result.status).toBe(200);
      lines.push(result.line);
    }
    expect(lines.sort()).toEqual([1, 2, 3]);
    const bytes = bulkfetch(Readable.from([Buffer.from(text)]), { procs: 1 });
    await expect((async () => {
      for await (const _ of bytes) void _;
    })()).rejects.toThrow(/^Expected records \(URL strings or spec objects\), got bytes/);
    expect(server.requests).toBe(3);
    // Twelve runs on one signal: Node's MaxListenersExceededWarning went to the program's stderr.
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning.name);
    process.on('warning', onWarning);
    const shared = new AbortController();
    await Promise.all(Array.from({ length: 12 }, async (_, i) => {
      for await (const _result of bulkfetch([`${server.url}/s${i}`], { procs: 1, signal: shared.signal })) void _result;
    }));
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    expect(warnings).toEqual([]);
  }, 30_000);

  it('a run neither iterated nor awaited sends nothing (it sent its requests, and held the program open once its output filled)', async () => {
    const server = track(await startHttpServer());
    bulkfetch(Array.from({ length: 50 }, (_, i) => `${server.url}/r${i}`), { procs: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(server.requests).toBe(0);
  });

  it('an async onProgress that rejects stops the run as one that throws does, not as an unhandled rejection', async () => {
    const server = track(await startHttpServer((_req, res, ctx) => void ctx.delay(50).then(() => res.end('ok'), () => {})));
    const rejected = new Error('from an async onProgress');
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const run = bulkfetch(Array.from({ length: 200 }, (_, i) => `${server.url}/p${i}`), { procs: 1, concurrency: 2, onProgress: async () => { throw rejected; } });
      const loop = async (): Promise<void> => {
        for await (const _ of run) void _;
      };
      await expect(loop()).rejects.toBe(rejected);
      await expect(run.summary).rejects.toBe(rejected);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  }, 30_000);
});

describe('results read once', () => {
  it('a catch() or finally() guard on the summary before the loop leaves every result to the loop', async () => {
    const server = track(await startHttpServer());
    const run = bulkfetch(Array.from({ length: 300 }, (_, i) => `${server.url}/r${i}`), { procs: 1, concurrency: 20 });
    run.summary.catch(() => {});
    void run.summary.finally(() => {});
    // Time for a drain to take them all, as it did (the loop saw 0 of 2000 after a second).
    await new Promise((resolve) => setTimeout(resolve, 500));
    let seen = 0;
    for await (const result of run) seen += result.status === 200 ? 1 : 0;
    expect(seen).toBe(300);
    expect(await run.summary).toMatchObject({ records: 300 });
  });

  it('awaiting the summary through catch() or finally() with no loop drains the results as awaiting it does', async () => {
    // ~2 KB a result line, 2000 records: far more than the buffers hold, so a run nobody drained never ended.
    const server = track(await startHttpServer((_req, res) => void res.end('x'.repeat(2000))));
    const records = Array.from({ length: 2000 }, (_, i) => `${server.url}/r${i}`);
    const hung = new Promise((resolve) => setTimeout(() => resolve('hung'), 30_000).unref());
    const caught = bulkfetch(records, { procs: 1, concurrency: 20, body: 'text' }).summary.catch(() => 'failed');
    expect(await Promise.race([caught, hung])).toMatchObject({ records: 2000 });
    const finished = bulkfetch(records, { procs: 1, concurrency: 20, body: 'text' }).summary.finally(() => {});
    expect(await Promise.race([finished, hung])).toMatchObject({ records: 2000 });
  }, 70_000);

  it('a second loop, or a loop after the summary drained the results, is a UsageError, not an empty loop', async () => {
    const server = track(await startHttpServer());
    const run = bulkfetch([`${server.url}/a`], { procs: 1 });
    for await (const result of run) expect(result.status).toBe(200);
    await expect(async () => {
      for await (const result of run) void result;
    }).rejects.toThrow(/already read by a loop/);
    const drained = bulkfetch([`${server.url}/b`], { procs: 1 });
    await drained.summary;
    await expect(async () => {
      for await (const result of drained) void result;
    }).rejects.toThrow(/discarded: its summary was awaited/);
  });
});

describe('JSON results as exact as the line', () => {
  it('a body or id a double cannot hold comes as its text, marked json-text; one it can comes parsed', async () => {
    const server = track(await startHttpServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(new URL(req.url ?? '/', 'http://x').searchParams.get('b') ?? '{}');
    }));
    const at = (body: string): string => `${server.url}/j?b=${encodeURIComponent(body)}`;
    const records: RecordInput[] = [at('{"n":12345678901234567890}'), at('{"a":1,"a":2}'), at('[1e400]'), at('{"f":1.0,"e":1e2,"p":0.1,"z":-0,"s":"\\"a\\":1,\\"a\\":2"}'), at('9007199254740993')];
    const results = [];
    for await (const result of bulkfetch(records, { procs: 1, ordered: true })) results.push([result.body, result.bodyEncoding]);
    expect(results).toEqual([
      ['{"n":12345678901234567890}', 'json-text'],
      ['{"a":1,"a":2}', 'json-text'],
      ['[1e400]', 'json-text'],
      [{ f: 1, e: 100, p: 0.1, z: -0, s: '"a":1,"a":2' }, undefined],
      ['9007199254740993', 'json-text'],
    ]);
    const lines = Readable.from([Buffer.from(`{"url":"${server.url}/big","id":12345678901234567890}\n{"url":"${server.url}/small","id":1.50}\n`)], { objectMode: false });
    const ids = [];
    for await (const result of bulkfetch(lines, { procs: 1, ordered: true })) ids.push(result.id);
    expect(ids).toEqual(['12345678901234567890', 1.5]);
  });
});

describe('options', () => {
  it('takes, typed, the forms the README documents: header numbers and lists, flag texts for connectTo, sizes, limits and shards, cache false', async () => {
    const server = track(await startHttpServer((req, res) => json(res, 200, req.headers)));
    // Each of these was a TypeScript error (the typings allowed strings and objects alone) where the run took it.
    const options: BulkfetchOptions = {
      procs: 1, headers: { 'X-N': 5, 'X-L': ['a', 7] }, connectTo: [`example.test:80:127.0.0.1:${new URL(server.url).port}`],
      resolve: [], cache: false, maxBody: '64k', maxErrors: '10%', cacheBytes: '1M', rate: '100/s', shard: '0/1',
    };
    const results = [];
    for await (const result of bulkfetch(['http://example.test/h'], options)) results.push(result);
    expect(results[0]?.body).toMatchObject({ 'x-n': '5', 'x-l': 'a, 7' });
  });

  it("does not type the CLI's own fields, which it refuses as unknown options", () => {
    // @ts-expect-error the CLI makes saveKeep from its files
    expect(() => bulkfetch(['http://127.0.0.1:9/'], { saveKeep: ['x'] })).toThrow('Unknown option "saveKeep"');
    // @ts-expect-error the CLI makes headerFlagNames from -H
    expect(() => bulkfetch(['http://127.0.0.1:9/'], { headerFlagNames: ['x'] })).toThrow('Unknown option "headerFlagNames"');
    // @ts-expect-error the CLI makes dataHeaderNames from -d and --json
    expect(() => bulkfetch(['http://127.0.0.1:9/'], { dataHeaderNames: ['x'] })).toThrow('Unknown option "dataHeaderNames"');
  });

  it('refuses a maxErrors or shard object of another form than the typings give, and names a number as a number', () => {
    const options = [{ maxErrors: { kind: 'x', max: 1 } }, { maxErrors: [1] }, { maxErrors: { kind: 'count', max: '1' } }, { shard: { index: 0 } }, { maxLineBytes: -1 }];
    const messages = options.map((given) => {
      try {
        bulkfetch(['http://127.0.0.1:9/'], given as unknown as BulkfetchOptions);
        return 'taken';
      } catch (error) {
        return (error as Error).message;
      }
    });
    expect(messages).toEqual([
      `Expected maxErrors to be a count, a flag text ('10', '5%') or { kind: 'count' | 'percent', max: number }, got {"kind":"x","max":1} (object)`,
      `Expected maxErrors to be a count, a flag text ('10', '5%') or { kind: 'count' | 'percent', max: number }, got [1] (array)`,
      `Expected maxErrors to be a count, a flag text ('10', '5%') or { kind: 'count' | 'percent', max: number }, got {"kind":"count","max":"1"} (object)`,
      `Expected shard to be { index: number, count: number } or 'K/N', got {"index":0} (object)`,
      'Expected maxLineBytes to be a positive integer, got -1 (number)',
    ]);
    expect(() => bulkfetch(['http://127.0.0.1:9/'], { maxErrors: { kind: 'percent', max: 5 }, shard: { index: 0, count: 2 } })).not.toThrow();
  });

  it('sends headers given as Name: value strings, and refuses bad values in the API terms', async () => {
    const server = track(await startHttpServer((req, res) => json(res, 200, req.headers)));
    const results = [];
    for await (const result of bulkfetch([`${server.url}/h`], { procs: 1, headers: ['X-Token: abc', 'X-Two: 1', 'X-Two: 2'], timeout: '5s' })) results.push(result);
    expect(results[0]?.body).toMatchObject({ 'x-token': 'abc', 'x-two': '1, 2' });
    expect(() => bulkfetch([], { concurrency: 0 })).toThrow(UsageError);
    expect(() => bulkfetch([], { concurrency: 0 })).toThrow(/concurrency/);
    expect(() => bulkfetch([], { concurrency: 0 })).not.toThrow(/--concurrency/);
    expect(() => bulkfetch([], { nope: 1 } as never)).toThrow(UsageError);
    // As the CLI refuses -X HEAD -d: a HEAD has no body.
    expect(() => bulkfetch([], { method: 'HEAD', data: 'abc' })).toThrow(/HEAD requests, which have no body/);
    // The caller's header replaces a URL's credentials, as -H does.
    const withCredentials = [];
    for await (const result of bulkfetch([`${server.url.replace('http://', 'http://ann:pw@')}/c`], { procs: 1, headers: { Authorization: 'Bearer L' } })) withCredentials.push(result);
    expect(withCredentials[0]?.body).toMatchObject({ authorization: 'Bearer L' });
  });

  it('takes spec objects with every field a spec line takes, typed: bodyBase64, header numbers and lists', async () => {
    const server = track(await startHttpServer((req, res, { body }) => json(res, 200, { hex: body.toString('hex'), n: req.headers['x-n'], list: req.headers['x-list'] })));
    const records: RecordInput[] = [{ url: `${server.url}/b`, method: 'PUT', bodyBase64: Buffer.from([0xe9, 0x41]).toString('base64'), headers: { 'X-N': 5, 'X-List': ['a', 'b'] } }];
    const results = [];
    for await (const result of bulkfetch(records, { procs: 1 })) results.push(result);
    expect(results[0]?.body).toEqual({ hex: 'e941', n: '5', list: 'a, b' });
  });
});

describe('arguments a plain JavaScript caller gets wrong', () => {
  it('a record that is no URL string or spec object, or a URL with a line break, is one error record, never a request', async () => {
    const server = track(await startHttpServer());
    const big = { url: `${server.url}/big`, json: 10n };
    const cycle: Record<string, unknown> = { url: `${server.url}/cycle` };
    cycle['self'] = cycle;
    // A bare BigInt threw out of the input and ended the run: the URL before it EABORTED, the one after with no result.
    const records = [`${server.url}/a`, 5, null, undefined, `${server.url}/b\n${server.url}/c`, big, 10n, cycle, `${server.url}/after`] as unknown as RecordInput[];
    const results = [];
    for await (const result of bulkfetch(records, { procs: 1, ordered: true })) results.push([result.line, result.error?.code ?? result.status, result.error?.message ?? '']);
    expect(results.map(([line, code]) => [line, code])).toEqual([[1, 200], [2, 'EINVALIDSPEC'], [3, 'EINVALIDSPEC'], [4, 'EINVALIDSPEC'], [5, 'EINVALIDURL'], [6, 'EINVALIDSPEC'], [7, 'EINVALIDSPEC'], [8, 'EINVALIDSPEC'], [9, 200]]);
    // Why, in a line: not an "Unknown member" nobody wrote, nor V8's lines about the objects in the cycle.
    expect(results[5]?.[2]).toMatch(/BigInt/);
    expect(results[6]?.[2]).toMatch(/BigInt/);
    expect(results[7]?.[2]).toBe('The record cannot be written as a JSON spec: it refers to itself (a cycle)');
    expect(server.requests).toBe(2);
    // An id of NaN: JSON wrote it null, and the message said "got null".
    for await (const result of bulkfetch([{ url: `${server.url}/nan`, id: Number.NaN }], { procs: 1 })) {
      expect(result.error).toEqual({ code: 'EINVALIDSPEC', message: 'The record cannot be written as a JSON spec: its "id" is NaN, which JSON has no form for (give a finite number or a string)' });
    }
    expect(server.requests).toBe(2);
  });

  it('an item of an object-mode stream is a record, and a blank or # string item gets its result too', async () => {
    const server = track(await startHttpServer());
    const results = [];
    // Read as text, Readable.from's two URLs were one joined URL, fetched.
    for await (const result of bulkfetch(Readable.from([`${server.url}/a`, `${server.url}/b`]), { procs: 1, ordered: true })) results.push(result.url);
    expect(results).toEqual([`${server.url}/a`, `${server.url}/b`]);
    const items = [];
    for await (const result of bulkfetch(['', '  ', '# note', `${server.url}/c`], { procs: 1, ordered: true })) items.push([result.line, result.error?.code ?? result.status]);
    expect(items).toEqual([[1, 'EINVALIDURL'], [2, 'EINVALIDURL'], [3, 'EINVALIDURL'], [4, 200]]);
    expect(server.requests).toBe(3);
  });

  it('a UsageError never carries a password or credential given in the options or the environment, as the CLI never prints one', () => {
    // A program logs what it catches: the message echoed them, a password from https_proxy too.
    for (const [options, env] of [[{ proxy: 'socks4://bob:pw5ecret@127.0.0.1:1' }, {}], [{ proxy: 'http://bob:pw5/ecret@127.0.0.1:1' }, {}], [{ headers: ['Authorization Bearer pw5ecret'] }, {}],
      [{ headers: { Authorization: ['Bearer pw5ecret', {}] } }, {}], [{}, { https_proxy: 'socks4://bob:pw5ecret@127.0.0.1:1' }]] as const) {
      const saved = process.env.https_proxy;
      if ('https_proxy' in env) process.env.https_proxy = env.https_proxy;
      try {
        expect(() => bulkfetch([], options as never)).toThrow(UsageError);
        try {
          bulkfetch([], options as never);
        } catch (error) {
          // Nor its cause, which a logger prints too.
          for (let e: unknown = error; e instanceof Error; e = e.cause) expect(e.message).not.toMatch(/pw5|ecret/);
        }
      } finally {
        if (saved === undefined) delete process.env.https_proxy;
        else process.env.https_proxy = saved;
      }
    }
  });

  it('a bad input, options object, signal or onProgress is a UsageError at the call', () => {
    const url = 'http://127.0.0.1:1/';
    const calls: Array<() => unknown> = [
      () => bulkfetch(null as never),
      () => bulkfetch(5 as never),
      () => bulkfetch([url], null as never),
      () => bulkfetch([url], 'x' as never),
      () => bulkfetch([url], { signal: 5 as never }),
      () => bulkfetch([url], { onProgress: 5 as never }),
      // Names Object.prototype has were found there and passed as known options.
      () => bulkfetch([url], { toString: 1 } as never),
      () => bulkfetch([url], { constructor: 1 } as never),
      () => bulkfetch([url], { valueOf: 'x' } as never),
      // -T's file name is the CLI's (as -G's query): the type no longer offers what the run refuses.
      // @ts-expect-error not a library option
      () => bulkfetch([url], { uploadName: 'x' }),
      // The CLI refuses --http1.1 with --http2; the library let HTTP/2 win without a word.
      () => bulkfetch([url], { http2: true, http1Only: true }),
    ];
    for (const call of calls) expect(call).toThrow(UsageError);
  });

  it('an onProgress that throws stops the run and rejects the loop and the summary with its error, not the process', async () => {
    const server = track(await startHttpServer((_req, res, ctx) => void ctx.delay(50).then(() => res.end('ok'), () => {})));
    const records = Array.from({ length: 200 }, (_, i) => `${server.url}/p${i}`);
    const thrown = new Error('from onProgress');
    const run = bulkfetch(records, { procs: 1, concurrency: 2, onProgress: () => { throw thrown; } });
    const loop = async (): Promise<number> => {
      let seen = 0;
      for await (const _ of run) seen += 1;
      return seen;
    };
    await expect(loop()).rejects.toBe(thrown);
    await expect(run.summary).rejects.toBe(thrown);
    expect(server.requests).toBeLessThan(200);
  }, 30_000);

  it('an option found wrong as the run starts (a PEM file read once) rejects the loop with its UsageError, not "Premature close"', async () => {
    const loop = async (): Promise<void> => {
      for await (const _ of bulkfetch(['http://127.0.0.1:1/'], { cert: '/dev/null' })) void _;
    };
    await expect(loop()).rejects.toThrow(UsageError);
  });
});

describe('a one-liner', () => {
  it('node -e "...bulkfetch(...)..." runs its children, not its own code again in each', async () => {
    const server = track(await startHttpServer());
    // A child that ran the code again would fork children of its own, a generation each; the guard makes such
    // a child exit at once (its records then fail) instead of running on, so a regression cannot fill the machine.
    const code = `if (process.env.BULKFETCH_ONE_LINER) process.exit(3);
process.env.BULKFETCH_ONE_LINER = '1';
import('bulkfetch').then(async ({ bulkfetch }) => {
  for await (const r of bulkfetch(['${server.url}/a', '${server.url}/b'], { procs: 2 })) console.log(r.status, r.error?.code ?? 'none');
});`;
    const child = spawn(process.execPath, ['-e', code], { cwd: fileURLToPath(new URL('../..', import.meta.url)) });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exit = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(exit).toBe(0);
    expect(stdout.trim().split('\n').sort()).toEqual(['200 none', '200 none']);
    expect(server.requests).toBe(2);
  }, 30_000);
});

describe('save', () => {
  it("refuses a record whose id names the input file in the save directory, as the CLI's --save does (the library replaced it with a body)", async () => {
    const { mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const server = track(await startHttpServer((_req, res) => void res.end('a body')));
    const dir = mkdtempSync(join(tmpdir(), 'bulkfetch-api-save-'));
    const input = join(dir, 'specs.jsonl');
    writeFileSync(input, ['specs.jsonl', 'ok'].map((id) => JSON.stringify({ id, url: `${server.url}/${id}` })).join('\n') + '\n');
    const results: Array<[string | number | undefined, string | null]> = [];
    for await (const result of bulkfetch(input, { procs: 1, save: dir })) results.push([result.id, result.error?.code ?? null]);
    expect(results.sort()).toEqual([['ok', null], ['specs.jsonl', 'ESAVE']]);
    expect(readFileSync(input, 'utf8')).toContain('"id":"specs.jsonl"');
    // The same file as a stream of it (fs.createReadStream): its path is known, and kept as well.
    const { createReadStream } = await import('node:fs');
    const streamed: Array<[string | number | undefined, string | null]> = [];
    for await (const result of bulkfetch(createReadStream(input), { procs: 1, save: dir })) streamed.push([result.id, result.error?.code ?? null]);
    expect(streamed.sort()).toEqual([['ok', null], ['specs.jsonl', 'ESAVE']]);
    expect(readFileSync(input, 'utf8')).toContain('"id":"specs.jsonl"');
  });
});

describe('progress', () => {
  it('counts attempts as they end (attemptsMade), where requests counts them as their records end: retried records read 0 req/s', async () => {
    // Every request answered 503 with Retry-After: 1, so a record's three attempts span two seconds.
    const server = track(await startHttpServer((_req, res) => void res.writeHead(503, { 'retry-after': '1' }).end('busy')));
    let madeBeforeAnyRecord = 0;
    const run = bulkfetch([`${server.url}/a`, `${server.url}/b`], {
      procs: 1,
      retries: 2,
      onProgress: (progress) => {
        if (progress.stats.records === 0) madeBeforeAnyRecord = Math.max(madeBeforeAnyRecord, progress.stats.attemptsMade);
      },
    });
    const summary = await run.summary;
    expect(summary).toMatchObject({ records: 2, requests: 6 });
    // Before: no field, and requests stayed 0 until the records ended.
    expect(madeBeforeAnyRecord).toBeGreaterThan(0);
  }, 30_000);
});
