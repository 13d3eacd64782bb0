import type { ClientHttp2Stream } from 'node:http2';

/**
 * A body larger than this is written to an HTTP/2 stream in pieces of it, one after another as the stream
 * drains. undici writes a Buffer body whole (client-h2.js writeBuffer), and node:http2 queued it whole in
 * the session, past its memory limit (10 MB) for a 20 MB upload, or for a few hundred 64 KiB ones at once:
 * it reset the stream (ENHANCE_YOUR_CALM) before the server's answer (a 413 sent early) was read, and a PUT
 * was uploaded again on each retry. Done on the stream, once HTTP/2 is what the connection speaks: an
 * HTTP/1.1 connection (ALPN's answer, where h2 was offered too) keeps its body written whole, which its
 * early-answer handling needs (early-response.ts).
 */
export const H2_BODY_PIECE_BYTES = 16 * 1024;

type Write = ClientHttp2Stream['write'];
type End = ClientHttp2Stream['end'];

/**
 * Makes this stream take a large chunk in pieces: the rest waits for 'drain', and an end() asked for
 * meanwhile waits for the last piece. A stream that closes first (the server answered and reset it) is
 * written no more.
 */
export function writeBodyInPieces(stream: ClientHttp2Stream): void {
  const write = stream.write as (this: ClientHttp2Stream, chunk: unknown, ...rest: unknown[]) => boolean;
  const end = stream.end as (this: ClientHttp2Stream, ...args: unknown[]) => ClientHttp2Stream;
  const waiting: unknown[] = [];
  let endArgs: unknown[] | undefined;
  const pump = (): void => {
    while (waiting.length > 0) {
      if (stream.destroyed || stream.closed) {
        waiting.length = 0;
        return;
      }
      if (!write.call(stream, waiting.shift())) {
        stream.once('drain', pump);
        return;
      }
    }
    if (endArgs !== undefined) end.apply(stream, endArgs);
  };
  stream.write = function writeInPieces(this: ClientHttp2Stream, chunk: unknown, ...rest: unknown[]): boolean {
    const large = Buffer.isBuffer(chunk) && chunk.length > H2_BODY_PIECE_BYTES;
    // As undici writes a body: no encoding, no callback. Anything else goes as it came, unless pieces are still
    // waiting, which it must follow.
    if ((!large && waiting.length === 0) || rest.length > 0) return write.call(this, chunk, ...rest);
    if (large) for (let at = 0; at < chunk.length; at += H2_BODY_PIECE_BYTES) waiting.push(chunk.subarray(at, at + H2_BODY_PIECE_BYTES));
    else waiting.push(chunk);
    pump();
    return waiting.length === 0;
  } as Write;
  stream.end = function endAfterPieces(this: ClientHttp2Stream, ...args: unknown[]): ClientHttp2Stream {
    if (waiting.length === 0) return end.apply(this, args);
    endArgs = args;
    return this;
  } as End;
}
