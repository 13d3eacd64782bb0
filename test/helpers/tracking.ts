// Shared plumbing for every test server: listening on loopback, remembering
// open sockets so close() can never hang, and the request counters tests assert on.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export type AnyRequest = IncomingMessage | Http2ServerRequest;
export type AnyResponse = ServerResponse | Http2ServerResponse;

export interface HandlerContext {
  /** The whole request body, read before the handler is called. */
  body: Buffer;
  /** 0-based arrival order of this request across the whole server. */
  index: number;
  /** 1-based hit count of this exact req.url, this request included ("fail the first 2 tries"). */
  pathCount: number;
  /** Aborted when the client goes away before the response has finished. */
  signal: AbortSignal;
  /** Sleeps ms; resolves false early if the client went away (so handlers stop writing). */
  delay(ms: number): Promise<boolean>;
}

export type Handler<Req extends AnyRequest = IncomingMessage, Res extends AnyResponse = ServerResponse> = (
  req: Req,
  res: Res,
  ctx: HandlerContext,
) => void | Promise<void>;

export interface RequestRecord {
  index: number;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** Body as received, truncated to LOG_BODY_MAX bytes; undefined until it has fully arrived. */
  body: Buffer | undefined;
  /** Full body length in bytes (before truncation). */
  bodyBytes: number;
  /** Arrival time, performance.now() ms of the server's process: only differences are meaningful. */
  time: number;
  /** '1.1', '2.0', ... */
  httpVersion: string;
}

export interface TrackOptions {
  /** How many RequestRecords to keep (oldest dropped). 0 disables the log. Default 1000. */
  logLimit?: number;
}

/** Counters every test server exposes. Getters, so a test always reads live values. */
export interface ServerStats {
  /** Total requests received. */
  readonly requests: number;
  /** Requests per req.url (path + query, as sent). */
  readonly paths: Map<string, number>;
  /** Requests per protocol version ('1.1', '2.0'). */
  readonly protocols: Map<string, number>;
  /** Arrival time (performance.now() ms) of every request, unbounded: cheap and needed for rate checks. */
  readonly times: number[];
  /** Bounded log of recent requests (see TrackOptions.logLimit). */
  readonly log: RequestRecord[];
  /** Requests whose response has not finished or been aborted yet. */
  readonly inFlight: number;
  /** Highest inFlight ever observed: verifies client concurrency limits at the server. */
  readonly maxConcurrent: number;
  /** TCP connections accepted: lets tests tell keep-alive reuse from a connection per request. */
  readonly connections: number;
  /** Errors thrown by handlers (the server answered 500 or destroyed the response). */
  readonly errors: unknown[];
}

export interface TestServer extends ServerStats {
  url: string;
  port: number;
  /** Stops listening and destroys every open socket, so it resolves promptly even mid-request. */
  close(): Promise<void>;
}

/** Body bytes kept per log record; protects memory when tests upload big bodies. */
export const LOG_BODY_MAX = 1024 * 1024;

/** Listens on 127.0.0.1 (or `host`, a loopback) with an ephemeral port (never a fixed port: tests run in parallel). */
export function listen(server: NetServer, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Remembers every raw TCP socket of `server` and returns a close() that destroys them.
 * server.close() alone waits for keep-alive and hung connections, which is how test suites hang.
 */
export function socketCloser(server: NetServer, extra?: () => void): { close(): Promise<void>; readonly count: number } {
  const sockets = new Set<Socket>();
  let count = 0;
  server.on('connection', (socket: Socket) => {
    count++;
    sockets.add(socket);
    // A peer reset must not become an unhandled 'error' that crashes the test run.
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
  });
  let closing: Promise<void> | undefined;
  return {
    get count() {
      return count;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        extra?.();
        for (const s of sockets) s.destroy();
      });
      return closing;
    },
  };
}

/** Counters shared by the HTTP/1, TLS and HTTP/2 servers; wrap() turns a Handler into a request listener. */
export function createTracker(opts: TrackOptions = {}) {
  const logLimit = opts.logLimit ?? 1000;
  let requests = 0;
  let inFlight = 0;
  let maxConcurrent = 0;
  const paths = new Map<string, number>();
  const protocols = new Map<string, number>();
  const times: number[] = [];
  const log: RequestRecord[] = [];
  const errors: unknown[] = [];

  const stats = {
    get requests() {
      return requests;
    },
    get inFlight() {
      return inFlight;
    },
    get maxConcurrent() {
      return maxConcurrent;
    },
    paths,
    protocols,
    times,
    log,
    errors,
  };

  function wrap<Req extends AnyRequest, Res extends AnyResponse>(handler: Handler<Req, Res>) {
    return async (req: Req, res: Res): Promise<void> => {
      const time = performance.now();
      const index = requests++;
      const url = req.url ?? '';
      const pathCount = (paths.get(url) ?? 0) + 1;
      paths.set(url, pathCount);
      protocols.set(req.httpVersion, (protocols.get(req.httpVersion) ?? 0) + 1);
      times.push(time);
      inFlight++;
      if (inFlight > maxConcurrent) maxConcurrent = inFlight;

      const aborter = new AbortController();
      // 'close' fires once on both normal completion and client abort; that is where the
      // request stops being in flight.
      res.once('close', () => {
        inFlight--;
        if (!res.writableFinished) aborter.abort();
      });
      // Client resets on the request side must not crash the server.
      req.on('error', () => {});

      let record: RequestRecord | undefined;
      if (logLimit > 0) {
        record = {
          index,
          method: req.method ?? '',
          url,
          headers: req.headers,
          body: undefined,
          bodyBytes: 0,
          time,
          httpVersion: req.httpVersion,
        };
        log.push(record);
        if (log.length > logLimit) log.shift();
      }

      const ctx: HandlerContext = {
        body: Buffer.alloc(0),
        index,
        pathCount,
        signal: aborter.signal,
        delay: (ms) => delay(ms, aborter.signal),
      };
      try {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        ctx.body = Buffer.concat(chunks);
      } catch {
        return; // client went away mid-upload: nothing to answer, not a handler bug
      }
      if (record) {
        record.bodyBytes = ctx.body.length;
        record.body = ctx.body.length <= LOG_BODY_MAX ? ctx.body : Buffer.from(ctx.body.subarray(0, LOG_BODY_MAX));
      }
      try {
        await handler(req, res, ctx);
      } catch (err) {
        if (aborter.signal.aborted) return; // write after the client left: not a handler bug
        errors.push(err);
        if (!res.headersSent && !res.destroyed) {
          (res as ServerResponse).writeHead(500, { 'content-type': 'text/plain' });
          res.end(`test handler threw: ${String(err)}`);
        } else {
          res.destroy();
        }
      }
    };
  }

  return { stats, wrap };
}

/** Resolves true after ms, or false as soon as signal aborts. */
export function delay(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Differences between consecutive timestamps (e.g. server.times), for rate / Retry-After checks. */
export function gapsMs(times: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < times.length; i++) out.push(times[i]! - times[i - 1]!);
  return out;
}
