import { syncBuiltinESMExports } from 'node:module';
import tls from 'node:tls';
import type { Dispatcher } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDispatcher, type TransportOptions } from '../../../src/http/agent.js';
import { sendRequest } from '../../../src/http/send-request.js';
import { startHttpServer, startTlsServer, testCert, type TestServer } from '../../helpers/index.js';

/**
 * Every call of tls.createSecureContext, ours and the one tls.connect makes
 * for a connection handed no context (it calls the module's export, which the
 * ESM named import follows once synced).
 */
const original = tls.createSecureContext;
let contexts = 0;
beforeEach(() => {
  contexts = 0;
  tls.createSecureContext = (options) => {
    contexts++;
    return original(options);
  };
  syncBuiltinESMExports();
});

let agent: Dispatcher | undefined;
const servers: TestServer[] = [];
afterEach(async () => {
  tls.createSecureContext = original;
  syncBuiltinESMExports();
  await agent?.destroy();
  agent = undefined;
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A server that closes every connection after its response: each request is a new connection. */
async function closingServer(secure: boolean): Promise<TestServer> {
  const handler = (_req: unknown, res: import('node:http').ServerResponse): void => {
    res.setHeader('connection', 'close');
    res.end('ok');
  };
  const server = secure ? await startTlsServer(handler) : await startHttpServer(handler);
  servers.push(server);
  contexts = 0; // the server's own
  return server;
}

/** Sends `count` requests one after another; returns their statuses (null: failed, with its error code). */
async function fetchSerially(options: Partial<TransportOptions>, url: string, count: number): Promise<Array<number | string | null>> {
  agent = createDispatcher({ concurrency: 4, connectTimeout: 5_000, insecure: false, http2: false, resolve: {}, env: {}, ...options });
  const results: Array<number | string | null> = [];
  for (let i = 0; i < count; i++) {
    const outcome = await sendRequest({ method: 'GET', url: `${url}/r${i}`, headers: {} }, { dispatcher: agent, timeout: 10_000, maxBody: 1024, bodyMode: 'none', includeHeaders: false, decompress: false });
    results.push(outcome.status ?? outcome.error?.code ?? null);
  }
  return results;
}

describe('one TLS context per dispatcher', () => {
  it('--cacert: four connections share the context built at the first, which carries the trust', async () => {
    const server = await closingServer(true);
    expect(await fetchSerially({ ca: testCert().cert }, server.url, 4)).toEqual([200, 200, 200, 200]);
    expect(server.connections).toBe(4);
    expect(contexts).toBe(1);
  });

  it('the default trust and -k share one too; a client certificate goes in it', async () => {
    const server = await closingServer(true);
    expect(await fetchSerially({}, server.url, 2)).toEqual(['ETLS', 'ETLS']);
    expect(contexts).toBe(1);
    await agent?.destroy();
    contexts = 0;
    const { cert, key } = testCert();
    expect(await fetchSerially({ insecure: true, cert, key }, server.url, 3)).toEqual([200, 200, 200]);
    expect(contexts).toBe(1);
  });

  it('plain http builds none', async () => {
    const server = await closingServer(false);
    expect(await fetchSerially({ ca: testCert().cert }, server.url, 2)).toEqual([200, 200]);
    expect(contexts).toBe(0);
  });

  it('a bad client certificate fails every connection with tls.connect\'s own error, as without sharing', async () => {
    const server = await closingServer(true);
    const results = await fetchSerially({ insecure: true, cert: 'not a certificate' }, server.url, 2);
    expect(results).toHaveLength(2);
    expect(results.every((r) => typeof r === 'string')).toBe(true);
    expect(server.requests).toBe(0);
  });
});
