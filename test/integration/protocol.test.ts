// Protocol details curl gets right: interim responses, odd status lines, raw bytes in Location,
// the method sent after a redirect. Raw node:net sockets where node:http would not misbehave.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach, listen, runCli, socketCloser, startHttp2Server, startHttpServer, startServerProcess, testCert } from '../helpers/index.js';

const track = cleanupAfterEach();
const run = (lines: string[], args: string[] = []) => runCli(['-', '--procs', '1', '--ordered', '--no-headers', '--retries', '0', ...args], { stdin: `${lines.join('\n')}\n` });

/**
 * A server answering each request (head plus Content-Length body) with the raw bytes scripted for its path, then closing;
 * a reply given in parts is written a part at a time, 30 ms apart, as a network may split it.
 */
async function scriptedServer(replies: Record<string, string | string[]>): Promise<{ url: string; heads: string[]; close(): Promise<void> }> {
  const heads: string[] = [];
  const server = createServer((socket) => {
    let data = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const end = data.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = data.subarray(0, end).toString('latin1');
      const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (data.length < end + 4 + length) return;
      heads.push(head);
      const path = /^\S+ (\S+)/.exec(head)?.[1] ?? '';
      const parts = [replies[path] ?? 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'].flat();
      const writeFrom = (i: number): void => {
        if (i === parts.length - 1) socket.end(Buffer.from(parts[i] as string, 'latin1'));
        else socket.write(Buffer.from(parts[i] as string, 'latin1'), () => setTimeout(() => writeFrom(i + 1), 30));
      };
      writeFrom(0);
      data = Buffer.alloc(0);
    });
    socket.on('error', () => {});
  });
  const closer = socketCloser(server);
  const port = await listen(server);
  return track({ url: `http://127.0.0.1:${port}`, heads, close: () => closer.close() });
}

const OK = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok';

