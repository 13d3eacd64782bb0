// Misbehaving HTTP servers on raw node:net sockets: node:http would refuse to produce most of
// these faults (resets mid-body, malformed status lines, endless headers).
import { createServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { listen, socketCloser } from './tracking.js';

export type FaultMode =
  /** Read the request head, then RST before any response byte. */
  | 'reset-headers'
  /** Send headers (Content-Length: bodyBytes; chunked or unframed as asked) and part of the body, then RST. */
  | 'reset-body'
  /** Read the request head, then FIN without answering. */
  | 'close'
  /** Send headers (Content-Length: bodyBytes, or chunked with chunked: true) and a tenth of the body, then FIN. */
  | 'close-body'
  /** Read the request head and never answer (socket stays open). */
  | 'hang'
  /** Valid headers, then one body byte every intervalMs; completes after bodyBytes bytes. */
  | 'trickle'
  /** Malformed status line ('HTTP/1.1 2OO OK'). */
  | 'bad-status'
  /** A valid but ~headerBytes (1 MB) header block, far beyond any sane client limit. */
  | 'huge-headers'
  /** Status line, then one header line every intervalMs; the head ends only after headerLines lines. */
  | 'slow-headers';

export interface FaultyOptions {
  /** trickle / slow-headers pacing. Default 50 ms. */
  intervalMs?: number;
  /** Declared body length for reset-body, close-body and trickle. Default 1000. */
  bodyBytes?: number;
  /** close-body, reset-body: send the body chunked, with no Content-Length. */
  chunked?: boolean;
  /** close-body, reset-body: say `Connection: close` (the cut then ends a message llhttp reads to the close). */
  connectionClose?: boolean;
  /** reset-body: no Content-Length and not chunked, a body that ends where the connection closes (implies Connection: close). */
  unframed?: boolean;
  /** Size of the huge-headers block. Default 1 MiB. */
  headerBytes?: number;
  /** slow-headers: header lines sent before the head is finally terminated. Default 1000. */
  headerLines?: number;
}

export interface FaultyServer {
  url: string;
  port: number;
  mode: FaultMode;
  /** TCP connections accepted. */
  readonly connections: number;
  /** Request heads fully received (one per connection: each connection is faulted after its first). */
  readonly requests: number;
  close(): Promise<void>;
}

export async function startFaultyServer(mode: FaultMode, opts: FaultyOptions = {}): Promise<FaultyServer> {
  const intervalMs = opts.intervalMs ?? 50;
  const bodyBytes = opts.bodyBytes ?? 1000;
  const headerBytes = opts.headerBytes ?? 1024 * 1024;
  const headerLines = opts.headerLines ?? 1000;
  let requests = 0;

  const server = createServer((socket) => {
    let head = '';
    const onData = (data: Buffer) => {
      head += data.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      socket.resume(); // keep draining (request bodies, pipelined requests) but ignore it
      requests++;
      misbehave(socket);
    };
    socket.on('data', onData);
  });

  // Each branch sets up timers that die with the socket, so close() leaves nothing behind.
  function misbehave(socket: Socket): void {
    const every = (fn: () => boolean) => {
      const timer = setInterval(() => {
        if (socket.destroyed || !fn()) clearInterval(timer);
      }, intervalMs);
      socket.once('close', () => clearInterval(timer));
    };
    switch (mode) {
      case 'reset-headers':
        socket.resetAndDestroy();
        return;
      case 'reset-body': {
        const part = 'x'.repeat(Math.floor(bodyBytes / 10));
        const close = opts.connectionClose || opts.unframed ? 'Connection: close\r\n' : '';
        const framing = opts.unframed ? '' : opts.chunked ? 'Transfer-Encoding: chunked\r\n' : `Content-Length: ${bodyBytes}\r\n`;
        socket.write(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n${close}${framing}\r\n`);
        socket.write(opts.chunked ? `${part.length.toString(16)}\r\n${part}\r\n` : part);
        // Give the client time to read the head and the partial body, then RST: a reset that
        // arrives together with the data could make the kernel drop what the client had not read.
        const t = setTimeout(() => socket.resetAndDestroy(), 50);
        socket.once('close', () => clearTimeout(t));
        return;
      }
      case 'close':
        socket.end();
        return;
      case 'close-body': {
        const part = 'x'.repeat(Math.floor(bodyBytes / 10));
        const close = opts.connectionClose ? 'Connection: close\r\n' : '';
        if (opts.chunked) socket.end(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n${close}Transfer-Encoding: chunked\r\n\r\n${part.length.toString(16)}\r\n${part}\r\n`);
        else socket.end(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n${close}Content-Length: ${bodyBytes}\r\n\r\n${part}`);
        return;
      }
      case 'hang':
        return;
      case 'trickle': {
        socket.write(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${bodyBytes}\r\n\r\n`);
        let sent = 0;
        every(() => {
          socket.write('x');
          if (++sent < bodyBytes) return true;
          socket.end();
          return false;
        });
        return;
      }
      case 'bad-status':
        socket.end('HTTP/1.1 2OO OK\r\nContent-Length: 2\r\n\r\nok');
        return;
      case 'huge-headers': {
        const line = `X-Filler: ${'a'.repeat(1014)}\r\n`; // 1 KiB per line
        const lines = Math.ceil(headerBytes / line.length);
        socket.end(`HTTP/1.1 200 OK\r\n${line.repeat(lines)}Content-Length: 2\r\n\r\nok`);
        return;
      }
      case 'slow-headers': {
        socket.write('HTTP/1.1 200 OK\r\n');
        let sent = 0;
        every(() => {
          if (++sent < headerLines) {
            socket.write(`X-Slow-${sent}: ${sent}\r\n`);
            return true;
          }
          socket.end('Content-Length: 2\r\n\r\nok');
          return false;
        });
        return;
      }
    }
  }

  const closer = socketCloser(server);
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    mode,
    get connections() {
      return closer.count;
    },
    get requests() {
      return requests;
    },
    close: () => closer.close(),
  };
}

/**
 * Answers HTTP/1.0 with a Content-Length and `body` in 64 KiB pieces (each after the last drained), then
 * closes the connection: python3 -m http.server's way with a file. A client pausing the body meets the close.
 */
export function answerThenClose(socket: Duplex, body: Buffer): void {
  socket.write(`HTTP/1.0 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`);
  let at = 0;
  const next = (): void => {
    if (at >= body.length) return void socket.end();
    if (socket.write(body.subarray(at, (at += 65_536)))) setImmediate(next);
    else socket.once('drain', next);
  };
  next();
}
