import type { Http2ServerResponse, ServerHttp2Stream } from 'node:http2';
import { constants } from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import { writeLeanly } from '../../../src/http/h2-lean-write.js';
import { prepareH2Session } from '../../../src/http/h2-session.js';
import { sendRequest } from '../../../src/http/send-request.js';
import { Client } from '../../../src/http/undici-parts.js';
import { startHttp2Server, type AnyRequest, type AnyResponse } from '../../helpers/index.js';

const closing: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  for (const item of closing.splice(0).reverse()) await item.close();
});

/** What the test server answers at each path: the cases where the two writers could differ. */
function answer(req: AnyRequest, response: AnyResponse): void {
  // node:http2's compatibility response (the helper's type is a union of node:http's and its).
  const res = response as Http2ServerResponse;
  const stream: ServerHttp2Stream = res.stream;
  switch (req.url) {
    case '/headers':
      // A repeated header, and bytes past ASCII (node:http2 sends a string's characters as bytes).
      res.writeHead(201, { 'set-cookie': ['a=1', 'b=2'], 'x-v': 'caf\xc3\xa9', 'content-type': 'text/plain' });
      res.end('hello');
      return;
    case '/trailers':
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('hel');
      res.addTrailers({ 'x-sum': 'ab12' });
      res.end('lo');
      return;
    case '/cut':
      // Half a body, then a reset: an error, not a whole response.
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial', () => setTimeout(() => stream.close(constants.NGHTTP2_INTERNAL_ERROR), 20));
      return;
    case '/refused':
      stream.close(constants.NGHTTP2_REFUSED_STREAM);
      return;
    case '/never':
      // No answer: the attempt's own timeout gives up on it.
      return;
    default:
      res.writeHead(404).end();
  }
}

/** A client to `url` whose h2 session is prepared as bulkfetch's are, its plain requests written by h2-lean-write or by undici. */
function h2Client(url: string, lean: boolean): { client: InstanceType<typeof Client>; leanly: Promise<boolean> } {
  const client = new Client(url, { allowH2: true, connect: { rejectUnauthorized: false }, headersTimeout: 0, bodyTimeout: 0 });
  closing.push({ close: () => client.destroy() });
  const leanly = new Promise<boolean>((resolve) => client.on('connect', () => resolve(prepareH2Session(client, undefined, { lean }))));
  return { client, leanly };
}

/** What a request's line would say, through `client`, timings aside. */
async function outcome(client: InstanceType<typeof Client>, method: string, url: string) {
  const result = await sendRequest({ method, url, headers: {} }, { dispatcher: client, timeout: 400, maxBody: 1024, bodyMode: 'text', includeHeaders: true, decompress: false });
  const { ms: _ms, headers, ...rest } = result as typeof result & { ms?: number; headers?: Record<string, unknown> };
  const { date: _date, ...kept } = headers ?? {};
  return { ...rest, headers: kept };
}

describe('h2-lean-write', () => {
  it('answers a plain GET and HEAD as undici\'s h2 client does: headers byte for byte, trailers, cut bodies, refusals, timeouts', async () => {
    const server = await startHttp2Server(answer);
    closing.push(server);
    const lean = h2Client(server.url, true);
    const undici = h2Client(server.url, false);
    const cases: Array<[string, string]> = [
      ['GET', '/headers'],
      ['HEAD', '/headers'],
      ['GET', '/trailers'],
      ['GET', '/cut'],
      ['GET', '/refused'],
      ['GET', '/never'],
      ['GET', '/missing'],
      // The session carries on after a stream given up.
      ['GET', '/headers'],
    ];
    const seen: Record<string, unknown[]> = { lean: [], undici: [] };
    for (const [method, path] of cases) {
      seen.lean!.push(await outcome(lean.client, method, `${server.url}${path}`));
      seen.undici!.push(await outcome(undici.client, method, `${server.url}${path}`));
    }
    expect(await lean.leanly).toBe(true);
    expect(await undici.leanly).toBe(false);
    expect(seen.lean).toEqual(seen.undici);
    // What they both say, so that agreeing on a wrong answer fails too.
    expect(seen.lean![0]).toMatchObject({ status: 201, body: 'hello', headers: { 'set-cookie': ['a=1', 'b=2'], 'x-v': 'caf\xc3\xa9' }, error: null });
    expect(seen.lean![1]).toMatchObject({ status: 201, body: '', error: null });
    expect(seen.lean![2]).toMatchObject({ status: 200, body: 'hello', trailers: { 'x-sum': 'ab12' }, error: null });
    expect(seen.lean![3]).toMatchObject({ error: { code: expect.any(String) } });
    expect(seen.lean![4]).toMatchObject({ status: null, error: { code: expect.any(String) } });
    expect(seen.lean![5]).toMatchObject({ status: null, error: { code: 'ETIMEDOUT' } });
    expect(seen.lean![6]).toMatchObject({ status: 404, error: null });
    expect(seen.lean![7]).toMatchObject({ status: 201, body: 'hello', error: null });
    // Each client kept its one connection through the resets and the timeout.
    expect(server.connections).toBe(2);
  });
});

describe('h2-lean-write, a stream that cannot be opened', () => {
  it('fails its request with the error and leaves the client nothing to wait on', async () => {
    const server = await startHttp2Server(answer);
    closing.push(server);
    const client = new Client(server.url, { allowH2: true, connect: { rejectUnauthorized: false }, headersTimeout: 0, bodyTimeout: 0 });
    closing.push({ close: () => client.destroy() });
    const leanly = new Promise<boolean>((resolve) =>
      client.on('connect', () =>
        resolve(
          writeLeanly(
            client,
            () => {
              throw Object.assign(new Error('no stream'), { code: 'ERR_HTTP2_INVALID_SESSION' });
            },
            () => {},
          ),
        ),
      ),
    );
    const first = await outcome(client, 'GET', `${server.url}/headers`);
    expect(await leanly).toBe(true);
    expect(first).toMatchObject({ status: null, error: { message: expect.stringContaining('no stream') } });
    // A request the client took for written would keep its close waiting for ever.
    const closed = await Promise.race([client.close().then(() => 'closed'), new Promise((resolve) => setTimeout(() => resolve('still waiting'), 2_000))]);
    expect(closed).toBe('closed');
  });
});
