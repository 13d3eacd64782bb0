// Proves the test helpers themselves work, so a failing CLI test points at the CLI, not at them.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { Agent, Client, ProxyAgent, request, type Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from './cleanup.js';
import { cleanupTemp, collectOutput, killAllCli, parseJsonLines, runCli, spawnCli, tempDir, writeTempFile } from './cli.js';
import { startFaultyServer, type FaultMode } from './faulty.js';
import { startProxyServer } from './proxy.js';
import { startServerProcess } from './server-process.js';
import {
  gapsMs,
  json,
  startBigBodyServer,
  startHttp2Server,
  startHttpServer,
  startTlsServer,
} from './servers.js';
import { isAlive, processTree, rssKiB, sampleTreeRss, waitForDeath } from './tree.js';
import { testCert } from './certs.js';

// Everything a test opens is closed afterwards, even when an assertion failed half-way.
const track = cleanupAfterEach();
function trackDispatcher<T extends Dispatcher>(d: T): T {
  track.defer(() => d.destroy());
  return d;
}

async function get(url: string, dispatcher?: Dispatcher, init: Partial<Dispatcher.RequestOptions> = {}) {
  const res = await request(url, dispatcher ? { dispatcher, ...init } : init);
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text };
}

/** The code of the error a request (including reading its body) fails with. */
async function failureCode(url: string, dispatcher: Dispatcher, signal?: AbortSignal): Promise<string> {
  try {
    const res = await request(url, { dispatcher, signal });
    await res.body.arrayBuffer();
  } catch (err) {
    // DOMExceptions (abort/timeout) carry a numeric legacy code; their name is what identifies them.
    const e = err as { code?: unknown; name?: string; cause?: { code?: string } };
    return typeof e.code === 'string' ? e.code : (e.cause?.code ?? e.name ?? String(err));
  }
  throw new Error('request unexpectedly succeeded');
}

describe('startHttpServer', () => {
  it('answers {path} by default and counts requests, paths and arrival times', async () => {
    const srv = track(await startHttpServer());
    const a = await get(`${srv.url}/a?x=1`);
    await get(`${srv.url}/a?x=1`);
    await get(`${srv.url}/b`);
    expect(a.status).toBe(200);
    expect(JSON.parse(a.text)).toEqual({ path: '/a?x=1' });
    expect(srv.requests).toBe(3);
    expect(srv.paths.get('/a?x=1')).toBe(2);
    expect(srv.paths.get('/b')).toBe(1);
    expect(srv.times).toHaveLength(3);
    expect(gapsMs(srv.times).every((g) => g >= 0)).toBe(true);
    expect(srv.log.map((r) => r.url)).toEqual(['/a?x=1', '/a?x=1', '/b']);
    expect(srv.log[0]).toMatchObject({ method: 'GET', httpVersion: '1.1', index: 0 });
    expect(srv.protocols.get('1.1')).toBe(3);
    expect(srv.inFlight).toBe(0);
    expect(srv.connections).toBeGreaterThanOrEqual(1);
  });

  it('tracks the maximum number of concurrently in-flight requests', async () => {
    const srv = track(await startHttpServer(async (_req, res, ctx) => {
      await ctx.delay(150);
      json(res, 200, { ok: true });
    }));
    const agent = trackDispatcher(new Agent({ connections: 3 }));
    await Promise.all(Array.from({ length: 6 }, (_, i) => get(`${srv.url}/${i}`, agent)));
    expect(srv.maxConcurrent).toBe(3);
    expect(srv.inFlight).toBe(0);
    expect(srv.connections).toBe(3);
  });

  it('lets handlers set statuses and headers, echo bodies, and count per-path attempts', async () => {
    const srv = track(await startHttpServer((req, res, ctx) => {
      if (req.url === '/flaky' && ctx.pathCount <= 2) return json(res, 503, { try: ctx.pathCount }, { 'retry-after': '1' });
      if (req.url === '/redirect') {
        res.writeHead(302, { location: '/target' }).end();
        return;
      }
      if (req.url === '/boom') throw new Error('boom');
      json(res, 200, { method: req.method, body: ctx.body.toString() });
    }));
    const first = await get(`${srv.url}/flaky`);
    expect(first.status).toBe(503);
    expect(first.headers['retry-after']).toBe('1');
    expect((await get(`${srv.url}/flaky`)).status).toBe(503);
    expect((await get(`${srv.url}/flaky`)).status).toBe(200);
    const redirect = await get(`${srv.url}/redirect`);
    expect(redirect.status).toBe(302);
    expect(redirect.headers.location).toBe('/target');
    const echo = await get(`${srv.url}/echo`, undefined, { method: 'POST', body: 'hello' });
    expect(JSON.parse(echo.text)).toEqual({ method: 'POST', body: 'hello' });
    expect(srv.log.at(-1)?.body?.toString()).toBe('hello');
    expect((await get(`${srv.url}/boom`)).status).toBe(500);
    expect(srv.errors).toHaveLength(1);
  });

  it('close() resolves promptly even with a request hanging in the handler', async () => {
    const srv = await startHttpServer(async (_req, _res, ctx) => {
      await ctx.delay(60_000);
    });
    const pending = get(srv.url).catch((e: { code?: string }) => e.code);
    while (srv.inFlight === 0) await new Promise((r) => setTimeout(r, 5));
    const t0 = Date.now();
    await srv.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(await pending).toBe('UND_ERR_SOCKET');
  });
});

