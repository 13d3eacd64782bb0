import { createRequire } from 'node:module';
import type * as Undici from 'undici';
import AgentClass from 'undici/lib/dispatcher/agent.js';
import PoolClass from 'undici/lib/dispatcher/pool.js';
import ClientClass from 'undici/lib/dispatcher/client.js';
import DispatcherClass from 'undici/lib/dispatcher/dispatcher.js';
import buildConnectorFunction from 'undici/lib/core/connect.js';

/**
 * The undici classes a child uses, loaded from their own modules. undici's
 * index also loads fetch, WebSocket, EventSource, caching and mocks, and
 * extends Dispatcher with request()/stream(): none of which we use (requests
 * go through dispatch()). Measured on a 2-core x86 machine: loading the index
 * costs a process about 0.14 s of CPU, these modules about 0.04 s, and every
 * child pays it at start (8 of them at --procs 8).
 *
 * Imported, not required, so that the child's bundle (see package.json's
 * build) takes them in; their types are declared in undici-lib.d.ts.
 *
 * The proxy agent is the exception: its CONNECT tunnel and forwarding use the
 * request API that only the index adds, so a run with a proxy loads it all
 * when it builds its dispatcher (loadProxyParts), from node_modules: the
 * child's bundle leaves the index out (scripts/bundle.mjs).
 *
 * undici has no "exports" map, so these paths are part of what it publishes;
 * the version is pinned by package-lock.json, and the integration tests build
 * every kind of dispatcher (plain, TLS, HTTP/2, proxy) from them.
 */
export const Agent = AgentClass;
export const Pool = PoolClass;
export const Client = ClientClass;
/** The base class of every dispatcher: dispatch, close and destroy to override, and compose. */
export const DispatcherBase = DispatcherClass;
export const buildConnector = buildConnectorFunction;

/** The whole of undici, for a run through a proxy. */
export function loadProxyParts(): { EnvHttpProxyAgent: typeof Undici.EnvHttpProxyAgent; Pool: typeof Undici.Pool } {
  // In the child's bundle (CommonJS) `require` is defined and reads the index from node_modules
  // (the bundle leaves it out: half its size, parsed by every child at start). So a child that
  // takes a proxy holds two copies of undici's modules: the proxy agents are the index's, the
  // direct Agent and the pools its factory makes are the bundle's. They meet only through the
  // public Dispatcher API (dispatch, close, destroy, events) and connector functions, never
  // through undici's internal symbols, which differ between the copies.
  // Unbundled (ESM, no require) it comes from node_modules, where the modules above come from too.
  // The bundle never reaches import.meta, which esbuild empties there (its warning is silenced).
  const undici = (typeof require === 'function' ? require('undici') : createRequire(import.meta.url)('undici')) as typeof Undici;
  return { EnvHttpProxyAgent: undici.EnvHttpProxyAgent, Pool: undici.Pool };
}
