// The library when a run fails (the caller's onProgress throws, its byte stream errors) and the value forms a
// JavaScript program has at hand (Headers, Map, a Buffer, a list read into a string).
import { execFile } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { bulkfetch, UsageError, type Result } from 'bulkfetch';
import { cleanupAfterEach, startHttpServer } from '../helpers/index.js';

const track = cleanupAfterEach();
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The results the loop saw, and what it rejected with. */
async function readAll(run: AsyncIterable<Result>): Promise<{ results: Result[]; failure: unknown }> {
  const results: Result[] = [];
  try {
    for await (const result of run) results.push(result);
    return { results, failure: undefined };
  } catch (failure) {
    return { results, failure };
  }
}

describe('a run that fails', () => {
  it('an onProgress that throws stops the run as an aborted signal does: what was in flight EABORTED after one attempt, the rest ENOTSENT', async () => {
    // Answers held 5 s (cut short when the run lets go): with 400 ms, a child a loaded machine let run late could
    // read two answers before the abort, and send two more records.
    const server = track(await startHttpServer((_req, res, ctx) => void ctx.delay(5_000).then(() => res.end('ok'), () => {})));
    const thrown = new Error('from onProgress');
    const run = bulkfetch(Array.from({ length: 30 }, (_, i) => `${server.url}/p${i}`), {
      procs: 1,
      concurrency: 2,
      // Once two requests are at the server: those are the ones in flight.
      onProgress: () => {
        if (server.inFlight >= 2) throw thrown;
      },
    });
    const { results, failure } = await readAll(run);
    expect(failure).toBe(thrown);
    const codes = results.map((r) => `${r.error?.code ?? r.status}/${r.attempts}`);
    // Killing the children answered every record it held EABORTED with no attempt: sent or not, nobody could tell.
    expect(codes).not.toContain('EABORTED/0');
    expect(codes.filter((c) => c === 'EABORTED/1')).toHaveLength(2);
    expect(server.requests).toBe(2);
    expect(codes.filter((c) => c === 'ENOTSENT/0').length).toBeGreaterThan(0);
    expect(results).toHaveLength(30);
  }, 30_000);

  it('a byte stream that errors: the whole lines it gave are fetched and answered, the line cut short is not, then the loop rejects with its error', async () => {
    const server = track(await startHttpServer());
    const input = new PassThrough();
    input.write(Array.from({ length: 5 }, (_, i) => `${server.url}/line${i}\n`).join(''));
    input.write(`${server.url}/cut`);
    const boom = new Error('the stream broke');
    setTimeout(() => input.destroy(boom), 300);
    const { results, failure } = await readAll(bulkfetch(input, { procs: 1 }));
    expect(failure).toBe(boom);
    // They were all EABORTED, with no request sent.
    expect(results.map((r) => `${r.url.slice(server.url.length)} ${r.status ?? r.error?.code}`).sort()).toEqual(['/line0 200', '/line1 200', '/line2 200', '/line3 200', '/line4 200']);
    expect(server.paths.has('/cut')).toBe(false);
  }, 30_000);

  it('a byte stream destroyed with no error: its whole lines are answered, then the loop rejects (it waited for ever)', async () => {
    const server = track(await startHttpServer());
    const input = new PassThrough();
    input.write(`${server.url}/one\n${server.url}/two\n${server.url}/cut`);
    setTimeout(() => input.destroy(), 300);
    const within = await Promise.race([readAll(bulkfetch(input, { procs: 1 })), new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 15_000))]);
    expect(within).not.toBe('hung');
    const { results, failure } = within as { results: Result[]; failure: unknown };
    expect((failure as NodeJS.ErrnoException).code).toBe('ERR_STREAM_PREMATURE_CLOSE');
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    expect(server.paths.has('/cut')).toBe(false);
  }, 30_000);

  it('a finally() guard left unawaited before the loop does not end the program when the run fails', async () => {
    const server = track(await startHttpServer());
    const broken = new Error('the input broke');
    const input = function* (): Generator<string> {
      yield `${server.url}/a`;
      throw broken;
    };
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const run = bulkfetch(input(), { procs: 1 });
      void run.summary.finally(() => {});
      const { results, failure } = await readAll(run);
      expect(failure).toBe(broken);
      expect(results.map((r) => r.status)).toEqual([200]);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(unhandled).toEqual([]);
      // What the guard's own handler throws is the caller's: it goes on unhandled, as from any promise.
      const mine = new Error('thrown in the guard');
      const ok = bulkfetch([`${server.url}/b`], { procs: 1 });
      void ok.summary.finally(() => {
        throw mine;
      });
      for await (const _ of ok) void _;
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(unhandled).toEqual([mine]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  }, 30_000);
});

