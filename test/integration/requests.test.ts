// Request specs, -X/-H/-d/-A defaults, body modes, --max-body and redirects, against real local servers.
import { describe, expect, it } from 'vitest';
import {
  cleanupAfterEach, collectOutput, json, runCli, sampleTreeRss, spawnCli, startBigBodyServer, startHttpServer, tempDir, writeTempFifo, writeTempFile, type TestServer,
} from '../helpers/index.js';

// Kills every CLI and closes every server after each test.
const track = cleanupAfterEach();

const run = (lines: string[], args: string[] = []) => runCli(['-', '--procs', '1', ...args], { stdin: `${lines.join('\n')}\n` });
const byLine = (lines: Record<string, any>[]) => new Map(lines.map((l) => [l.line as number, l]));

/** Echoes what it received: method, body, and the headers a test asks about. */
const echo = () =>
  startHttpServer((req, res, ctx) =>
    json(res, 200, { method: req.method, body: ctx.body.toString('utf8'), headers: req.headers, path: req.url }),
  );

describe('request specs and curl-like defaults', () => {
  it('sends POST and PUT specs with their bodies and headers, echoing ids', async () => {
    const server = await track(echo());
    const result = await run([
      JSON.stringify({ url: `${server.url}/items`, method: 'POST', json: { name: 'a' }, id: 'new-1', headers: { 'X-Trace': 't1' } }),
      JSON.stringify({ url: `${server.url}/items/7`, method: 'PUT', body: 'raw text', id: 7 }),
    ]);
    expect(result.code).toBe(0);
    const out = byLine(result.lines);
    expect(out.get(1)).toMatchObject({ id: 'new-1', method: 'POST', status: 200, attempts: 1 });
    expect(out.get(1)?.body).toMatchObject({ method: 'POST', body: '{"name":"a"}', headers: { 'content-type': 'application/json', 'x-trace': 't1' } });
    expect(out.get(2)).toMatchObject({ id: 7, method: 'PUT', status: 200, body: { method: 'PUT', body: 'raw text' } });
    expect(server.requests).toBe(2);
  });

  it('a URL\'s user name and password go out as the bytes their %XX escapes name, UTF-8 or not, as curl sends them', async () => {
    const server = await track(echo());
    const host = server.url.slice('http://'.length);
    const result = await runCli(['-', '--procs', '1', '--ordered'], {
      stdin: Buffer.concat([
        Buffer.from(`http://u:p%E9%3Ax@${host}/a\nhttp://us%C3%A9r%20x:pw@${host}/b\nhttp://plain:pw@${host}/c\n`),
        // A Latin-1 byte in an input line is written %E9 too (README: never decoded): its password is that byte.
        Buffer.from(`http://u:p`), Buffer.from([0xe9]), Buffer.from(`@${host}/d\n`),
      ]),
    });
    const sent = result.lines.map((line) => Buffer.from(String(line.body.headers.authorization).slice('Basic '.length), 'base64'));
    expect(sent[0]).toEqual(Buffer.from([...Buffer.from('u:p'), 0xe9, ...Buffer.from(':x')]));
    expect(sent[1]?.toString('utf8')).toBe('usér x:pw');
    expect(sent[2]?.toString('utf8')).toBe('plain:pw');
    expect(sent[3]).toEqual(Buffer.from([...Buffer.from('u:p'), 0xe9]));
  });

  it('sends a spec\'s bodyBase64 as its bytes, and never takes it for a text body of the same characters', async () => {
    const server = await track(startHttpServer());
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i));
    const dir = tempDir();
    const result = await run([
      JSON.stringify({ url: `${server.url}/bin`, method: 'PUT', bodyBase64: bytes.toString('base64'), headers: { 'content-type': 'application/octet-stream' } }),
      JSON.stringify({ url: `${server.url}/same`, method: 'PUT', bodyBase64: 'QUJD' }),
      JSON.stringify({ url: `${server.url}/same`, method: 'PUT', body: 'QUJD' }),
      JSON.stringify({ url: `${server.url}/same`, method: 'PUT', bodyBase64: 'QUJD' }),
    ], ['--ordered', '--save', dir]);
    expect(result.lines.map((l) => l.status)).toEqual([200, 200, 200, 200]);
    expect(server.log.find((r) => r.url === '/bin')?.body).toEqual(bytes);
    expect(server.log.filter((r) => r.url === '/same').map((r) => r.body?.toString('latin1'))).toEqual(['ABC', 'QUJD', 'ABC']);
    // --save names a body by the request's key: the same for the same bytes, another for the text.
    const files = result.lines.map((l) => l.file as string);
    expect(files[1]).toBe(files[3]);
    expect(files[2]).not.toBe(files[1]);
  });

  it('sends a spec\'s json and echoes a numeric id digit for digit, past what a double holds', async () => {
    const server = await track(echo());
    const big = '12345678901234567890';
    // Written by hand: JSON.stringify of a JS value could not hold these numbers.
    const specs = [
      `{"url":"${server.url}/n","id":${big},"json":{"n":${big},"f":1.10,"e":1e400,"s":"{\\"x\\":1}"}}`,
      `{"id":1.0,"url":"${server.url}/missing","method":"BAD METHOD"}`,
      `{"url":"${server.url}/cached","id":${big}1}`,
      `{"url":"${server.url}/cached","id":${big}2}`,
    ];
    const result = await run(specs, ['--cache', 'on']);
    expect(result.code).toBe(0);
    const raw = new Map(result.stdout.trim().split('\n').map((text) => [Number(/^\{"line":(\d+)/.exec(text)?.[1]), text]));
    expect(raw.get(1)).toContain(`"id":${big},`);
    expect(byLine(result.lines).get(1)?.body.body).toBe(`{"n":${big},"f":1.10,"e":1e400,"s":"{\\"x\\":1}"}`);
    // An invalid record echoes its id as written too, and so does a repeat answered from the cache.
    expect(raw.get(2)).toContain('"id":1.0,');
    expect(raw.get(3)).toContain(`"id":${big}1,`);
    expect(raw.get(4)).toContain(`"id":${big}2,`);
    expect(byLine(result.lines).get(4)?.cached).toBe(true);
  });

  it('applies -X, -H, -d and -A to every record; a spec overrides them', async () => {
    const server = await track(echo());
    const result = await run(
      [`${server.url}/a`, JSON.stringify({ url: `${server.url}/b`, method: 'PATCH', headers: { 'x-env': 'spec' }, body: 'mine' })],
      ['-d', 'k=v', '-H', 'X-Env: flag', '-H', 'X-Other: o', '-A', 'probe/1'],
    );
    const out = byLine(result.lines);
    expect(out.get(1)?.body).toMatchObject({ method: 'POST', body: 'k=v', headers: { 'x-env': 'flag', 'x-other': 'o', 'user-agent': 'probe/1' } });
    expect(out.get(2)?.body).toMatchObject({ method: 'PATCH', body: 'mine', headers: { 'x-env': 'spec', 'x-other': 'o' } });
    const plain = await run([`${server.url}/c`]);
    expect(plain.lines[0]?.body).toMatchObject({ method: 'GET', headers: { 'user-agent': expect.stringMatching(/^bulkfetch\//) } });
  });

  it('rejects specs with forbidden header characters or bad methods without sending them', async () => {
    const server = await track(echo());
    const result = await run([
      JSON.stringify({ url: `${server.url}/crlf`, headers: { 'x-a': 'v\r\nInjected: 1' } }),
      JSON.stringify({ url: `${server.url}/nul`, headers: { 'x-a': 'v\u0000' } }),
      JSON.stringify({ url: `${server.url}/name`, headers: { 'x a': 'v' } }),
      JSON.stringify({ url: `${server.url}/method`, method: 'G(E)T' }),
      '{"url": broken',
      `${server.url}/fine`,
    ]);
    const codes = result.lines.sort((a, b) => a.line - b.line).map((l) => l.error?.code ?? l.status);
    expect(codes).toEqual(['EINVALIDHEADER', 'EINVALIDHEADER', 'EINVALIDHEADER', 'EINVALIDMETHOD', 'EINVALIDSPEC', 200]);
    expect([...server.paths.keys()]).toEqual(['/fine']);
  });
});

describe('response bodies', () => {
  const typed = () =>
    startHttpServer((req, res) => {
      if (req.url === '/json') return json(res, 200, { field: { nested: true } });
      if (req.url === '/text') {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        return void res.end('héllo');
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(Buffer.from([0, 1, 2, 255]));
    });

  it('auto parses JSON, keeps text, base64s the rest; --no-headers drops headers', async () => {
    const server = await track(typed());
    const result = await run([`${server.url}/json`, `${server.url}/text`, `${server.url}/bin`], ['--no-headers']);
    const out = byLine(result.lines);
    expect(out.get(1)).toMatchObject({ body: { field: { nested: true } } });
    expect(out.get(1)).not.toHaveProperty('bodyEncoding');
    expect(out.get(2)).toMatchObject({ body: 'héllo' });
    expect(out.get(3)).toMatchObject({ body: 'AAEC/w==', bodyEncoding: 'base64', bytes: 4 });
    for (const line of result.lines) expect(line).not.toHaveProperty('headers');
  });

  it('--body text, base64 and none', async () => {
    const server = await track(typed());
    const [text, base64, none] = await Promise.all([
      run([`${server.url}/json`], ['--body', 'text']),
      run([`${server.url}/text`], ['--body', 'base64']),
      run([`${server.url}/json`], ['--body', 'none']),
    ]);
    expect(text.lines[0]).toMatchObject({ body: '{"field":{"nested":true}}', headers: { 'content-type': 'application/json' } });
    expect(base64.lines[0]).toMatchObject({ body: Buffer.from('héllo').toString('base64'), bodyEncoding: 'base64' });
    expect(none.lines[0]).toMatchObject({ body: null, status: 200 });
  });

  it('a 100 MB body with --max-body 65536 is cut, not downloaded in full, and memory stays flat', async () => {
    const server = await track(startBigBodyServer());
    const child = spawnCli(['-', '--procs', '1', '--max-body', '65536', '--body', 'base64'], { stdin: `${server.url}/big\n` });
    const rss = sampleTreeRss(child.pid as number, { everyMs: 20 });
    const result = await collectOutput(child);
    const peakKiB = rss.stop();
    await server.allDone();
    expect(result.code).toBe(0);
    expect(result.lines[0]).toMatchObject({ status: 200, truncated: true, bytes: 65536 });
    expect(Buffer.from(result.lines[0]?.body as string, 'base64').length).toBe(65536);
    expect(server.streams[0]?.state).toBe('aborted');
    // Kernel socket buffers may hold a few MB; a full download would be 100 MB.
    expect(server.bytesWritten).toBeLessThan(16 * 1024 * 1024);
    expect(rss.samples).toBeGreaterThan(0);
    expect(peakKiB).toBeLessThan(300 * 1024);
  });
});

describe('redirects', () => {
  /** /r/N redirects to /r/N-1 ... /r/0 answers 200. */
  const chain = () =>
    startHttpServer((req, res) => {
      const m = /^\/r\/(\d+)$/.exec(req.url ?? '');
      const n = Number(m?.[1] ?? 0);
      if (n > 0) {
        res.writeHead(n % 2 ? 302 : 301, { location: `/r/${n - 1}` });
        return void res.end('moving');
      }
      json(res, 200, { path: req.url, auth: req.headers.authorization ?? null, cookie: req.headers.cookie ?? null });
    });

  it('are not followed without -L', async () => {
    const server = await track(chain());
    const result = await run([`${server.url}/r/3`]);
    expect(result.lines[0]).toMatchObject({ status: 302, ok: false, attempts: 1, body: 'moving', headers: { location: '/r/2' } });
    expect(result.lines[0]).not.toHaveProperty('finalUrl');
    expect(server.requests).toBe(1);
  });

  it('-L follows the chain: final status, finalUrl, redirects; every hop is an attempt', async () => {
    const server = await track(chain());
    const result = await run([`${server.url}/r/3`, `${server.url}/r/0`], ['-L']);
    const out = byLine(result.lines);
    expect(out.get(1)).toMatchObject({ status: 200, ok: true, finalUrl: `${server.url}/r/0`, redirects: 3, attempts: 4, url: `${server.url}/r/3` });
    expect(out.get(2)).toMatchObject({ status: 200, finalUrl: `${server.url}/r/0`, redirects: 0 });
    expect(server.paths.get('/r/1')).toBe(1);
  });

  it('-L sends the user and password a Location carries, and shows the password masked in finalUrl, as the record\'s own is', async () => {
    const server = await track(
      startHttpServer((req, res) => {
        if (req.url === '/go') {
          res.writeHead(302, { location: `${server.url.replace('://', '://user:secret@')}/there` });
          res.end();
        } else json(res, 200, { auth: req.headers.authorization ?? null });
      }),
    );
    const result = await run([`${server.url}/go`], ['-L']);
    expect(result.lines[0]).toMatchObject({ status: 200, finalUrl: `${server.url.replace('://', '://user:***@')}/there` });
    // And sends it, as Basic authorization, as an input URL's is and as curl does: the hop went without (a 401).
    expect(result.lines[0]?.body).toEqual({ auth: `Basic ${Buffer.from('user:secret').toString('base64')}` });
    // The record's own credentials, and a relative Location resolved against its URL (shown masked): the record's
    // password goes on, never the mask (u:*** went). A Location's credentials for another origin are not sent, as curl sends none.
    const other = await track(startHttpServer((req, res) => json(res, 200, { auth: req.headers.authorization ?? null })));
    const relative = await track(startHttpServer((req, res) => {
      if (req.url === '/go') res.writeHead(302, { location: '/there' }).end();
      else if (req.url === '/away') res.writeHead(302, { location: `${other.url.replace('://', '://x:y@')}/echo` }).end();
      else json(res, 200, { auth: req.headers.authorization ?? null });
    }));
    const own = await run([`${relative.url.replace('://', '://u:p@')}/go`, `${relative.url}/away`], ['-L', '--ordered']);
    expect(own.lines.map((line) => line.body)).toEqual([{ auth: `Basic ${Buffer.from('u:p').toString('base64')}` }, { auth: null }]);
    expect(JSON.stringify(result.lines)).not.toContain('secret');
    // Only the authority's password: a URL in the query (?next=http://a:pw@c/) is part of the URL that answered,
    // and finalUrl had it as a:***@, unlike url, for a record that was not redirected at all.
    const inQuery = `${server.url}/here?next=http://a:pw@c/`;
    const plain = await run([inQuery], ['-L']);
    expect(plain.lines[0]).toMatchObject({ status: 200, url: inQuery, finalUrl: inQuery, redirects: 0 });
  });

  it("-e ';auto' sends each hop the URL it came from as Referer, as curl does; the text before it is the first one", async () => {
    const seen: Array<[string | undefined, string | undefined]> = [];
    const server = await track(
      startHttpServer((req, res) => {
        seen.push([req.url, req.headers.referer]);
        const n = Number(/^\/r\/(\d+)/.exec(req.url ?? '')?.[1] ?? 0);
        if (n > 0) return void res.writeHead(302, { location: `/r/${n - 1}` }).end();
        res.end('ok');
      }),
    );
    const auto = await run([`http://user:pw@127.0.0.1:${server.port}/r/2#frag`], ['-L', '-e', ';auto']);
    expect(auto.lines[0]).toMatchObject({ status: 200, redirects: 2 });
    const origin = `http://127.0.0.1:${server.port}`;
    expect(seen).toEqual([['/r/2', undefined], ['/r/1', `${origin}/r/2`], ['/r/0', `${origin}/r/1`]]);
    seen.length = 0;
    await run([`${origin}/r/1`], ['-L', '--referer', 'http://first.test/;auto']);
    expect(seen).toEqual([['/r/1', 'http://first.test/'], ['/r/0', `${origin}/r/1`]]);
    seen.length = 0;
    await run([`${origin}/r/1`], ['-L', '-e', 'http://plain.test/']);
    expect(seen).toEqual([['/r/1', 'http://plain.test/'], ['/r/0', 'http://plain.test/']]);
  });

  it("-b '' carries the cookies a record's redirects set to its later hops, as curl's cookie engine does; never to another host or record", async () => {
    const seen: Array<[string | undefined, string | undefined]> = [];
    // A cookie wall: /start sets the cookie and sends to /check, which wants it and otherwise starts over.
    const server = await track(
      startHttpServer((req, res) => {
        seen.push([req.url, req.headers.cookie]);
        const cookie = req.headers.cookie ?? '';
        if (req.url === '/start') return void res.writeHead(302, { location: '/check', 'set-cookie': ['wall=passed; Path=/; HttpOnly', 'gone=1; Max-Age=0', 'deep=1; Path=/deep'] }).end();
        if (req.url === '/check') return void (/\bwall=passed\b/.test(cookie) ? res.writeHead(302, { location: `http://localhost:${server.port}/elsewhere` }).end() : res.writeHead(302, { location: '/start' }).end());
        res.end(`cookie: ${cookie}`);
      }),
    );
    const start = `http://127.0.0.1:${server.port}/start`;
    const walled = await run([start], ['-L', '--max-redirects', '5']);
    expect(walled.lines[0]).toMatchObject({ error: { code: 'ETOOMANYREDIRECTS' } });
    seen.length = 0;
    const engine = await run([start, start], ['-L', '-b', '', '-b', 'mine=1', '--no-cache']);
    expect(engine.lines.map((l) => l.status)).toEqual([200, 200]);
    // Each record starts with -b's pair alone; /check gets the cookie /start set (not the expired one, not the
    // one for /deep); localhost is another host, so it gets neither (-b's pair stays with the origin, as -H's would).
    const oneRecord = [['/start', 'mine=1'], ['/check', 'wall=passed; mine=1'], ['/elsewhere', undefined]];
    // (The two records' hops interleave: each hop goes back through the concurrency limit.)
    const sorted = (pairs: Array<[string | undefined, string | undefined]>) => pairs.map((pair) => JSON.stringify(pair)).sort();
    expect(sorted(seen)).toEqual(sorted([...oneRecord, ...oneRecord] as Array<[string, string | undefined]>));
  });

  it('-b FILE: each request carries the cookie file\'s cookies that match its URL, as curl reads the file its -c wrote', async () => {
    const seen: Array<[string, string | undefined]> = [];
    const server = await track(
      startHttpServer((req, res) => {
        seen.push([`${req.headers.host?.split(':')[0]}${req.url}`, req.headers.cookie]);
        // A redirect that deletes one of the file's cookies, as a logout does.
        if (req.url === '/logout') return void res.writeHead(302, { location: '/after', 'set-cookie': 'host=; Max-Age=0' }).end();
        res.end();
      }),
    );
    const jar = writeTempFile([
      '# Netscape HTTP Cookie File',
      '127.0.0.1\tFALSE\t/\tFALSE\t0\thost\tonly',
      '.localhost\tTRUE\t/\tFALSE\t0\twide\tsub',
      '127.0.0.1\tFALSE\t/deep\tFALSE\t0\tdeep\t1',
      '127.0.0.1\tFALSE\t/\tTRUE\t0\tsecure\t1',
      '127.0.0.1\tFALSE\t/\tFALSE\t1\texpired\t1',
      '#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t4102444800\thttponly\t1',
      'other.test\tFALSE\t/\tFALSE\t0\tother\t1',
      '',
    ], 'cookies.txt');
    const base = `:${server.port}`;
    const urls = [`http://127.0.0.1${base}/a`, `http://127.0.0.1${base}/deep/x`, `http://localhost${base}/b`, `http://app.localhost${base}/c`, `http://127.0.0.1${base}/logout`];
    const result = await run(urls, ['-b', jar, '-b', 'mine=1', '-L', '--no-cache']);
    expect(result.lines.map((l) => l.status)).toEqual([200, 200, 200, 200, 200]);
    // Longest path first, then as the file lists them; -b's own pairs first (they stay with the first origin, as -H's would).
    // A Secure cookie goes to 127.0.0.1 over http, as curl (7.79+) and browsers take loopback for a secure context.
    expect(seen.sort()).toEqual([
      ['127.0.0.1/a', 'host=only; secure=1; httponly=1; mine=1'],
      ['127.0.0.1/after', 'secure=1; httponly=1; mine=1'],
      ['127.0.0.1/deep/x', 'deep=1; host=only; secure=1; httponly=1; mine=1'],
      ['127.0.0.1/logout', 'host=only; secure=1; httponly=1; mine=1'],
      // .localhost for its subdomains is a top-level name's: curl 7.88 sends it to localhost alone.
      ['app.localhost/c', 'mine=1'],
      ['localhost/b', 'wide=sub; mine=1'],
    ]);
  });

  it("-b with a header dump (curl -D's) and -L: what a redirect sets of a name goes before the dump's cookie of it, as curl sends them", async () => {
    const seen: string[] = [];
    const server = await track(startHttpServer((req, res) => {
      seen.push(req.headers.cookie ?? '');
      if (req.url === '/login') return void res.writeHead(302, { location: '/home', 'set-cookie': 'sess=new; Path=/' }).end();
      res.end('in');
    }));
    // A login then a logout of tmp: the dump leaves sess=old alone.
    const dump = writeTempFile('HTTP/1.1 200 OK\r\nSet-Cookie: sess=old; Path=/\r\nSet-Cookie: tmp=1; Path=/\r\n\r\nHTTP/1.1 200 OK\r\nSet-Cookie: tmp=; Max-Age=0\r\n\r\n', 'dump.txt');
    const result = await run([`${server.url}/login`], ['-b', dump, '-L']);
    expect(result.lines[0]).toMatchObject({ status: 200, redirects: 1 });
    expect(seen).toEqual(['sess=old', 'sess=new; sess=old']);
  });

  it('-b FILE from a pipe, as `-b <(curl -c - ...)` gives one: read once by the run, its cookies sent by every child', async () => {
    const server = await track(startHttpServer((req, res) => void res.end(req.headers.cookie ?? '')));
    const fifo = writeTempFifo('127.0.0.1\tFALSE\t/\tFALSE\t0\tpiped\tyes\n', 'cookies.fifo');
    const urls = Array.from({ length: 4 }, (_, i) => `${server.url}/p${i}`);
    const result = await runCli(['-', '--procs', '2', '-b', fifo], { stdin: `${urls.join('\n')}\n`, timeoutMs: 20_000 });
    expect(result.code).toBe(0);
    expect(result.lines.map((l) => l.body)).toEqual(['piped=yes', 'piped=yes', 'piped=yes', 'piped=yes']);
  });

  it('--max-redirects bounds the chain with ETOOMANYREDIRECTS', async () => {
    const server = await track(chain());
    const result = await run([`${server.url}/r/5`], ['-L', '--max-redirects', '2']);
    expect(result.lines[0]).toMatchObject({ status: 302, ok: false, redirects: 2, finalUrl: `${server.url}/r/3`, error: { code: 'ETOOMANYREDIRECTS' } });
    expect(server.requests).toBe(3);
  });

  it('an empty Location is not followed, as curl follows none: the 302 is the answer, not a loop to ETOOMANYREDIRECTS', async () => {
    const server = await track(startHttpServer((_req, res) => void res.writeHead(302, { location: '' }).end('moved nowhere')));
    const result = await run([`${server.url}/x`], ['-L']);
    expect(result.lines[0]).toMatchObject({ status: 302, redirects: 0, error: null, body: 'moved nowhere' });
    expect(server.requests).toBe(1);
  });

  it('drops Authorization and Cookie on a cross-origin redirect, keeps them on the same origin', async () => {
    const other = await track(chain());
    const home: TestServer = await track(
      startHttpServer((req, res) => {
        if (req.url === '/away') res.writeHead(307, { location: `${other.url}/r/0` });
        else if (req.url === '/here') res.writeHead(302, { location: '/landing' });
        else return json(res, 200, { auth: req.headers.authorization ?? null, cookie: req.headers.cookie ?? null });
        res.end();
      }),
    );
    const result = await run([`${home.url}/away`, `${home.url}/here`], ['-L', '-H', 'Authorization: Bearer secret', '-H', 'Cookie: s=1']);
    const out = byLine(result.lines);
    expect(out.get(1)).toMatchObject({ status: 200, body: { auth: null, cookie: null }, finalUrl: `${other.url}/r/0` });
    expect(out.get(2)).toMatchObject({ status: 200, body: { auth: 'Bearer secret', cookie: 's=1' } });
    expect(other.log[0]?.headers.authorization).toBeUndefined();
  });

  it("-H 'Host: ...' goes to the first host name alone, as curl: a redirect to another host asks it for its own site", async () => {
    const other = await track(startHttpServer((req, res) => json(res, 200, { host: req.headers.host ?? null })));
    const otherPort = new URL(other.url).port;
    const home: TestServer = await track(
      startHttpServer((req, res) => {
        if (req.url === '/away') res.writeHead(302, { location: `http://other.test:${otherPort}/landed` });
        else if (req.url === '/here') res.writeHead(302, { location: '/landing' });
        else return json(res, 200, { host: req.headers.host ?? null });
        res.end();
      }),
    );
    const result = await run([`${home.url}/away`, `${home.url}/here`], ['-L', '-H', 'Host: site.test', '--resolve', `other.test:${otherPort}:127.0.0.1`]);
    const out = byLine(result.lines);
    expect(out.get(1)).toMatchObject({ status: 200, body: { host: `other.test:${otherPort}` }, redirects: 1 });
    expect(out.get(2)).toMatchObject({ status: 200, body: { host: 'site.test' }, redirects: 1 });
  });

  it('303 turns a POST into a GET without body; 307 repeats it', async () => {
    const server = await track(
      startHttpServer((req, res, ctx) => {
        if (req.url === '/see-other') res.writeHead(303, { location: '/done' });
        else if (req.url === '/temp') res.writeHead(307, { location: '/done' });
        else return json(res, 200, { method: req.method, body: ctx.body.toString() });
        res.end();
      }),
    );
    const result = await run(
      [JSON.stringify({ url: `${server.url}/see-other`, method: 'POST', body: 'x' }), JSON.stringify({ url: `${server.url}/temp`, method: 'POST', body: 'y' })],
      ['-L'],
    );
    const out = byLine(result.lines);
    expect(out.get(1)).toMatchObject({ method: 'POST', status: 200, body: { method: 'GET', body: '' } });
    expect(out.get(2)).toMatchObject({ status: 200, body: { method: 'POST', body: 'y' } });
  });
});
