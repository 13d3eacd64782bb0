import type { Duplex } from 'node:stream';

/**
 * What of undici 7's HTTP/1.1 parser (lib/dispatcher/client-h1.js) bulkfetch's
 * mends touch. The class is undici's own, not exported: it is reached through
 * the socket, which holds it under a symbol described 'parser' from the moment
 * undici takes the connection. A connection to an h2 server has none.
 */
export interface H1Parser {
  paused: boolean;
  ptr: number | null;
  socket: Duplex;
  /** undici's Client the connection belongs to. */
  client: object;
  statusCode: number;
  llhttp: { llhttp_resume(ptr: number): void };
  execute(chunk: Buffer): void;
  finish(): Error | null;
  onHeadersComplete(statusCode: number, upgrade: boolean, shouldKeepAlive: boolean): number;
  onMessageComplete(): number;
}

/** The value undici keeps on a socket under the symbol it describes as `description`. */
export function undiciSlotOf<T>(socket: object, description: string): { key: symbol; value: T | undefined } | undefined {
  const key = Object.getOwnPropertySymbols(socket).find((symbol) => symbol.description === description);
  return key === undefined ? undefined : { key, value: (socket as unknown as Record<symbol, T | undefined>)[key] };
}

export function h1ParserOf(socket: Duplex): H1Parser | undefined {
  return undiciSlotOf<H1Parser | null>(socket, 'parser')?.value ?? undefined;
}

/** The methods of undici's parser class that bulkfetch wraps. */
export type WrappedParserMethod = 'finish' | 'onHeadersComplete' | 'onMessageComplete';

/** The wraps applied so far, by the parser's class (its prototype): each once per copy of undici. */
const applied = new WeakMap<object, Set<unknown>>();

/**
 * Replaces a method of undici's parser class with what `wrap` makes of it, once per copy of undici (the child
 * has two: its bundle's and node_modules'), however many connections ask. Several wraps of one method nest;
 * each is told apart by its identity, so `wrap` is a function made once, not one made at each call.
 */
export function wrapParserMethod<K extends WrappedParserMethod>(parser: H1Parser, name: K, wrap: (original: H1Parser[K]) => H1Parser[K]): void {
  const prototype = Object.getPrototypeOf(parser) as H1Parser;
  const done = applied.get(prototype) ?? new Set<unknown>();
  if (done.has(wrap) || typeof prototype[name] !== 'function') return;
  done.add(wrap);
  applied.set(prototype, done);
  prototype[name] = wrap(prototype[name]);
}

/**
 * Wraps a method of undici's parser class (wrapParserMethod) when `socket`'s connection first has bytes to read:
 * undici has given it its parser by then, and this listener, prepended, runs before undici's own parses them.
 */
export function wrapParserMethodAtFirstRead<K extends WrappedParserMethod>(socket: Duplex, name: K, wrap: (original: H1Parser[K]) => H1Parser[K]): void {
  socket.prependOnceListener('readable', () => {
    const parser = h1ParserOf(socket);
    if (parser) wrapParserMethod(parser, name, wrap);
  });
}
