import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { Dispatcher } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../../src/http/agent.js';
import { FreeListPool } from '../../../src/http/free-list-pool.js';
import { sendRequest } from '../../../src/http/send-request.js';
import { echoPath, startHttp2Server, startHttpServer, type TestServer } from '../../helpers/index.js';

const closing: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  for (const item of closing.splice(0).reverse()) await item.close();
});

function pool(origin: string, connections: number): FreeListPool {
  const created = new FreeListPool(origin, { connections, pipelining: 1, keepAliveTimeout: 10_000 });
  closing.push({ close: () => created.destroy() });
  return created;
}

async function server(handler = echoPath): Promise<TestServer> {
  const started = await startHttpServer(handler);
  closing.push(started);
  return started;
}

/** Sends every URL at once through `d`; the statuses (or error codes) in order. */
function fetchAtOnce(d: Dispatcher, urls: string[]): Promise<Array<number | string>> {
  return Promise.all(
    urls.map(async (url) => {
      const outcome = await sendRequest({ method: 'GET', url, headers: {} }, { dispatcher: d, timeout: 10_000, maxBody: 1024, bodyMode: 'none', includeHeaders: false, decompress: false });
      return outcome.status ?? outcome.error?.code ?? 'none';
    }),
  );
}

async function fetchInTurn(d: Dispatcher, urls: string[]): Promise<Array<number | string>> {
  const statuses: Array<number | string> = [];
  for (const url of urls) statuses.push(...(await fetchAtOnce(d, [url])));
  return statuses;
}

/** Lets the connections of answered requests free up (undici emits 'drain' just after a response ends). */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 20));
}

describe('FreeListPool', () => {
  it('keeps every connection busy and no more open than allowed, queueing the rest', async () => {
    const s = await server(async (req, res, ctx) => {
      await ctx.delay(20);
      echoPath(req, res, ctx);
    });
    const urls = Array.from({ length: 40 }, (_, i) => `${s.url}/item/${i}`);
    expect(await fetchAtOnce(pool(s.url, 4), urls)).toEqual(urls.map(() => 200));
    expect(s.requests).toBe(40);
    expect(s.maxConcurrent).toBe(4);
    expect(s.connections).toBe(4);
  });

  it('reuses free connections before it opens one', async () => {
    const s = await server();
    const p = pool(s.url, 8);
    expect(await fetchInTurn(p, ['a', 'b', 'c', 'd'].map((path) => `${s.url}/${path}`))).toEqual([200, 200, 200, 200]);
    // A connection frees (undici's 'drain') a moment after its response ends, so one in turn may open a second (so does Pool).
    expect(s.connections).toBeLessThanOrEqual(2);
    await settle();
    const atOnce = ['e', 'f', 'g', 'h', 'i', 'j'].map((path) => `${s.url}/${path}`);
    expect(await fetchAtOnce(p, atOnce)).toEqual(atOnce.map(() => 200));
    expect(s.connections).toBe(6);
    await settle();
    expect(await fetchInTurn(p, ['k', 'l', 'm'].map((path) => `${s.url}/${path}`))).toEqual([200, 200, 200]);
    expect(s.connections).toBe(6);
  });

  it('drops a client whose connection failed, and stays within its connections after', async () => {
    // A port nobody listens on, then a server on it.
    const probe = createNetServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    const origin = `http://127.0.0.1:${port}`;
    const p = pool(origin, 1);
    expect(await fetchAtOnce(p, [`${origin}/refused`])).toEqual(['ECONNREFUSED']);
    // The test servers take port 0: this one listens on the probed port.
    const again = await startOn(port);
    const urls = Array.from({ length: 6 }, (_, i) => `${origin}/item/${i}`);
    expect(await fetchAtOnce(p, urls)).toEqual(urls.map(() => 200));
    expect(again.most).toBe(1);
  });

  it('carries many HTTP/2 streams on one connection once ALPN chose h2', async () => {
    const s = await startHttp2Server();
    closing.push(s);
    const d = createDispatcher({ concurrency: 20, connectTimeout: 5_000, insecure: true, http2: true, resolve: {}, env: {} });
    closing.push({ close: () => d.destroy() });
    // The first request opens the connection and learns its protocol.
    expect(await fetchAtOnce(d, [`${s.url}/first`])).toEqual([200]);
    const urls = Array.from({ length: 20 }, (_, i) => `${s.url}/item/${i}`);
    expect(await fetchAtOnce(d, urls)).toEqual(urls.map(() => 200));
    expect(s.protocols.get('2.0')).toBe(21);
    expect(s.connections).toBe(1);
  });
});

/** A plain server on a given port that notes the most connections it had open at once. */
async function startOn(port: number): Promise<{ most: number }> {
  const seen = { most: 0 };
  let open = 0;
  const http = createHttpServer((_req, res) => {
    setTimeout(() => res.end('ok'), 20);
  });
  http.on('connection', (socket) => {
    open += 1;
    seen.most = Math.max(seen.most, open);
    socket.on('close', () => {
      open -= 1;
    });
  });
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
  closing.push({
    close: () =>
      new Promise((resolve) => {
        http.closeAllConnections();
        http.close(resolve);
      }),
  });
  return seen;
}
