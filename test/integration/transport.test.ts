// TLS, proxies, HTTP/2, --resolve and name resolution, against real local servers.
import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { cleanupAfterEach, collectOutput, delay, spawnCli, json, runCli, startHttp2Server, startHttpServer, startProxyServer, startTlsServer, writeTempFile } from '../helpers/index.js';
import { waitFor } from './support.js';

// Kills every CLI, closes every server and drops temp files after each test.
const track = cleanupAfterEach();

const NO_PROXY_ENV = { HTTP_PROXY: undefined, http_proxy: undefined, HTTPS_PROXY: undefined, https_proxy: undefined, NO_PROXY: undefined, no_proxy: undefined };
const run = (lines: string[], args: string[] = [], env: Record<string, string | undefined> = {}) =>
  runCli(['-', '--procs', '1', ...args], { stdin: `${lines.join('\n')}\n`, env: { ...NO_PROXY_ENV, ...env } });

describe('TLS', () => {
  it('refuses a self-signed certificate with ETLS (not retried), accepts it with --insecure or a trusted CA', async () => {
    const server = await track(startTlsServer());
    const strict = await run([`${server.url}/a`]);
    expect(strict.lines[0]).toMatchObject({ status: null, attempts: 1, error: { code: 'ETLS' } });
    expect(server.requests).toBe(0);
    const insecure = await run([`${server.url}/b`], ['--insecure']);
    expect(insecure.lines[0]).toMatchObject({ status: 200, body: { path: '/b' } });
    const ca = writeTempFile(server.ca, 'ca.pem');
    const trusted = await run([`${server.url}/c`], [], { NODE_EXTRA_CA_CERTS: ca });
    expect(trusted.lines[0]).toMatchObject({ status: 200, body: { path: '/c' } });
  });
});

describe('proxy', () => {
  it('--proxy forwards http targets as absolute-form requests and tunnels https with CONNECT', async () => {
    const proxy = await track(startProxyServer());
    const plain = await track(startHttpServer());
    const tls = await track(startTlsServer());
    const result = await run([`${plain.url}/p`, `${tls.url}/t`], ['--proxy', proxy.url, '-k']);
    expect(result.lines.map((l) => l.status)).toEqual([200, 200]);
    expect(proxy.forwarded).toBe(1);
    expect(proxy.connects).toBe(1);
    expect(proxy.targets).toEqual(expect.arrayContaining([`GET ${plain.url}/p`, `CONNECT 127.0.0.1:${tls.port}`]));
  });

  it('uses HTTP_PROXY from the environment, and NO_PROXY bypasses it', async () => {
    const proxy = await track(startProxyServer());
    const plain = await track(startHttpServer());
    const via = await run([`${plain.url}/via`], [], { HTTP_PROXY: proxy.url });
    expect(via.lines[0]).toMatchObject({ status: 200 });
    expect(proxy.forwarded).toBe(1);
    const bypass = await run([`${plain.url}/direct`], [], { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' });
    expect(bypass.lines[0]).toMatchObject({ status: 200 });
    expect(proxy.forwarded).toBe(1);
    expect(plain.paths.get('/direct')).toBe(1);
  });
});

describe('HTTP/2', () => {
  it('--http2 speaks h2 where the server offers it, multiplexing requests on one connection', async () => {
    const server = await track(
      startHttp2Server(async (req, res) => {
        await delay(300);
        json(res, 200, { path: req.url, version: req.httpVersion });
      }),
    );
    // One request first, so ALPN is known; then a burst that must share its connection.
    const input = new PassThrough();
    const child = spawnCli(['-', '--procs', '1', '--http2', '-k', '--concurrency', '8'], { stdin: input, env: NO_PROXY_ENV });
    const done = collectOutput(child);
    input.write(`${server.url}/h2/first\n`);
    await waitFor(() => server.requests === 1, 10_000);
    await delay(500);
    input.end(Array.from({ length: 8 }, (_, i) => `${server.url}/h2/${i}\n`).join(''));
    const result = await done;
    expect(result.lines).toHaveLength(9);
    for (const line of result.lines) expect(line).toMatchObject({ status: 200, body: { version: '2.0' } });
    expect(server.protocols.get('2.0')).toBe(9);
    expect(server.connections).toBe(1);
    expect(server.maxConcurrent).toBeGreaterThan(1);
  });

  it('stays on HTTP/1.1 without --http2', async () => {
    const server = await track(startHttp2Server());
    const result = await run([`${server.url}/h1`], ['-k']);
    expect(result.lines[0]).toMatchObject({ status: 200 });
    expect(server.protocols.get('1.1')).toBe(1);
    expect(server.protocols.has('2.0')).toBe(false);
  });
});

describe('name resolution', () => {
  it('--resolve HOST:PORT:ADDR connects to ADDR and keeps HOST in the Host header', async () => {
    const server = await track(startHttpServer((req, res) => json(res, 200, { host: req.headers.host })));
    const host = 'bulkfetch-resolve.invalid';
    const result = await run([`http://${host}:${server.port}/x`, `http://other.invalid:${server.port}/y`], ['--resolve', `${host}:${server.port}:127.0.0.1`, '--retries', '0']);
    const out = new Map(result.lines.map((l) => [new URL(l.url).hostname, l]));
    expect(out.get(host)).toMatchObject({ status: 200, body: { host: `${host}:${server.port}` } });
    // Only the HOST:PORT given is mapped; anything else is resolved normally (and .invalid never resolves).
    expect(out.get('other.invalid')).toMatchObject({ status: null, error: { code: expect.stringMatching(/^(ENOTFOUND|EAI_AGAIN)$/) } });
  });

  it('--resolve keeps TLS verification against the host name', async () => {
    const server = await track(startTlsServer());
    const ca = writeTempFile(server.ca, 'ca.pem');
    // The certificate names localhost; --resolve points it at 127.0.0.1 and SNI/verification still use localhost.
    const result = await run([`https://localhost:${server.port}/v`], ['--resolve', `localhost:${server.port}:127.0.0.1`], { NODE_EXTRA_CA_CERTS: ca });
    expect(result.lines[0]).toMatchObject({ status: 200, body: { path: '/v' } });
  });

  it('resolves host names (cached per child) for many requests', async () => {
    const server = await track(startHttpServer());
    const urls = Array.from({ length: 20 }, (_, i) => `http://localhost:${server.port}/n/${i}`);
    const result = await run(urls, ['--concurrency', '20']);
    expect(result.lines.filter((l) => l.status === 200)).toHaveLength(20);
  });
});
