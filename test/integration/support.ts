// Plumbing shared by the integration tests: a port with nothing listening, a slow server,
// a file of URLs, polling with a deadline. (Cleanup after each test: cleanupAfterEach in helpers.)
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { listen, socketCloser, startHttpServer, testCert, writeTempFile, type TestServer } from '../helpers/index.js';

/** A loopback port with nothing listening: bind, note the port, close. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A server whose every answer takes `ms`, so requests are in flight for that long. */
export function slowServer(ms: number): Promise<TestServer> {
  return startHttpServer(async (req, res, ctx) => {
    if (await ctx.delay(ms)) res.end(JSON.stringify({ path: req.url }));
  });
}

/** A temp file of n URLs base/r1 .. base/rN. */
export function urlFile(base: string, n: number): string {
  return writeTempFile(Array.from({ length: n }, (_, i) => `${base}/r${i + 1}`));
}

export async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Waits until a CLI run writing to `output` holds its lock (the file beside it, holding its pid): the CLI takes it
 * just before it starts listening for SIGINT, SIGTERM and SIGHUP, so a stop sent from then on is heard. A fixed
 * delay after spawning was not that moment on a loaded machine: CI sent a SIGTERM 1 s after the spawn, before the
 * CLI listened, and it died of the signal instead of stopping (Node catches SIGTERM from its start, so /proc's
 * signal masks cannot tell either).
 */
export async function waitForOutputLock(output: string): Promise<void> {
  await waitFor(() => {
    try {
      return readFileSync(`${output}.lock`, 'utf8').trim() !== '';
    } catch {
      return false;
    }
  });
}

/** One HTTP/2 frame (RFC 9113, 4.1). */
export function h2Frame(type: number, flags: number, stream: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head.writeUInt8(type, 3);
  head.writeUInt8(flags, 4);
  head.writeUInt32BE(stream, 5);
  return Buffer.concat([head, payload]);
}

/** A GOAWAY frame naming `lastStreamId` as the last stream the server took, with error `code` (NO_ERROR: graceful). */
export function h2Goaway(lastStreamId: number, code = 0): Buffer {
  const payload = Buffer.alloc(8);
  payload.writeUInt32BE(lastStreamId, 0);
  payload.writeUInt32BE(code, 4);
  return h2Frame(7, 0, 0, payload);
}

const silenced = new WeakSet<TLSSocket>();

/** startRawH2Server reads nothing more on `socket`, PINGs included, and keeps it open: a connection dropped on the way, a server stuck. */
export function silence(socket: TLSSocket): void {
  silenced.add(socket);
}

/**
 * An HTTP/2 server over TLS (ALPN h2) that answers in raw frames, for what
 * node:http2 will not send (a :status below 100, a reset after part of a body):
 * it reads the preface, acknowledges SETTINGS and PINGs, and hands each request's HEADERS
 * to `answer` with the stream id. Returns the port; closed by `track`.
 */
export async function startRawH2Server(answer: (socket: TLSSocket, stream: number) => void, track: (closer: { close(): Promise<void> }) => unknown): Promise<number> {
  const { key, cert } = testCert();
  const server = createTlsServer({ key, cert, ALPNProtocols: ['h2'] }, (socket) => {
    socket.on('error', () => {});
    let pending = Buffer.alloc(0);
    let prefaceRead = false;
    socket.write(h2Frame(4, 0, 0));
    socket.on('data', (data: Buffer) => {
      if (silenced.has(socket)) return;
      pending = Buffer.concat([pending, data]);
      if (!prefaceRead) {
        if (pending.length < 24) return;
        pending = pending.subarray(24);
        prefaceRead = true;
      }
      while (pending.length >= 9 && pending.length >= 9 + pending.readUIntBE(0, 3)) {
        const [type, flags, id] = [pending.readUInt8(3), pending.readUInt8(4), pending.readUInt32BE(5) & 0x7fffffff];
        const payload = pending.subarray(9, 9 + pending.readUIntBE(0, 3));
        pending = pending.subarray(9 + pending.readUIntBE(0, 3));
        if (type === 4 && (flags & 1) === 0) socket.write(h2Frame(4, 1, 0));
        if (type === 6 && (flags & 1) === 0) socket.write(h2Frame(6, 1, 0, payload));
        if (type === 1) answer(socket, id);
      }
    });
  });
  const closer = socketCloser(server);
  const port = await listen(server);
  track({ close: () => closer.close() });
  return port;
}
