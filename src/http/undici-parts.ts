import { createRequire } from 'node:module';
import type * as Undici from 'undici';

/**
 * The undici classes a child uses, loaded from their own modules. undici's
 * index also loads fetch, WebSocket, EventSource, caching and mocks, and
 * extends Dispatcher with request()/stream(): none of which we use (requests
 * go through dispatch()). Measured on a 2-core x86 machine: loading the index
 * costs a process about 0.14 s of CPU, these modules about 0.04 s, and every
 * child pays it at start (8 of them at --procs 8).
 *
 * The proxy agent is the exception: its CONNECT tunnel and forwarding use the
 * request API that only the index adds, so a run with a proxy loads it all.
 *
 * undici has no "exports" map, so these paths are part of what it publishes;
 * the version is pinned by package-lock.json, and the integration tests build
 * every kind of dispatcher (plain, TLS, HTTP/2, proxy) from them.
 */
const require = createRequire(import.meta.url);

export const Agent = require('undici/lib/dispatcher/agent.js') as typeof Undici.Agent;
export const Pool = require('undici/lib/dispatcher/pool.js') as typeof Undici.Pool;
export const Client = require('undici/lib/dispatcher/client.js') as typeof Undici.Client;
export const buildConnector = require('undici/lib/core/connect.js') as typeof Undici.buildConnector;

/** The whole of undici, for a run through a proxy. */
export function loadProxyParts(): { EnvHttpProxyAgent: typeof Undici.EnvHttpProxyAgent; Dispatcher: typeof Undici.Dispatcher } {
  const undici = require('undici') as typeof Undici;
  return { EnvHttpProxyAgent: undici.EnvHttpProxyAgent, Dispatcher: undici.Dispatcher };
}