describe('TLS and HTTP/2', () => {
  it('startTlsServer works with its CA and is rejected without it', async () => {
    const srv = track(await startTlsServer());
    expect(srv.ca).toContain('BEGIN CERTIFICATE');
    const agent = trackDispatcher(new Agent({ connect: { ca: srv.ca } }));
    const res = await get(`${srv.url}/secure`, agent);
    expect(JSON.parse(res.text)).toEqual({ path: '/secure' });
    // localhost is in the certificate's SAN as well.
    expect((await get(`https://localhost:${srv.port}/x`, agent)).status).toBe(200);
    const strict = trackDispatcher(new Agent());
    expect(await failureCode(srv.url, strict)).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(srv.requests).toBe(2);
  });

  it('startHttp2Server records HTTP/2 for allowH2 clients and 1.1 for others', async () => {
    const srv = track(await startHttp2Server());
    const h2 = trackDispatcher(new Agent({ allowH2: true, connect: { ca: srv.ca } }));
    const h1 = trackDispatcher(new Agent({ connect: { ca: srv.ca } }));
    expect(JSON.parse((await get(`${srv.url}/two`, h2)).text)).toEqual({ path: '/two' });
    expect((await get(`${srv.url}/one`, h1)).status).toBe(200);
    expect(srv.log.map((r) => [r.url, r.httpVersion])).toEqual([
      ['/two', '2.0'],
      ['/one', '1.1'],
    ]);
    expect(srv.protocols.get('2.0')).toBe(1);
  });

  it('HTTP/2 multiplexes concurrent requests over one connection', async () => {
    const srv = track(await startHttp2Server(async (req, res, ctx) => {
      await ctx.delay(100);
      json(res, 200, { path: req.url });
    }));
    // undici's default pipelining of 1 also caps HTTP/2 streams per connection: with allowH2 alone
    // it opens one connection per concurrent request. And until ALPN has said h2 it opens a
    // connection per queued request anyway: warm up first.
    const h2 = trackDispatcher(new Agent({ allowH2: true, pipelining: 10, connect: { ca: srv.ca } }));
    await get(`${srv.url}/warm`, h2);
    await Promise.all(Array.from({ length: 5 }, (_, i) => get(`${srv.url}/${i}`, h2)));
    expect(srv.maxConcurrent).toBe(5);
    expect(srv.connections).toBe(1);
  });

  it('close() does not hang on open HTTP/2 sessions', async () => {
    const srv = await startHttp2Server();
    const h2 = trackDispatcher(new Agent({ allowH2: true, connect: { ca: srv.ca } }));
    await get(srv.url, h2); // leaves the session open
    const t0 = Date.now();
    await srv.close();
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});

describe('startServerProcess', () => {
  it('serves from a process of its own, says how it died when it crashed, and is gone after close', async () => {
    const server = track(await startServerProcess('oversized-head-h2', testCert(), 'https'));
    expect(server.pid).not.toBe(process.pid);
    const client = trackDispatcher(new Agent({ connect: { rejectUnauthorized: false }, maxHeaderSize: 256 * 1024 }));
    // Its one answer is a head too big for HTTP/2; over HTTP/1.1 it goes out whole.
    const res = await request(`${server.url}/x`, { dispatcher: client });
    expect(res.headers['x-big']).toHaveLength(100 * 1024);
    await res.body.text();
    expect(server.died).toBeNull();
    process.kill(server.pid, 'SIGKILL');
    expect(await waitForDeath(server.pid, 5_000)).toBe(true);
    await expect.poll(() => server.died).toBe('SIGKILL');
    await server.close();

    const closed = await startServerProcess('oversized-head-h2', testCert(), 'https');
    await closed.close();
    expect(isAlive(closed.pid)).toBe(false);
    expect(closed.died).toBeNull();
  });
});

describe('startProxyServer', () => {
  it('forwards absolute-form requests and tunnels CONNECT', async () => {
    const proxy = track(await startProxyServer());
    const http = track(await startHttpServer());
    const tls = track(await startTlsServer());
    const agent = trackDispatcher(new ProxyAgent({ uri: proxy.url, requestTls: { ca: tls.ca } }));
    expect(JSON.parse((await get(`${http.url}/via-proxy`, agent)).text)).toEqual({ path: '/via-proxy' });
    expect(JSON.parse((await get(`${tls.url}/via-tunnel`, agent)).text)).toEqual({ path: '/via-tunnel' });
    // undici tunnels even plain-http targets through CONNECT; the proxy counts either way.
    expect(proxy.requests).toBe(2);
    expect(proxy.connects + proxy.forwarded).toBe(2);
    expect(proxy.targets.some((t) => t.includes(String(tls.port)))).toBe(true);
    expect(http.requests).toBe(1);
    expect(tls.requests).toBe(1);
  });

  it('forwards absolute-form GETs from a plain HTTP client', async () => {
    const proxy = track(await startProxyServer());
    const http = track(await startHttpServer());
    const client = trackDispatcher(new Client(proxy.url));
    const res = await client.request({ method: 'GET', path: `${http.url}/abs`, headers: { host: `127.0.0.1:${http.port}` } });
    expect(JSON.parse(await res.body.text())).toEqual({ path: '/abs' });
    expect(proxy.forwarded).toBe(1);
    expect(proxy.targets).toEqual([`GET ${http.url}/abs`]);
  });

  it('requires Proxy-Authorization when started with auth', async () => {
    const proxy = track(await startProxyServer({ auth: 'u:p' }));
    const http = track(await startHttpServer());
    const noAuth = trackDispatcher(new ProxyAgent(proxy.url));
    expect(await failureCode(http.url, noAuth)).toBe('UND_ERR_ABORTED');
    const withAuth = trackDispatcher(
      new ProxyAgent({ uri: proxy.url, token: `Basic ${Buffer.from('u:p').toString('base64')}` }),
    );
    expect((await get(http.url, withAuth)).status).toBe(200);
    expect(proxy.requests).toBe(1);
  });
});

describe('startFaultyServer', () => {
  // Codes observed with undici 7 on Node 20; recorded here so CLI tests know what to expect.
  const cases: Array<[FaultMode, string, { timeoutMs?: number }]> = [
    ['reset-headers', 'ECONNRESET', {}],
    ['reset-body', 'ECONNRESET', {}],
    ['close', 'UND_ERR_SOCKET', {}],
    ['hang', 'UND_ERR_HEADERS_TIMEOUT', {}],
    ['trickle', 'TimeoutError', { timeoutMs: 300 }],
    // undici's HTTPParserError has code undefined for an invalid status; message says "Invalid status code".
    ['bad-status', 'HTTPParserError', {}],
    ['huge-headers', 'UND_ERR_HEADERS_OVERFLOW', {}],
    ['slow-headers', 'UND_ERR_HEADERS_TIMEOUT', {}],
  ];
  for (const [mode, code, { timeoutMs }] of cases) {
    it(`${mode} makes the request fail with ${code}`, async () => {
      const srv = track(await startFaultyServer(mode));
      const client = trackDispatcher(new Client(srv.url, { headersTimeout: 300, bodyTimeout: 300 }));
      const signal = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
      expect(await failureCode(`${srv.url}/f`, client, signal)).toBe(code);
      expect(srv.requests).toBe(1);
    });
  }
});

describe('startBigBodyServer', () => {
  it('streams the full body when read', async () => {
    const srv = track(await startBigBodyServer({ size: 1_000_000 }));
    const res = await request(srv.url);
    expect(res.headers['content-length']).toBe('1000000');
    expect((await res.body.arrayBuffer()).byteLength).toBe(1_000_000);
    await srv.allDone();
    expect(srv.streams[0]).toMatchObject({ state: 'completed', bytesWritten: 1_000_000 });
  });

  it('stops early and records how much was written when the client leaves', async () => {
    const srv = track(await startBigBodyServer({ contentLength: false }));
    const client = trackDispatcher(new Client(srv.url));
    const res = await client.request({ method: 'GET', path: '/?size=104857600' });
    let read = 0;
    for await (const chunk of res.body) {
      read += (chunk as Buffer).length;
      if (read >= 1_000_000) break; // breaking out destroys the body stream
    }
    await client.destroy();
    await srv.allDone();
    const s = srv.streams[0]!;
    expect(s.state).toBe('aborted');
    expect(s.size).toBe(104_857_600);
    expect(s.bytesWritten).toBeGreaterThanOrEqual(read);
    expect(s.bytesWritten).toBeLessThan(50 * 1024 * 1024);
  });
});

describe('tree.ts', () => {
  it('finds descendants, reads RSS, samples the tree and sees death', async () => {
    const child = spawn('sh', ['-c', 'sleep 30 & sleep 30; wait'], { stdio: 'ignore' });
    track.defer(() => child.kill('SIGKILL'));
    const pid = child.pid!;
    let tree: number[] = [];
    for (let i = 0; i < 100 && tree.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 10));
      tree = processTree(pid);
    }
    expect(tree).toHaveLength(2);
    expect(processTree(process.pid)).toContain(pid);
    expect(rssKiB(process.pid)).toBeGreaterThan(10_000);
    const sampler = sampleTreeRss(pid, { everyMs: 20 });
    await new Promise((r) => setTimeout(r, 60));
    const peak = sampler.stop();
    expect(peak).toBeGreaterThan(0);
    expect(sampler.samples).toBeGreaterThanOrEqual(2);
    for (const p of tree) process.kill(p, 'SIGKILL');
    child.kill('SIGKILL');
    expect(await waitForDeath(pid, 2000)).toBe(true);
    expect(isAlive(pid)).toBe(false);
    expect(rssKiB(999_999_999)).toBeUndefined();
  });
});