describe('the forms a program has values in', () => {
  it('headers as a fetch Headers or a Map, in the options and in a record, are sent (they were dropped without a word)', async () => {
    const server = track(await startHttpServer());
    const records = [`${server.url}/plain`, { url: `${server.url}/spec`, headers: new Headers({ 'X-Record': 'r' }) }, { url: `${server.url}/map`, headers: new Map([['X-Map-Record', 'm']]) }];
    const { results, failure } = await readAll(bulkfetch(records, { procs: 1, headers: new Headers({ 'X-Option': 'o' }), ordered: true }));
    expect(failure).toBeUndefined();
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const seen = new Map(server.log.map((r) => [r.url, r.headers]));
    expect(seen.get('/plain')?.['x-option']).toBe('o');
    expect(seen.get('/spec')).toMatchObject({ 'x-option': 'o', 'x-record': 'r' });
    expect(seen.get('/map')).toMatchObject({ 'x-option': 'o', 'x-map-record': 'm' });
    // Objects with a prototype of their own (an instance, another realm's) are read by their own members, as before.
    const withPrototype = Object.assign(Object.create({ inherited: 'no' }) as Record<string, string>, { 'X-Own': 'yes' });
    const own = await readAll(bulkfetch([`${server.url}/own`], { procs: 1, headers: withPrototype }));
    expect(own.results[0]?.status).toBe(200);
    expect(server.log.find((r) => r.url === '/own')?.headers).toMatchObject({ 'x-own': 'yes' });
    const viaMap = await readAll(bulkfetch([`${server.url}/m`], { procs: 1, headers: new Map([['X-From-Map', '1']]) }));
    expect(viaMap.results[0]?.status).toBe(200);
    expect(server.log.find((r) => r.url === '/m')?.headers['x-from-map']).toBe('1');
  }, 30_000);

  it('refuses at the call what it would read wrong: other objects as headers, a Buffer as the input, a Content-Length the data does not have', () => {
    const url = 'http://127.0.0.1:1/';
    expect(() => bulkfetch([url], { headers: 'X-A: 1' as never })).toThrow(/Expected headers to be an object of strings \(or a Map or Headers\)/);
    // Objects whose members are not their entries: read by Object.entries, each was no headers, or junk (0: a, 1: b).
    for (const odd of [new URLSearchParams('authorization=Bearer x'), new Set([['x-a', '1']]), new String('ab'), new Date(), new Error('x')]) {
      expect(() => bulkfetch([url], { headers: odd as never }), String(odd)).toThrow(/Expected headers to be an object of strings \(or a Map or Headers\)/);
    }
    expect(() => bulkfetch([url], { connectTo: new Set(['127.0.0.2:80']) as never })).toThrow(/Expected connectTo to be an object of strings/);
    // A Buffer is iterable, as numbers: each byte was one EINVALIDSPEC record.
    expect(() => bulkfetch(Buffer.from(`${url}\n`) as never)).toThrow(/got bytes \(a Buffer or Uint8Array\)/);
    expect(() => bulkfetch([url], { data: 'x', headers: { 'Content-Length': '5' } })).toThrow(UsageError);
  });

  it('a list read into a string, given as the input, is answered briefly with what to do, not echoed whole', () => {
    const list = Array.from({ length: 20_000 }, (_, i) => `http://127.0.0.1:1/${i}`).join('\n');
    let message = '';
    try {
      bulkfetch(list);
    } catch (error) {
      message = (error as Error).message;
    }
    // Compared cut short: the message was the whole list, 500 KB.
    expect(message.length).toBeLessThan(300);
    expect(message.slice(0, 300)).toMatch(/^Cannot read input .*: no such file \(a string is the path of a file of URLs: give URLs as an array/);
    expect(() => bulkfetch('http://127.0.0.1:1/')).toThrow(/a string is the path of a file of URLs/);
  });
});

describe('results as the server sent them', () => {
  it('keep C1 and bidi controls as characters: the \\u escapes are the CLI\'s, for a terminal; a json-text body is the server\'s text', async () => {
    const text = '{"s":"x\u0085\u202e","n":12345678901234567890}';
    const server = track(await startHttpServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(text);
    }));
    const { results } = await readAll(bulkfetch([`${server.url}/j`], { procs: 1 }));
    expect(results[0]).toMatchObject({ body: text, bodyEncoding: 'json-text' });
  }, 30_000);
});

describe('the typings', () => {
  it('take a fetch() body as the input with the DOM lib, and UsageError.code as the literal EUSAGE', async () => {
    const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
    const args = [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--lib', 'es2022,dom', '--types', 'node', 'test/types/fetch-body-input.ts'];
    const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: ROOT }).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
    expect(stdout).toBe('');
  }, 60_000);
});
