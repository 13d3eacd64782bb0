import { constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import { finishingAfterGoaway } from './h2-graceful-goaway.js';
import { http2ErrorName } from './error-codes.js';

const { NGHTTP2_CANCEL } = constants;

/**
 * Makes undici see a response stream as the server sent it, in two things
 * node:http2 and undici's h2 client between them lost (applied to each
 * request by h2-session.ts, before undici listens to the stream):
 *
 * - Header bytes past ASCII. node:http2 gives each value as a latin1 string
 *   (a character a byte), and undici makes bytes of it again with
 *   `Buffer.from(value)`, which is UTF-8: each such byte became two, so the line
 *   read `cafÃ\u0083Â©` where HTTP/1.1 gives `cafÃ©` (the README's one character
 *   a byte), and `-L` followed a Location with other bytes than the server's. A
 *   Buffer of the latin1 bytes is copied as it is.
 * - A body cut by the server's RST_STREAM. A stream reset with NO_ERROR or
 *   CANCEL before its END_STREAM is ended by node:http2 as if it were whole (no
 *   'error'), and undici took the part that came for the response: a 200 with
 *   half a body and no error, when no Content-Length told. It fails instead, as
 *   a reset with any other code does.
 */
export function keepResponseAsSent(stream: ClientHttp2Stream, headersAsBytes = true): void {
  // Before undici's own listener, which reads the same object. A stream h2-lean-write.ts reads needs none: it hands
  // the handler node:http2's latin1 strings as they are.
  if (headersAsBytes) stream.prependOnceListener('response', headerValuesAsBytes);
  if (readablePush === undefined) {
    // Once, on the class of client streams (not exported): every stream gets it with nothing of its own to carry.
    const prototype = Object.getPrototypeOf(stream) as { push: PushMethod; _destroy: DestroyMethod };
    readablePush = prototype.push;
    prototype.push = pushUnlessCut;
    streamDestroy = prototype._destroy;
    prototype._destroy = destroyNamingCancel;
  }
}

/** A character past ASCII: a byte node:http2 read as latin1. */
const PAST_ASCII = /[^\x00-\x7f]/;

function headerValuesAsBytes(headers: IncomingHttpHeaders): void {
  const values = headers as Record<string, unknown>;
  for (const name in values) {
    const value = values[name];
    if (typeof value === 'string') {
      if (PAST_ASCII.test(value)) values[name] = Buffer.from(value, 'latin1');
    } else if (Array.isArray(value) && value.some((each) => typeof each === 'string' && PAST_ASCII.test(each))) {
      values[name] = value.map((each: unknown) => (typeof each === 'string' ? Buffer.from(each, 'latin1') : each));
    }
  }
}

type PushMethod = (this: ClientHttp2Stream, chunk: unknown, encoding?: BufferEncoding) => boolean;
type DestroyMethod = (this: ClientHttp2Stream, error: Error | null, callback: (error?: Error | null) => void) => void;

/** The Duplex's own _destroy, which client streams inherit; destroyNamingCancel takes its place on their class. */
let streamDestroy: DestroyMethod | undefined;

/**
 * A stream the server reset with CANCEL before its END_STREAM, once its body had begun: node:http2 destroys it
 * without an error (CANCEL is how a client aborts), and undici said only "stream closed before the response was
 * complete". It fails as any other code's reset does, named (curl: "was not closed cleanly: CANCEL (err 8)").
 * A stream closed here has its own code (undici's abort closes with NO_ERROR) and an error of its own.
 */
function destroyNamingCancel(this: ClientHttp2Stream, error: Error | null, callback: (error?: Error | null) => void): void {
  // The server's RST_STREAM on a live session: a session ending (its streams cancelled here) is not the server's reset.
  const { session } = this;
  const live = session != null && !session.destroyed && !session.closed && !finishingAfterGoaway(session as ClientHttp2Session);
  if (error == null && live && this.rstCode === NGHTTP2_CANCEL && !(this as unknown as { _readableState: { ended: boolean } })._readableState.ended) {
    error = Object.assign(new Error(`Stream closed with error code NGHTTP2_CANCEL before the end of its response`), { code: 'ERR_HTTP2_STREAM_ERROR' });
  }
  (streamDestroy as DestroyMethod).call(this, error, callback);
}

/** Readable's own push, which client streams inherit; pushUnlessCut takes its place on their class. */
let readablePush: PushMethod | undefined;

/**
 * The end of a response's body pushed while the stream is already closed and
 * no end came before: node:http2 does that for a stream reset before its
 * END_STREAM (the END_STREAM of a whole body ends the readable side first).
 */
function pushUnlessCut(this: ClientHttp2Stream, chunk: unknown, encoding?: BufferEncoding): boolean {
  if (chunk === null && this.closed && !(this as unknown as { _readableState: { ended: boolean } })._readableState.ended) {
    const error = Object.assign(new Error(`Stream closed with error code NGHTTP2_${http2ErrorName(this.rstCode)} before the end of its response`), { code: 'ERR_HTTP2_STREAM_ERROR' });
    // After node:http2's close handler, which goes on to use the stream's session once it has pushed.
    process.nextTick(() => this.destroy(error));
    return false;
  }
  return (readablePush as PushMethod).call(this, chunk, encoding);
}