describe('cli.ts utilities', () => {
  it('writes temp files and cleans them up', () => {
    const p = writeTempFile(['http://a', 'http://b']);
    expect(readFileSync(p, 'utf8')).toBe('http://a\nhttp://b\n');
    const dir = tempDir();
    cleanupTemp();
    expect(existsSync(dir)).toBe(false);
    expect(tempDir()).not.toBe(dir);
  });

  it('parses JSON lines and keeps the rest apart', () => {
    expect(parseJsonLines('{"a":1}\n\nnot json\n{"b":2}\n')).toEqual({ lines: [{ a: 1 }, { b: 2 }], nonJson: ['not json'] });
  });

  it('runCli feeds stdin, parses JSON lines and reports the exit code', async () => {
    const script = writeTempFile(
      `let s = ''; process.stdin.on('data', (d) => (s += d)).on('end', () => {
         for (const l of s.split('\\n').filter(Boolean)) console.log(JSON.stringify({ url: l }));
         console.log('plain text'); console.error('to stderr'); process.exit(3);
       });`,
      'echo.js',
    );
    const r = await runCli(['--x'], { script, stdin: 'a\nb\n' });
    expect(r).toMatchObject({ code: 3, signal: null, timedOut: false, stderr: 'to stderr\n', nonJson: ['plain text'] });
    expect(r.lines).toEqual([{ url: 'a' }, { url: 'b' }]);
  });

  it('runCli kills the whole process tree on timeout', async () => {
    // The child starts a grandchild that holds stdout open: only a group kill lets runCli return.
    // 3 s, not less: under load node needs over a second just to start and print the pid.
    const script = writeTempFile(
      `const { spawn } = require('node:child_process');
       const g = spawn('sleep', ['30'], { stdio: ['ignore', 'inherit', 'inherit'] });
       console.log(JSON.stringify({ grandchild: g.pid })); setInterval(() => {}, 1000);`,
      'hang.cjs',
    );
    const r = await runCli([], { script, timeoutMs: 3000 });
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe('SIGKILL');
    const pid = (r.lines[0] as { grandchild: number }).grandchild;
    expect(await waitForDeath(pid, 2000)).toBe(true);
  });

  it('spawnCli children can be signalled and are killed by killAllCli', async () => {
    const script = writeTempFile(`process.on('SIGTERM', () => { console.log('got TERM'); process.exit(0); }); console.log('ready'); setInterval(() => {}, 1000);`, 'sig.cjs');
    const child = spawnCli([], { script });
    const done = collectOutput(child);
    await once(child.stdout, 'data'); // 'ready': the handler is installed
    child.kill('SIGTERM');
    expect((await done).stdout).toContain('got TERM');
    const stubborn = spawnCli([], { script: writeTempFile('setInterval(() => {}, 1000);', 'stubborn.cjs') });
    await new Promise((r) => setTimeout(r, 100));
    killAllCli();
    expect(await waitForDeath(stubborn.pid!, 2000)).toBe(true);
  });
});
