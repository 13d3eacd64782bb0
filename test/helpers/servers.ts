// HTTP/1.1, HTTPS and HTTP/2 test servers that count what reaches them, so tests can
// assert concurrency, rates, retries and protocol at the server side, not just in the CLI output.
import { createServer as createHttpServer, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createSecureServer, type Http2Session, type Settings } from 'node:http2';
import { testCert } from './certs.js';
import {
  createTracker,
  listen,
  socketCloser,
  type AnyRequest,
  type AnyResponse,
  type Handler,
  type TestServer,
  type TrackOptions,
} from './tracking.js';

export type { AnyRequest, AnyResponse, Handler, HandlerContext, RequestRecord, TestServer, TrackOptions } from './tracking.js';
export { delay, gapsMs } from './tracking.js';

/** Writes a complete JSON response; works for HTTP/1 and HTTP/2 compat responses alike. */
export function json(res: AnyResponse, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  // The cast papers over the two writeHead overload sets, which TS cannot unify; runtime is identical.
  (res as ServerResponse).writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Default handler: 200 {"path": req.url}, enough to prove which URL was fetched. */
export const echoPath: Handler<AnyRequest, AnyResponse> = (req, res) => json(res, 200, { path: req.url });

/** Merges a tracker's live getters with url/port/close into one object (getters must stay getters). */
function assemble(stats: object, closer: { close(): Promise<void>; readonly count: number }, url: string, port: number): TestServer {
  const server = Object.defineProperties(
    { url, port, close: () => closer.close() },
    Object.getOwnPropertyDescriptors(stats),
  );
  Object.defineProperty(server, 'connections', { get: () => closer.count, enumerable: true });
  return server as TestServer;
}

export interface HttpServerOptions extends TrackOptions {
  /** Idle keep-alive timeout of the server in ms (Node's default is 5000). */
  keepAliveTimeout?: number;
}

/** Plain HTTP/1.1 counting server on 127.0.0.1:0. */
export async function startHttpServer(handler: Handler = echoPath, opts: HttpServerOptions = {}): Promise<TestServer> {
  const { stats, wrap } = createTracker(opts);
  const server = createHttpServer(wrap(handler));
  if (opts.keepAliveTimeout !== undefined) server.keepAliveTimeout = opts.keepAliveTimeout;
  const closer = socketCloser(server);
  const port = await listen(server);
  return assemble(stats, closer, `http://127.0.0.1:${port}`, port);
}

export interface TlsTestServer extends TestServer {
  /** PEM of the self-signed certificate; give it to the client as its CA. */
  ca: string;
}

/** HTTPS (HTTP/1.1 over TLS) counting server with a self-signed cert for 127.0.0.1 / localhost. */
export async function startTlsServer(handler: Handler = echoPath, opts: HttpServerOptions = {}): Promise<TlsTestServer> {
  const { key, cert } = testCert();
  const { stats, wrap } = createTracker(opts);
  const server = createHttpsServer({ key, cert }, wrap(handler));
  if (opts.keepAliveTimeout !== undefined) server.keepAliveTimeout = opts.keepAliveTimeout;
  const closer = socketCloser(server);
  const port = await listen(server);
  return Object.assign(assemble(stats, closer, `https://127.0.0.1:${port}`, port), { ca: cert });
}

/**
 * HTTP/2 over TLS (ALPN h2) that also accepts HTTP/1.1 (allowHTTP1), so one server can show
 * which protocol the client picked: see log[i].httpVersion and protocols ('2.0' vs '1.1').
 */
export async function startHttp2Server(
  handler: Handler<AnyRequest, AnyResponse> = echoPath,
  opts: TrackOptions & { settings?: Settings } = {},
): Promise<TlsTestServer> {
  const { key, cert } = testCert();
  const { stats, wrap } = createTracker(opts);
  const sessions = new Set<Http2Session>();
  const server = createSecureServer({ key, cert, allowHTTP1: true, ...(opts.settings ? { settings: opts.settings } : {}) }, wrap(handler));
  trackH2(server, sessions);
  const closer = socketCloser(server, () => sessions.forEach((s) => s.destroy()));
  const port = await listen(server);
  return Object.assign(assemble(stats, closer, `https://127.0.0.1:${port}`, port), { ca: cert });
}

// HTTP/2 sessions outlive requests; close() must destroy them, and their errors (client resets)
// must not be unhandled.
function trackH2(server: import('node:events').EventEmitter, sessions: Set<Http2Session>): void {
  server.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.on('error', () => {});
    session.once('close', () => sessions.delete(session));
  });
  server.on('sessionError', () => {});
  server.on('stream', (stream: import('node:http2').ServerHttp2Stream) => stream.on('error', () => {}));
}