describe('interim responses', () => {
  it('skips 100, 102 and 103 before the final response', async () => {
    const server = await scriptedServer({
      '/100': `HTTP/1.1 100 Continue\r\n\r\n${OK}`,
      '/102': `HTTP/1.1 102 Processing\r\n\r\n${OK}`,
      '/103': `HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n${OK}`,
      '/100x2': `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n${OK}`,
    });
    const result = await run(['/100', '/102', '/103', '/100x2'].map((p) => `${server.url}${p}`));
    expect(result.lines.map((l) => [l.status, l.body, l.error])).toEqual(Array(4).fill([200, 'ok', null]));
  });

  it('skips a 100 that follows a 103, and interim heads the network cut anywhere: a POST is sent once', async () => {
    const early = 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n';
    const server = await scriptedServer({
      '/103-100': `${early}HTTP/1.1 100 Continue\r\n\r\n${OK}`,
      '/cut-status': ['HTTP/1.1 1', `03 Early Hints\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n${OK}`],
      '/cut-head': ['HTTP/1.1 100 Continue\r\n', `\r\n${OK}`],
      '/cut-between': [early, 'HTTP/1.1 100 Contin', `ue\r\n\r\n${OK}`],
      '/no-reason': `HTTP/1.1 100\r\n\r\n${OK}`,
    });
    const paths = ['/103-100', '/cut-status', '/cut-head', '/cut-between', '/no-reason'];
    const result = await run(paths.map((p) => JSON.stringify({ url: `${server.url}${p}`, method: 'POST', body: 'a=1' })));
    expect(result.lines.map((l) => [new URL(l.url).pathname, l.status, l.body, l.attempts, l.error])).toEqual(paths.map((p) => [p, 200, 'ok', 1, null]));
    expect(server.heads).toHaveLength(paths.length);
  });

  it('a new connection closed after part of the answer is not a stale one: a POST is sent once with --retries 0', async () => {
    const server = await scriptedServer({
      '/processing': 'HTTP/1.1 102 Processing\r\n\r\n',
      '/half-status': 'HTTP/1.1 200 O',
      '/word': 'HTTP',
    });
    const paths = ['/processing', '/half-status', '/word'];
    const result = await run(paths.map((p) => JSON.stringify({ url: `${server.url}${p}`, method: 'POST', body: 'pay=1' })));
    expect(result.lines.map((l) => [new URL(l.url).pathname, l.status, l.attempts, l.error?.code])).toEqual(paths.map((p) => [p, null, 1, 'ESOCKETCLOSED']));
    expect(server.heads).toHaveLength(paths.length);
  });

  it('a 101 no request asked for is EPROTOCOL, sent once: not a connection lost, re-sent at once whatever the method', async () => {
    const server = await scriptedServer({ '/upgrade': 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n' });
    const result = await run([JSON.stringify({ url: `${server.url}/upgrade`, method: 'POST', body: 'a=1' })]);
    expect(result.lines[0]).toMatchObject({ status: null, attempts: 1, error: { code: 'EPROTOCOL' } });
    expect(result.lines[0]?.error.message).toMatch(/bad upgrade \(the server sent/);
    expect(server.heads).toHaveLength(1);
    // Without an Upgrade header (httpbin's /status/101) undici's parser asserts: the words say a 101 came, not a bad status line.
    const bare = await scriptedServer({ '/bare': 'HTTP/1.1 101 SWITCHING PROTOCOLS\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n' });
    const plain = await run([`${bare.url}/bare`], ['--retries', '0']);
    expect(plain.lines[0]).toMatchObject({ status: null, error: { code: 'EPROTOCOL', message: 'Response does not match the HTTP protocol (a status this client cannot take: below 100, or 101 Switching Protocols where no request asked to switch)' } });
  });

  it("-H 'Expect: 100-continue' works: the body goes at once", async () => {
    const server = await scriptedServer({ '/post': `HTTP/1.1 100 Continue\r\n\r\n${OK}` });
    const result = await run([JSON.stringify({ url: `${server.url}/post`, method: 'POST', body: 'hello' })], ['-H', 'Expect: 100-continue']);
    expect(result.lines[0]).toMatchObject({ status: 200, body: 'ok', error: null });
    expect(server.heads[0]).toMatch(/^POST \/post/);
  });

  it('an Expect other than 100-continue, and Connection options other than close and keep-alive, are refused: the client dropped them without a word', async () => {
    const server = await scriptedServer({ '/x': OK });
    const flagged = await run([`${server.url}/x`], ['-H', 'Expect: something-else']);
    expect(flagged.code).toBe(2);
    expect(flagged.stderr).toBe('bulkfetch: Invalid --header "Expect: something-else": Header Expect: only 100-continue is taken (and not sent: the body goes at once); the HTTP client sends no other expectation, got "something-else"\n');
    const specs = await run([
      JSON.stringify({ url: `${server.url}/x`, headers: { Connection: 'close, TE', TE: 'trailers' } }),
      JSON.stringify({ url: `${server.url}/x`, headers: { Expect: 'foo' } }),
      JSON.stringify({ url: `${server.url}/x`, headers: { Connection: 'Close' } }),
    ], ['--ordered']);
    expect(specs.lines.map((line) => line.error?.code ?? line.status)).toEqual(['EINVALIDHEADER', 'EINVALIDHEADER', 200]);
    expect(specs.lines[0]?.error.message).toBe('Header Connection: only close or keep-alive can be sent (the HTTP client writes this header, and drops every other option), got "close, TE"');
    expect(server.heads).toHaveLength(1);
    expect(server.heads[0]).toMatch(/\r\nconnection: close\r\n/i);
    // An empty one expects nothing: dropped, not refused.
    const empty = await run([`${server.url}/x`], ['-H', 'Expect;']);
    expect(empty.lines[0]).toMatchObject({ status: 200 });
    // Empty list items are no options (RFC 9110 5.6.1): taken, and sent as the one option that counts (they were refused).
    const listed = await run([
      JSON.stringify({ url: `${server.url}/x`, headers: { Connection: 'close,' } }),
      JSON.stringify({ url: `${server.url}/x`, headers: { Connection: ' , keep-alive' } }),
      JSON.stringify({ url: `${server.url}/x`, headers: { Expect: '100-continue,' } }),
    ], ['--ordered']);
    expect(listed.lines.map((line) => line.error?.code ?? line.status)).toEqual([200, 200, 200]);
    expect(server.heads.slice(-3).map((head) => /\r\nconnection: ([^\r]*)\r\n/i.exec(head)?.[1]?.toLowerCase())).toEqual(['close', 'keep-alive', 'keep-alive']);
    const flaggedList = await run([`${server.url}/x`], ['-H', 'Connection: close, ,keep-alive']);
    expect(flaggedList.lines[0]).toMatchObject({ status: 200 });
    expect(server.heads.at(-1)).toMatch(/\r\nconnection: close\r\n/i);
  });
});

describe('status lines', () => {
  it('a status below 100 is EPROTOCOL with a clean message; 600-999 (LinkedIn\'s 999) is the server\'s answer, as in curl: not ok, not retried', async () => {
    const server = await scriptedServer({
      '/600': 'HTTP/1.1 600 Odd\r\nContent-Length: 2\r\n\r\nok',
      '/099': 'HTTP/1.1 099 Low\r\nContent-Length: 2\r\n\r\nok',
      '/999': 'HTTP/1.1 999 Request denied\r\nContent-Length: 6\r\n\r\ndenied',
    });
    // Retries allowed: a status of 600-999 is not one that is retried.
    const result = await run(['/600', '/099', '/999'].map((p) => `${server.url}${p}`), ['--retries', '2']);
    const byPath = new Map(result.lines.map((line) => [new URL(line.url).pathname, line]));
    expect(byPath.get('/099')).toMatchObject({ status: null, error: { code: 'EPROTOCOL' } });
    expect(byPath.get('/099')?.error.message).not.toMatch(/assert|falsy/i);
    expect(byPath.get('/600')).toMatchObject({ status: 600, ok: false, body: 'ok', attempts: 1, error: null });
    expect(byPath.get('/999')).toMatchObject({ status: 999, ok: false, body: 'denied', attempts: 1, error: null });
    const failed = await run([`${server.url}/999`], ['-f']);
    expect(failed.code).toBe(1);
  });

  it('a Content-Length given twice is EPROTOCOL saying so, where it said the body did not match its length', async () => {
    const server = await scriptedServer({
      '/twice': 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello',
      '/list': 'HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello',
      '/short': 'HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nhello',
      // Past 2^53 (it said 9007199254740992) and past 2^64 (it said "given more than once, is not one number").
      '/past53': 'HTTP/1.1 200 OK\r\nContent-Length: 9007199254740993\r\n\r\nhello',
      '/past64': 'HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\nhello',
      '/both': 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
    });
    const result = await run([`${server.url}/twice`, `${server.url}/list`, `${server.url}/both`, `${server.url}/past64`]);
    // A body short of its one length stays a connection closed mid-body.
    const short = await run([`${server.url}/short`]);
    expect(short.lines[0]).toMatchObject({ status: null, error: { code: 'ESOCKETCLOSED', message: expect.stringMatching(/5 of the 9 body bytes/) } });
    const past53 = await run([`${server.url}/past53`], ['--retries', '0']);
    expect(past53.lines[0]).toMatchObject({ status: null, error: { code: 'ESOCKETCLOSED', message: expect.stringMatching(/ 5 of the 9007199254740993 body bytes/) } });
    for (const line of result.lines) {
      expect(line).toMatchObject({ status: null, error: { code: 'EPROTOCOL', message: "The response's Content-Length is given more than once, is not one number (or one past 2^64 - 1, the largest llhttp reads), or comes with Transfer-Encoding, so its body cannot be framed and the response is refused (RFC 9112, 6.3)" } });
    }
    expect(result.lines).toHaveLength(4);
  });
});

describe('big response heads', () => {
  it('takes headers up to 256 KiB, as curl takes a 100 KB header; past that EPROTOCOL says the bound', async () => {
    const server = await scriptedServer({
      '/big': `HTTP/1.1 200 OK\r\nSet-Cookie: c=${'a'.repeat(100_000)}\r\nContent-Length: 2\r\n\r\nok`,
      '/huge': `HTTP/1.1 200 OK\r\nX-Huge: ${'a'.repeat(300_000)}\r\nContent-Length: 2\r\n\r\nok`,
    });
    const result = await run([`${server.url}/big`, `${server.url}/huge`], ['--no-cache']);
    const byPath = new Map(result.lines.map((line) => [new URL(line.url).pathname, line]));
    expect(byPath.get('/big')).toMatchObject({ status: 200, body: 'ok', error: null });
    expect(byPath.get('/huge')).toMatchObject({ status: null, error: { code: 'EPROTOCOL', message: expect.stringMatching(/the response's status line and headers are over 256 KiB$/) } });
  });
});

describe('big HTTP/2 response heads', () => {
  it('takes 300 header fields, as HTTP/1.1 and curl do, where node:http2 reset the stream past 128 and the GET went three times', async () => {
    const handler = (_req: unknown, res: { writeHead(s: number, h: Record<string, string>): unknown; end(b: string): void }) => {
      res.writeHead(200, Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`x-h${i}`, 'v'.repeat(50)])));
      res.end('ok');
    };
    const server = track(await startHttp2Server(handler as never));
    const result = await runCli([`${server.url}/many`, '-k', '--http2', '--procs', '1']);
    expect(result.lines[0]).toMatchObject({ status: 200, body: 'ok', attempts: 1, error: null });
    expect(Object.keys(result.lines[0]?.headers ?? {}).filter((name) => name.startsWith('x-h'))).toHaveLength(300);
    expect(server.requests).toBe(1);
  });

  it("a server that cannot send its head (100 KiB, it resets and closes) gives every record one code, not undici's frameError words as EPROTOCOL", async () => {
    // node:http2 in a process of its own: failing to send that head now and then corrupts its heap on Node 20.
    const server = track(await startServerProcess('oversized-head-h2', testCert(), 'https'));
    const urls = Array.from({ length: 16 }, (_, i) => `${server.url}/big/${i}`);
    const result = await runCli(['-', '-k', '--http2', '--procs', '1', '--concurrency', '4', '--retries', '0'], { stdin: `${urls.join('\n')}\n` });
    expect(server.died, "the test's server process crashed: Node's node:http2, not bulkfetch").toBeNull();
    expect(result.lines).toHaveLength(16);
    expect(new Set(result.lines.map((l) => l.error?.code))).toEqual(new Set(['ECONNRESET']));
  });

  it("a spec's header value with blanks at its ends goes without them, as -H's: HTTP/2 forbids them, and node:http2 dropped the field", async () => {
    const seen: Array<string | string[] | undefined> = [];
    const server = track(await startHttp2Server((req, res) => {
      seen.push(req.headers['x-lead']);
      res.end('ok');
    }));
    const result = await run([JSON.stringify({ url: `${server.url}/a`, headers: { 'X-Lead': '  lead\t' } })], ['-k', '--http2']);
    expect(result.lines[0]).toMatchObject({ status: 200, error: null });
    expect(seen).toEqual(['lead']);
    // An IPv6 bracket left open in Host is refused before anything goes: undici asserted on it, and the record read EPROTOCOL.
    const host = await run([JSON.stringify({ url: `${server.url}/b`, headers: { Host: '[::1' } })], ['-k']);
    expect(host.lines[0]).toMatchObject({ status: null, attempts: 0, error: { code: 'EINVALIDHEADER', message: expect.stringContaining('an IPv6 address is written in brackets') } });
    expect(server.requests).toBe(1);
  });

  it('request headers too large for an HTTP/2 header block are EINVALIDHEADER, sent once, not three times each closing the session', async () => {
    const server = track(await startHttp2Server());
    const result = await runCli([`${server.url}/a`, '-k', '--http2', '--procs', '1', '-H', `X-Big: ${'x'.repeat(70_000)}`, '--summary', '-', '-o', '/dev/null']);
    // Nothing went out: no request counted, the record invalid, as one with a Content-Length its body belies.
    expect(JSON.parse(result.stdout)).toMatchObject({ records: 1, sent: 0, invalid: 1, requests: 0 });
    const line = await runCli([`${server.url}/a`, '-k', '--http2', '--procs', '1', '-H', `X-Big: ${'x'.repeat(70_000)}`]);
    expect(line.lines[0]).toMatchObject({ status: null, attempts: 0, error: { code: 'EINVALIDHEADER', message: expect.stringContaining('too large for HTTP/2') } });
    expect(server.requests).toBe(0);
  });
});

describe('redirects', () => {
  it('percent-encodes raw UTF-8 bytes in Location once', async () => {
    const server = await scriptedServer({
      '/from': 'HTTP/1.1 302 Found\r\nLocation: /\xc3\xa9t\xc3\xa9?q=\xc3\xa9\r\nContent-Length: 0\r\n\r\n',
      '/%C3%A9t%C3%A9?q=%C3%A9': OK,
    });
    const result = await run([`${server.url}/from`], ['-L']);
    expect(result.lines[0]).toMatchObject({ status: 200, finalUrl: `${server.url}/%C3%A9t%C3%A9?q=%C3%A9`, error: null });
  });

  it('reads a Location as an input URL is read, as curl: a backslash names no other host, %2e is no dot segment', async () => {
    const moved = (location: string) => `HTTP/1.1 302 Found\r\nLocation: ${location}\r\nContent-Length: 0\r\n\r\n`;
    const server = await scriptedServer({
      // WHATWG reads `/\\host` as `//host`: another host, which the server never named.
      '/backslash': moved('/\\127.0.0.2:9/elsewhere'),
      '/%5C127.0.0.2:9/elsewhere': OK,
      '/dots': moved('/x/%2e%2e/kept'),
      '/x/%2e%2e/kept': OK,
      // A relative Location against a path whose %2E the input kept.
      '/a/%2E%2E/from': moved('next'),
      '/a/%2E%2E/next': OK,
    });
    const result = await run([`${server.url}/backslash`, `${server.url}/dots`, `${server.url}/a/%2E%2E/from`], ['-L']);
    expect(result.lines.map((l) => [l.status, l.finalUrl, l.error])).toEqual([
      [200, `${server.url}/%5C127.0.0.2:9/elsewhere`, null],
      [200, `${server.url}/x/%2e%2e/kept`, null],
      [200, `${server.url}/a/%2E%2E/next`, null],
    ]);
  });

  it('follows a redirect whose body is cut short or stalls, as curl does: its Location came with the head', async () => {
    // 10 of the 1,000 body bytes declared, then the connection ends (/cut) or stays open and silent (/stall).
    const head = (to: string) => `HTTP/1.1 302 Found\r\nLocation: ${to}\r\nContent-Length: 1000\r\n\r\n0123456789`;
    const server = createServer((socket) => {
      socket.once('data', (chunk: Buffer) => {
        const path = /^\S+ (\S+)/.exec(chunk.toString('latin1'))?.[1];
        if (path === '/cut') socket.end(head('/after'));
        else if (path === '/stall') socket.write(head('/after'));
        else socket.end(OK);
      });
      socket.on('error', () => {});
    });
    const closer = socketCloser(server);
    const url = `http://127.0.0.1:${await listen(server)}`;
    track({ close: () => closer.close() });
    const result = await run([`${url}/cut`, `${url}/stall`], ['-L', '--timeout', '20']);
    expect(result.lines.map((l) => [l.status, l.finalUrl, l.redirects, l.attempts, l.error])).toEqual([
      [200, `${url}/after`, 1, 2, null],
      [200, `${url}/after`, 1, 2, null],
    ]);
    // The stalled body was left after a second (it had failed the record at --timeout, retried).
    expect(result.lines[1]?.ms).toBeLessThan(5000);
  });

  it('says the method actually sent last after a 303 turned POST into GET', async () => {
    const server = await startHttpServer((req, res) => {
      if (req.url === '/form') {
        res.writeHead(303, { location: '/done' }).end();
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' }).end(req.method);
      }
    });
    track(server);
    const result = await run([JSON.stringify({ url: `${server.url}/form`, method: 'POST', body: 'x' }), `${server.url}/form`], ['-L']);
    expect(result.lines[0]).toMatchObject({ method: 'POST', finalMethod: 'GET', body: 'GET', redirects: 1 });
    expect(result.lines[1]).toMatchObject({ method: 'GET', finalMethod: 'GET' });
  });
});

describe('response headers', () => {
  it('have one shape: repeats joined with ", ", set-cookie always an array', async () => {
    const server = await scriptedServer({
      '/h': 'HTTP/1.1 200 OK\r\nX-A: 1\r\nX-A: 2\r\nSet-Cookie: one=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT\r\nVary: accept\r\nVary: origin\r\nContent-Length: 0\r\n\r\n',
      '/one': 'HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nX-A: 1\r\nContent-Length: 0\r\n\r\n',
    });
    const result = await runCli(['-', '--procs', '1', '--ordered'], { stdin: `${server.url}/h\n${server.url}/one\n` });
    expect(result.lines[0]?.headers).toMatchObject({ 'x-a': '1, 2', vary: 'accept, origin', 'set-cookie': ['one=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT'] });
    expect(result.lines[1]?.headers).toMatchObject({ 'x-a': '1', 'set-cookie': ['a=1'] });
  });
});

describe('response headers', () => {
  it("keeps a header named as an object's own members (__proto__, constructor, toString), as curl -D shows them", async () => {
    const server = await scriptedServer({ '/odd': 'HTTP/1.1 200 OK\r\n__proto__: x\r\nconstructor: y\r\ntoString: z\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok' });
    const result = await runCli([`${server.url}/odd`, '--procs', '1', '--retries', '0']);
    const headers = result.lines[0]?.headers as Record<string, unknown>;
    expect(Object.entries(headers).filter(([name]) => name !== 'content-length' && name !== 'connection')).toEqual([
      ['__proto__', 'x'],
      ['constructor', 'y'],
      ['tostring', 'z'],
    ]);
  });

  it('gives a value without the whitespace around it (RFC 9110 5.5), repeats and Set-Cookie included', async () => {
    const server = await scriptedServer({ '/padded': 'HTTP/1.1 200 OK\r\nX-S:   padded \t \r\nX-R: one  \r\nX-R:  two\t\r\nSet-Cookie: a=1; Path=/  \r\nX-Inner: a  b\r\nContent-Length: 2\r\n\r\nok' });
    const result = await runCli([`${server.url}/padded`, '--procs', '1', '--retries', '0']);
    expect(result.lines[0]?.headers).toMatchObject({ 'x-s': 'padded', 'x-r': 'one, two', 'set-cookie': ['a=1; Path=/'], 'x-inner': 'a  b' });
  });
});

describe('framings curl reads and undici refuses', () => {
  it("EPROTOCOL's message names the fold, the bare LF and the space before a colon, where llhttp's words named none", async () => {
    const server = await scriptedServer({
      '/fold': 'HTTP/1.1 200 OK\r\nX-Fold: a\r\n  b\r\nContent-Length: 2\r\n\r\nok',
      '/lf': 'HTTP/1.1 200 OK\nContent-Length: 2\n\nok',
      '/colon': 'HTTP/1.1 200 OK\r\nX-A : b\r\nContent-Length: 2\r\n\r\nok',
      // As httpbin's /status/199: a chunked body after an interim answer, where the final answer's status line should be.
      '/after-1xx': 'HTTP/1.1 199 UNKNOWN\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    });
    track(server);
    const result = await run([`${server.url}/fold`, `${server.url}/lf`, `${server.url}/colon`, `${server.url}/after-1xx`]);
    expect(result.lines.map((l) => l.error?.code)).toEqual(['EPROTOCOL', 'EPROTOCOL', 'EPROTOCOL', 'EPROTOCOL']);
    expect(result.lines.map((l) => l.error?.message.replace(/^.*\): /, ''))).toEqual([
      'a header folded onto a next line (obs-fold)',
      'lines ended by a bare LF, not CRLF',
      'a header name with a character a name may not have, such as a space before its colon',
      'the answer does not begin with a status line such as "HTTP/1.1 200 OK": a server that does not speak HTTP, or bytes past the end of an answer before it, such as a body sent after a 1xx interim answer, which has none',
    ]);
  });
});

describe('transfer codings', () => {
  it('a Transfer-Encoding other than chunked is EPROTOCOL, not its coded bytes passed off as the body (curl: "Unrecognized transfer encoding")', async () => {
    const server = await scriptedServer({
      '/chunked-gzip': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
      '/gzip': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nConnection: close\r\n\r\nhello',
      '/chunked': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
    });
    track(server);
    const result = await run([`${server.url}/chunked-gzip`, `${server.url}/gzip`, `${server.url}/chunked`]);
    // Before: status 200 with the body "5\r\nhello\r\n0\r\n\r\n", and "hello" for bytes declared gzip-coded.
    expect(result.lines.map((l) => [l.status, l.error?.code ?? l.body])).toEqual([[null, 'EPROTOCOL'], [null, 'EPROTOCOL'], [200, 'hello']]);
    expect(result.lines[0]?.error?.message).toContain('Transfer-Encoding "chunked, gzip": only chunked is undone');
  });
});

describe('response trailers', () => {
  it('come as the line\'s trailers over chunked HTTP/1.1 and HTTP/2, where they were dropped, and go with --no-headers', async () => {
    // node:http's and node:http2's compatibility API alike: chunked, then the fields after the body.
    const handler = (_req: unknown, res: { writeHead(s: number, h: Record<string, string>): unknown; write(b: string): unknown; addTrailers(t: Record<string, string>): void; end(): void }) => {
      res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-sum, grpc-status' });
      res.write('hello');
      res.addTrailers({ 'x-sum': 'ab12', 'grpc-status': '0' });
      res.end();
    };
    const h1 = track(await startHttpServer(handler as never));
    const h2 = track(await startHttp2Server(handler as never));
    const result = await runCli([`${h1.url}/t`, `${h2.url}/t`, '-k', '--http2', '--procs', '1', '--ordered']);
    expect(result.code).toBe(0);
    for (const line of result.lines) expect(line).toMatchObject({ status: 200, body: 'hello', trailers: { 'x-sum': 'ab12', 'grpc-status': '0' }, error: null });
    // Between the body and bytes, as the README's field table has them.
    expect(result.stdout.split('\n')[0]).toContain('"body":"hello","trailers":{"x-sum":"ab12","grpc-status":"0"},"bytes":5,');
    const bare = await runCli([`${h1.url}/t`, `${h2.url}/t`, '-k', '--http2', '--procs', '1', '--no-headers']);
    for (const line of bare.lines) expect(line).not.toHaveProperty('trailers');
    // A response without trailers has no such field.
    const plainServer = track(await startHttpServer());
    const plain = await runCli([`${plainServer.url}/p`, '--procs', '1']);
    expect(plain.lines[0]).toMatchObject({ status: 200, error: null });
    expect(plain.lines[0]).not.toHaveProperty('trailers');
  });
});
