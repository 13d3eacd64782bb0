import type * as Undici from 'undici';

/** The events undici's Agent counts an origin's connections by (lib/dispatcher/agent.js). */
const COUNTED = new Set<string | symbol>(['connect', 'disconnect', 'connectionError']);

/**
 * Makes an origin's dispatcher stop telling undici's Agent of its connections once the Agent has closed it
 * (applied to what agent.ts's factories build). The Agent counts an origin's connections by its 'connect' and
 * 'disconnect' events and closes the dispatcher when the count reaches 0; its next request to the origin gets a
 * new one. But it keeps the count under the origin's name, not the dispatcher's: a closed dispatcher still
 * finishing a request connects and disconnects again, and that disconnect was counted against its successor,
 * which the Agent then closed after its one request, and so on, each closing the next. At --concurrency 1 (a
 * Client an origin), one connection lost to a server's stray bytes made every later request to that origin open
 * a connection of its own for the rest of the run.
 */
export function silentOnceClosed<T extends Undici.Dispatcher>(dispatcher: T): T {
  let closed = false;
  const close = dispatcher.close;
  const emit = dispatcher.emit;
  dispatcher.close = function (this: T, ...args: unknown[]) {
    closed = true;
    return (close as (...a: unknown[]) => unknown).apply(this, args);
  } as T['close'];
  dispatcher.emit = function (this: T, event: string | symbol, ...args: unknown[]) {
    if (closed && COUNTED.has(event)) return false;
    return (emit as (this: T, e: string | symbol, ...a: unknown[]) => boolean).call(this, event, ...args);
  } as T['emit'];
  return dispatcher;
}
