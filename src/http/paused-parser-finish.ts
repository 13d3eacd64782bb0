import type { Duplex } from 'node:stream';
import { h1ParserOf, wrapParserMethod, type H1Parser } from './h1-parser.js';

const EMPTY = Buffer.alloc(0);

/**
 * Mends undici 7's HTTP/1.1 parser so that a socket ending while the parser is
 * paused finishes the response instead of crashing the process (applied by
 * http1-socket.ts to every HTTP/1.1 connection).
 *
 * A handler pauses the parser while body bytes wait on something slower than
 * the network (a --save file, a decoder). When the server then closes the
 * connection (HTTP/1.0, `Connection: close`: `python3 -m http.server` does it
 * after every file), undici's 'end' and 'close' handlers call finish(), which
 * asserted the parser was not paused: an AssertionError from a socket event, no
 * one's to catch, and the child died with every record it held (undici issue
 * 5360, fixed in 8.x only, which needs Node 22). finish() now does first what
 * undici 8's does (its PR 5474): resume the parser and drive it through what the
 * socket still holds, so a body with a length completes there and one delimited
 * by the close is completed by finish() itself.
 *
 * The parser (h1-parser.ts) is reached when the socket ends, before undici's
 * listeners run, and mended once per copy of undici (the child has two: its
 * bundle's and node_modules').
 */
export function finishPausedParsers(socket: Duplex): void {
  socket.prependOnceListener('end', () => {
    const parser = h1ParserOf(socket);
    if (!parser) return;
    mendFinish(parser);
    // On a kept-alive connection undici's 'end' fails a response still in progress ("other side closed"),
    // whole or not: one whose last bytes wait behind a pause is driven to its end first.
    driveToEnd(parser);
  });
  socket.prependOnceListener('close', () => {
    const parser = h1ParserOf(socket);
    if (parser) mendFinish(parser);
  });
}

function mendFinish(parser: H1Parser): void {
  wrapParserMethod(parser, 'finish', resumingFirst);
}

/** undici's finish, made to drive a paused parser to its end first (driveToEnd). */
const resumingFirst = (finish: H1Parser['finish']): H1Parser['finish'] =>
  function finishResumed(this: H1Parser): Error | null {
    driveToEnd(this);
    return finish.call(this);
  };

/**
 * What undici 8's finish() does first: resume the parser across its pauses and parse what the socket still
 * holds (the handler buffers what it is given), then leave it unpaused for llhttp's finish.
 */
function driveToEnd(parser: H1Parser): void {
  if (!parser.paused || parser.ptr === null) return;
  let data: Buffer;
  do {
    parser.llhttp.llhttp_resume(parser.ptr);
    parser.paused = false;
    data = (parser.socket.read() as Buffer | null) ?? EMPTY;
    parser.execute(data);
  } while (parser.paused && data.length > 0 && parser.ptr !== null);
  if (parser.paused && parser.ptr !== null) {
    parser.llhttp.llhttp_resume(parser.ptr);
    parser.paused = false;
  }
}
