import type { Socket } from 'node:net';
import { h1ParserOf, undiciSlotOf, wrapParserMethodAtFirstRead, type H1Parser } from './h1-parser.js';
import { isIdempotent } from './retry-policy.js';

/** Set on the error that ended a request no byte of answer came to, on a connection that had carried answers before. */
const STALE = Symbol('bulkfetch.staleConnection');
/** Set on the error of any connection lost after it had carried answers (kept alive), whatever was on it. */
const KEPT_ALIVE_LOST = Symbol('bulkfetch.keptAliveLost');
/** Set beside STALE when the connection had carried one answer only: a server that closes each connection after its answer. */
const AFTER_ONE_ANSWER = Symbol('bulkfetch.closedAfterOneAnswer');

/** What a connection's answers so far tell, kept on the socket under HISTORY by the parser's answer callback. */
interface AnswerHistory {
  /** Final (not interim) answers completed on the connection. */
  answers: number;
  /** The socket's bytesRead when the last of them completed. */
  readAtLastAnswer: number;
  /** Whether the last of them answered a HEAD. */
  lastWasHead: boolean;
}
const HISTORY = Symbol('bulkfetch.answerHistory');
type WithHistory = { [HISTORY]?: AnswerHistory };

/**
 * Marks the loss of a kept-alive connection under a request it never answered
 * (applied by http1-socket.ts). A server that closes a connection idle past its
 * timeout as a new request goes out on it either closes it (undici's "other side
 * closed") or has its kernel answer the request with RST (a read ECONNRESET).
 * curl and browsers send such a request again at once on a new connection,
 * whatever its method: the server closed the connection without reading it.
 * The mark is what error-codes.ts reads to tell this loss from every other
 * one, which is the server's answer, sent once unless --retries says more.
 *
 * Both conditions are this connection's own history: answers completed before
 * the request went out (so it was kept alive), and no byte read since the last
 * of them. A new connection, or one where any of this request's answer came
 * (`102 Processing`, half a status line), is not stale: a POST to a server that
 * sent `HTTP/1.1 102` and closed was sent three times, --retries 0 or not, when
 * any byte read on the connection counted as an earlier answer.
 *
 * The answers are counted by undici's parser as each completes (its prototype is
 * mended once per copy of undici, h1-parser.ts), and whether a request is out on
 * the connection is read from its client when the connection is lost. This used
 * to watch every write of every request, one of the per-request socket hooks that
 * together cost a few per cent of a child's CPU (bench/CHANGELOG.md, entries 89 and 90).
 */
export function markStaleConnectionErrors(socket: Socket): void {
  const history: AnswerHistory = { answers: 0, readAtLastAnswer: 0, lastWasHead: false };
  (socket as WithHistory)[HISTORY] = history;
  wrapParserMethodAtFirstRead(socket, 'onMessageComplete', countingAnswers);
  const mark = (error: NodeJS.ErrnoException | undefined, code: string): void => {
    if (error?.code !== code) return;
    const out = requestOut(socket);
    // Requests begun on this connection: undici sends one at a time, so those answered and the one out, if any.
    const requests = history.answers + (out ? 1 : 0);
    if (out && history.answers > 0 && socket.bytesRead === history.readAtLastAnswer) {
      (error as unknown as Record<symbol, boolean>)[STALE] = true;
      if (requests === 2) (error as unknown as Record<symbol, boolean>)[AFTER_ONE_ANSWER] = true;
    }
    if (socket.bytesRead > 0) {
      (error as unknown as Record<symbol, boolean>)[KEPT_ALIVE_LOST] = true;
      // Lost after its first answer, before a second request was written: the requests queued for it fail with this.
      if (requests === 1) (error as unknown as Record<symbol, boolean>)[AFTER_ONE_ANSWER] = true;
    }
  };
  // A HEAD's connection is kept (send-request.ts), as curl keeps it. A server that sends a HEAD a body
  // anyway, after the next request went out, has it read as that request's answer, which is no status
  // line: that request, if sending it twice does no harm, goes again on a new connection.
  const markHeadsStrayBody = (error: Error | undefined): void => {
    // undici's HTTPParserError for bytes where a status line should begin (its code is not set for this one).
    if (!history.lastWasHead || error?.name !== 'HTTPParserError' || !error.message.includes('Expected HTTP/')) return;
    const method = requestOut(socket)?.method;
    if (method !== undefined && isIdempotent(method)) (error as unknown as Record<symbol, boolean>)[STALE] = true;
  };
  // Prepended, so that the mark is on the error before undici keeps it for the request.
  socket.prependListener('error', (error: NodeJS.ErrnoException) => mark(error, 'ECONNRESET'));
  const destroy = socket.destroy;
  socket.destroy = function (this: Socket, error?: Error) {
    mark(error as NodeJS.ErrnoException | undefined, 'UND_ERR_SOCKET');
    markHeadsStrayBody(error);
    return destroy.call(this, error);
  };
}

