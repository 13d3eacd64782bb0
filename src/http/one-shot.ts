import type * as Undici from 'undici';
import { Client } from './undici-parts.js';
import { prepareH2Session } from './h2-session.js';

/** undici dispatch options, with the mark of a request whose connection will not be reused. */
export interface OneShotDispatchOptions extends Undici.Dispatcher.DispatchOptions {
  /** No other request of this child goes to this origin (the parent's pass over the input says so). */
  onlyUse?: boolean;
}

/**
 * An undici interceptor: a request marked `onlyUse` goes on a Client of its
 * own, which closes (with its connection) as soon as the response is done. The
 * Agent would instead build a Pool for the origin (its constructor, a deep
 * clone of the options, listeners on both), keep it in its map until the
 * connection closed, then close and destroy the two: on a list of distinct
 * hosts that took about a third of the run's CPU (bench/CHANGELOG.md, entry
 * 14). A bare undici loop gets most of this from `connections: 1`. Nothing is
 * kept per origin here.
 *
 * `clientOptions` are the Agent's own (timeouts), with a connector that
 * closes the connection once its request is done (SocketBudget.wrap's
 * closeWhenIdle): held to the same budget, and closed without the error
 * undici's close() would destroy it with (V8 formats that error's stack:
 * ~3 % of a child's CPU when measured).
 */
export function oneShot(clientOptions: Undici.Client.Options): Undici.Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (opts, handler) => {
    if (!(opts as OneShotDispatchOptions).onlyUse) return dispatch(opts, handler);
    // Left to the garbage collector once its connection has closed: nothing else refers to it.
    const client = new Client(opts.origin as string | URL, clientOptions);
    // An h2 session here needs what alpn-pool.ts gives the Pool's: without it a one-shot origin's
    // graceful GOAWAY failed the stream the server was still answering (a GET sent 5 times, a POST lost).
    if (clientOptions.allowH2) client.on('connect', () => prepareH2Session(client));
    return client.dispatch(opts, handler);
  };
}
