import type * as Undici from 'undici';
import { isIP } from 'node:net';
import { hostAndPort } from './address-family.js';
import { lookingUp } from './dns-cache.js';
import { ConnectTimeoutError } from 'undici/lib/core/errors.js';

/**
 * --connect-timeout to the millisecond. undici times a connect on its coarse
 * timers (a tick of about half a second), so 300 ms ended after about 1.06 s
 * and 1 s after about 1.5 s, where curl ends at the time given: a scanner's
 * short timeout was mostly not kept. This timer, one a connection, destroys
 * the socket with the error undici's own would give (its code and words), and
 * undici's stays behind it, never reached. A connector that returns no socket
 * (a tunnel) keeps undici's.
 */
export function timingConnectsExactly(connect: Undici.buildConnector.connector, timeoutMs: number): Undici.buildConnector.connector {
  return (opts, callback) => {
    let timer: NodeJS.Timeout | undefined;
    // From before the connect call: a child's first TLS connection builds its secure context inside it (the CA
    // store, tens of ms), which counted outside the limit (0.5 s ended at 0.56 s), as curl's starts at its call.
    const calledAt = performance.now();
    // undici's buildConnector returns the socket it made (its types say void).
    const socket = (connect as (o: typeof opts, c: typeof callback) => unknown)(opts, ((error: Error | null, made: unknown) => {
      clearTimeout(timer);
      (callback as (e: Error | null, s: unknown) => void)(error, made);
    }) as typeof callback) as (ConnectingSocket & { destroyed?: boolean }) | undefined;
    if (typeof socket?.destroy === 'function' && !socket.destroyed) {
      const lookup = watchLookup(socket, opts.hostname);
      timer = setTimeout(() => socket.destroy(new ConnectTimeoutError(lookup.done ? timeoutMessage(socket, opts, timeoutMs, lookup.address) : lookupTimeoutMessage(opts.hostname, timeoutMs))), Math.max(0, timeoutMs - (performance.now() - calledAt)));
    }
    return socket;
  };
}

interface ConnectingSocket {
  destroy(error: Error): void;
  once?(event: 'lookup', listener: (error: unknown, address: unknown) => void): unknown;
  /** Node's, when a name's addresses were tried in turn (autoSelectFamily). */
  autoSelectFamilyAttemptedAddresses?: string[];
}

/**
 * undici's words for a connect timeout (core/util.js onConnectTimeout), which the error's message keeps, but for
 * an IPv6 address written in brackets, as a URL and bulkfetch's other messages write it: `::1:443` is itself an
 * address, and where its port begins a guess.
 */
function timeoutMessage(socket: ConnectingSocket, opts: Undici.buildConnector.Options, timeoutMs: number, address?: string): string {
  // A URL without a port gives none here: undici's words read `host.test:`.
  const port = opts.port === '' || opts.port === undefined ? (opts.protocol === 'https:' ? '443' : '80') : opts.port;
  const name = opts.hostname.replace(/^\[(.*)\]$/, '$1');
  const tried = Array.isArray(socket.autoSelectFamilyAttemptedAddresses) && socket.autoSelectFamilyAttemptedAddresses.length > 0
    ? `attempted addresses: ${socket.autoSelectFamilyAttemptedAddresses.map(bracketedAddressAndPort).join(', ')}`
    : `attempted address: ${hostAndPort(address ?? name, port)}${address !== undefined && address !== name ? ` (${name})` : ''}`;
  return `Connect Timeout Error (${tried}, timeout: ${timeoutMs}ms)`;
}

/** What a connecting socket's lookup came to: done (an address needs none), and the address it gave. */
export interface WatchedLookup {
  readonly done: boolean;
  /** The address the name's connect went to, as undici's words named the name itself (`vm:28080`). */
  readonly address: string | undefined;
}

/** Follows `socket`'s lookup of `hostname`: a name's socket says when it is done ('lookup'). */
export function watchLookup(socket: { once?(event: 'lookup', listener: (error: unknown, address: unknown) => void): unknown }, hostname: string): WatchedLookup {
  const state = { done: isIP(hostname.replace(/^\[(.*)\]$/, '$1')) !== 0, address: undefined as string | undefined };
  socket.once?.('lookup', (_error, found) => {
    state.done = true;
    if (typeof found === 'string' && found !== '') state.address = found;
  });
  return state;
}

/**
 * The time ran out before the name had an address: nothing was connected to. undici's words named the name as
 * an attempted address, its port empty for a URL without one (`host.test:`); curl says "Resolving timed out".
 */
export function lookupTimeoutMessage(hostname: string, timeoutMs: number, whose = ''): string {
  return `Resolving timed out after ${timeoutMs} ms: ${lookupWait(hostname, whose)}, so nothing was connected to`;
}

/** Where a name's lookup was: with the resolver, or still waiting for a slot of this process's (dns-cache.ts). */
export function lookupWait(hostname: string, whose = ''): string {
  return lookingUp(hostname) === 'queued'
    ? `the lookup of ${hostname}${whose} had not begun: it waited for one of this process's lookup slots, all held by lookups the resolver was slow to answer (a lower --concurrency queues fewer)`
    : `the system's resolver had not answered for ${hostname}${whose}`;
}

/** Node's `::1:443` (an attempted address and its port) as `[::1]:443`. */
function bracketedAddressAndPort(addressAndPort: string): string {
  const colon = addressAndPort.lastIndexOf(':');
  return hostAndPort(addressAndPort.slice(0, colon), addressAndPort.slice(colon + 1));
}