export interface StreamRecord {
  url: string;
  /** Bytes the response was meant to have. */
  size: number;
  /** Bytes accepted by res.write before the stream ended or the client left (kernel buffers included). */
  bytesWritten: number;
  state: 'streaming' | 'completed' | 'aborted';
  /** Resolves when this response completed or was aborted. */
  done: Promise<void>;
}

export interface BigBodyServer extends TestServer {
  streams: StreamRecord[];
  /** Sum of bytesWritten over all responses. */
  readonly bytesWritten: number;
  /** Resolves once every response started so far has completed or been aborted. */
  allDone(): Promise<void>;
}

export interface BigBodyOptions extends TrackOptions {
  /** Default body size in bytes; a request can override with ?size=N. Default 100 MiB. */
  size?: number;
  /** Write size; the same buffer is written again and again, so memory stays flat. Default 64 KiB. */
  chunkSize?: number;
  /** Send Content-Length (default) or use chunked encoding (false). */
  contentLength?: boolean;
}

/**
 * Streams a body of N bytes ('a' repeated) generated on the fly with backpressure, and records
 * how much it wrote before the client went away: proves a client stops reading/aborts early.
 */
export async function startBigBodyServer(opts: BigBodyOptions = {}): Promise<BigBodyServer> {
  const defaultSize = opts.size ?? 100 * 1024 * 1024;
  const chunk = Buffer.alloc(opts.chunkSize ?? 64 * 1024, 'a');
  const streams: StreamRecord[] = [];

  const handler: Handler = async (req, res) => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams.get('size');
    const size = q !== null ? Number(q) : defaultSize;
    let finish!: () => void;
    const record: StreamRecord = {
      url: req.url ?? '',
      size,
      bytesWritten: 0,
      state: 'streaming',
      done: new Promise<void>((r) => (finish = r)),
    };
    streams.push(record);
    res.once('close', () => {
      record.state = res.writableFinished ? 'completed' : 'aborted';
      finish();
    });
    const headers: OutgoingHttpHeaders = { 'content-type': 'application/octet-stream' };
    if (opts.contentLength !== false) headers['content-length'] = size;
    res.writeHead(200, headers);
    while (record.bytesWritten < size && !res.destroyed) {
      const n = Math.min(chunk.length, size - record.bytesWritten);
      const ok = res.write(n === chunk.length ? chunk : chunk.subarray(0, n));
      record.bytesWritten += n;
      // Backpressure: wait for the client to read (or leave) instead of buffering 100 MB in memory.
      if (!ok) await drainOrClose(res);
    }
    if (!res.destroyed) res.end();
  };

  const base = await startHttpServer(handler, opts);
  return Object.defineProperties(base, {
    streams: { value: streams, enumerable: true },
    bytesWritten: { get: () => streams.reduce((sum, s) => sum + s.bytesWritten, 0), enumerable: true },
    allDone: { value: () => Promise.all(streams.map((s) => s.done)).then(() => {}) },
  }) as BigBodyServer;
}

function drainOrClose(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
