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