interface QueuedRequest {
  method: string;
}

/** The request written on the connection and not yet answered: its client's first running one (undici's queue). */
function requestOut(socket: Socket): QueuedRequest | undefined {
  const client = h1ParserOf(socket)?.client;
  return client === undefined ? undefined : runningRequestOf(client);
}

/** Where undici's Client keeps its queue, by the Client class's prototype: once per copy of undici. */
interface QueueKeys {
  queue: symbol;
  runningIndex: symbol;
  pendingIndex: symbol;
}
const queueKeys = new WeakMap<object, QueueKeys | null>();

function queueKeysOf(client: object): QueueKeys | null {
  const prototype = Object.getPrototypeOf(client) as object;
  let keys = queueKeys.get(prototype);
  if (keys === undefined) {
    const queue = undiciSlotOf(client, 'queue')?.key;
    const runningIndex = undiciSlotOf(client, 'running index')?.key;
    const pendingIndex = undiciSlotOf(client, 'pending index')?.key;
    keys = queue && runningIndex && pendingIndex ? { queue, runningIndex, pendingIndex } : null;
    queueKeys.set(prototype, keys);
  }
  return keys;
}

/**
 * undici's Client keeps its requests in one array: those before `running index` are done, those from it to
 * `pending index` are written on its connection (one at a time here), the rest wait.
 */
function runningRequestOf(client: object): QueuedRequest | undefined {
  const keys = queueKeysOf(client);
  if (keys === null) return undefined;
  const slots = client as Record<symbol, unknown>;
  const running = slots[keys.runningIndex] as number;
  if (!(running < (slots[keys.pendingIndex] as number))) return undefined;
  return (slots[keys.queue] as Array<QueuedRequest | null>)[running] ?? undefined;
}

/** undici's answer callback, made to count final answers into the socket's HISTORY. */
const countingAnswers = (onMessageComplete: H1Parser['onMessageComplete']): H1Parser['onMessageComplete'] =>
  function onMessageCompleteCounted(this: H1Parser): number {
    const history = (this.socket as WithHistory)[HISTORY];
    // An interim (1xx) response ends before its final one, not the exchange; the request is read before undici lets it go.
    const final = history !== undefined && this.statusCode >= 200;
    const head = final && runningRequestOf(this.client)?.method === 'HEAD';
    const result = onMessageComplete.call(this);
    if (final) {
      history.answers += 1;
      history.readAtLastAnswer = (this.socket as Socket).bytesRead;
      history.lastWasHead = head;
    }
    return result;
  };

/** An error markStaleConnectionErrors marked: a kept-alive connection lost before a byte of this request's answer. */
export function lostUnansweredOnKeptAlive(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[STALE] === true;
}

/**
 * An error of a kept-alive connection's loss (see markStaleConnectionErrors).
 * undici hands it also to the requests waiting in the client's queue, which
 * were never written on any connection: the reset of an idle connection, as
 * the next request was dispatched to it, failed that request with "read
 * ECONNRESET" although the server never saw it (send-request.ts sends it
 * again at once, whatever its method).
 */
export function lostKeptAliveConnection(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[KEPT_ALIVE_LOST] === true;
}

/**
 * An error lostUnansweredOnKeptAlive marks, on a connection that had carried one answer only: what a server
 * that closes each connection after its answer does to every reuse (closing-origins.ts counts these). A server
 * that closes after many answers, or an idle timeout, loses a connection that carried more, or seldom.
 */
export function closedAfterOneAnswer(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[AFTER_ONE_ANSWER] === true;
}
