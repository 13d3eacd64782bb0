import { createServer as createNetServer, type Socket } from 'node:net';
import type { Dispatcher } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../../src/http/agent.js';
import { sendRequest } from '../../../src/http/send-request.js';
import { echoPath, startHttp2Server, startTlsServer, type AnyRequest, type AnyResponse, type HandlerContext, type TestServer } from '../../helpers/index.js';

const closing: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  for (const item of closing.splice(0).reverse()) await item.close();
});

/** The dispatcher bulkfetch --http2 -k runs with: an AlpnPool for each origin. */
function http2Dispatcher(concurrency: number, connectTimeout = 5_000): Dispatcher {
  const d = createDispatcher({ concurrency, connectTimeout, insecure: true, http2: true, resolve: {}, env: {} });
  closing.push({ close: () => d.destroy() });
  return d;
}

/** Sends every URL at once through `d`; the statuses (or error codes) in order. */
function fetchAtOnce(d: Dispatcher, urls: string[], timeout = 10_000, method = 'GET'): Promise<Array<number | string>> {
  return Promise.all(
    urls.map(async (url) => {
      const body = method === 'GET' ? undefined : '{}';
      const outcome = await sendRequest({ method, url, headers: {}, body }, { dispatcher: d, timeout, maxBody: 1024, bodyMode: 'none', includeHeaders: false, decompress: false });
      return outcome.status ?? outcome.error?.code ?? 'none';
    }),
  );
}

/** A handler that answers nothing until `count` requests are in at once: a pool that will not open enough connections hangs. */
function answerWhenAllIn(count: number) {
  const waiting: Array<() => void> = [];
  return (req: AnyRequest, res: AnyResponse, ctx: HandlerContext): void => {
    waiting.push(() => echoPath(req, res, ctx));
    if (waiting.length === count) for (const answer of waiting.splice(0)) answer();
  };
}

const urlsOf = (base: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${base}/item/${i}`);

/**
 * `count` requests at once through an --http2 dispatcher of that concurrency, to a
 * server `start` brings up with answerWhenAllIn(count): the server, and the statuses.
 */
async function allAtOnce(start: (handler: ReturnType<typeof answerWhenAllIn>) => Promise<TestServer>, count: number, method = 'GET') {
  const server = await start(answerWhenAllIn(count));
  closing.push(server);
  const urls = urlsOf(server.url, count);
  return { s: server, urls, statuses: await fetchAtOnce(http2Dispatcher(count), urls, 10_000, method) };
}

describe('AlpnPool', () => {
  it('opens no second connection to an h2 origin before the first has said h2, then carries the streams on it', async () => {
    const { s, urls, statuses } = await allAtOnce((handler) => startHttp2Server(handler), 60);
    expect(statuses).toEqual(urls.map(() => 200));
    expect(s.protocols.get('2.0')).toBe(60);
    expect(s.connections).toBe(1);
  });

  it('opens a connection ready for the streams when one h2 connection is full', async () => {
    const { s, urls, statuses } = await allAtOnce((handler) => startHttp2Server(handler), 150);
    expect(statuses).toEqual(urls.map(() => 200));
    expect(s.protocols.get('2.0')).toBe(150);
    expect(s.connections).toBe(2);
  });

  it('holds no POST back: undici runs one at a time on an h2 connection, so each takes a connection of its own', async () => {
    const { s, urls, statuses } = await allAtOnce((handler) => startHttp2Server(handler), 12, 'POST');
    expect(statuses).toEqual(urls.map(() => 200));
    expect(s.protocols.get('2.0')).toBe(12);
    expect(s.maxConcurrent).toBe(12);
  });

  it('opens a connection for each waiting request once the first said HTTP/1.1', async () => {
    const { s, urls, statuses } = await allAtOnce((handler) => startTlsServer(handler), 12);
    expect(statuses).toEqual(urls.map(() => 200));
    expect(s.connections).toBe(12);
    expect(s.maxConcurrent).toBe(12);
  });

  it('lets the waiting requests connect on their own when the first connection fails: one connect timeout, not one each', async () => {
    // Takes TCP connections and never answers the TLS handshake.
    const sockets = new Set<Socket>();
    const silent = createNetServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    closing.push({ close: () => new Promise((resolve) => { for (const socket of sockets) socket.destroy(); silent.close(resolve); }) });
    const base = `https://127.0.0.1:${(silent.address() as { port: number }).port}`;
    const settled: number[] = [];
    const urls = urlsOf(base, 6);
    const d = http2Dispatcher(6, 300);
    const codes = await Promise.all(urls.map((url) => fetchAtOnce(d, [url], 10_000).finally(() => settled.push(performance.now()))));
    expect(codes.flat()).toEqual(urls.map(() => 'ECONNECTTIMEOUT'));
    // The first connection timed out alone; the other five then together (in turn, at least 300 ms apart).
    settled.sort((a, b) => a - b);
    expect((settled[5] as number) - (settled[1] as number)).toBeLessThan(250);
    expect(sockets.size).toBe(6);
  });
});
