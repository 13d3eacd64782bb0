// undici publishes its lib/ modules (no "exports" map) but types only its index:
// these say what each module's module.exports is, in the index's types.
declare module 'undici/lib/dispatcher/agent.js' {
  import type { Agent } from 'undici';
  const AgentClass: typeof Agent;
  export default AgentClass;
}
declare module 'undici/lib/dispatcher/dispatcher.js' {
  import type { Dispatcher } from 'undici';
  const DispatcherClass: typeof Dispatcher;
  export default DispatcherClass;
}
declare module 'undici/lib/dispatcher/pool.js' {
  import type { Pool } from 'undici';
  const PoolClass: typeof Pool;
  export default PoolClass;
}
declare module 'undici/lib/dispatcher/client.js' {
  import type { Client } from 'undici';
  const ClientClass: typeof Client;
  export default ClientClass;
}
declare module 'undici/lib/core/connect.js' {
  import type { buildConnector } from 'undici';
  const buildConnectorFunction: typeof buildConnector;
  export default buildConnectorFunction;
}
declare module 'undici/lib/dispatcher/pool-base.js' {
  import type { Dispatcher } from 'undici';
  /** The pool's clients, in the order they were added. */
  export const kClients: unique symbol;
  /** Set by the pool on each client: true while it takes no more requests. */
  export const kNeedDrain: unique symbol;
  export const kAddClient: unique symbol;
  export const kGetDispatcher: unique symbol;
  /** The methods and fields of undici's Pool (and RoundRobinPool) base that a subclass sees. */
  export interface PoolBaseMembers {
    [kClients]: Dispatcher[];
    [kAddClient](client: Dispatcher): unknown;
    [kGetDispatcher](): Dispatcher | undefined;
  }
}
declare module 'undici/lib/core/symbols.js' {
  /** A pool's count of requests waiting in its own queue, for no client could take them. */
  export const kQueued: unique symbol;
  /** A dispatcher's own dispatch, which DispatcherBase#dispatch calls. */
  export const kDispatch: unique symbol;
  /** A client's streams allowed at once on its HTTP/2 connection: 100 until the server's SETTINGS say. */
  export const kMaxConcurrentStreams: unique symbol;
  /** A client's node:http2 session, while its connection speaks h2. */
  export const kHTTP2Session: unique symbol;
  /** A client's socket, while it has a connection. */
  export const kSocket: unique symbol;
  /** True while a client has a connection made (TCP and TLS done) and not destroyed. */
  export const kConnected: unique symbol;
  /** A client's protocol context (HTTP/1.1 or h2) for its connection: null makes it connect anew for its next request. */
  export const kHTTPContext: unique symbol;
  /** A client's resume: starts what waits in its queue, connecting first when it has no connection. */
  export const kResume: unique symbol;
  /** The error an h2 session's GOAWAY fails its requests with, when set (client-h2.js onHttp2SessionGoAway). */
  export const kError: unique symbol;
  /** A client's requests, and the index of the next to write (client.js _resume writes kQueue[kPendingIdx]). */
  export const kQueue: unique symbol;
  export const kPendingIdx: unique symbol;
  /** The index in kQueue of a client's oldest request still running. */
  export const kRunningIdx: unique symbol;
  /** A client's handling of a request that failed on its connection (client.js onError). */
  export const kOnError: unique symbol;
  /** A client's origin, as a URL. */
  export const kUrl: unique symbol;
  /** Set on a socket that is to be closed once its running requests are done (HTTP/1.1). */
  export const kReset: unique symbol;
  /** A client's headers and body timeouts, in milliseconds: 0 for none. */
  export const kHeadersTimeout: unique symbol;
  export const kBodyTimeout: unique symbol;
}
declare module 'undici/lib/core/errors.js' {
  import type { errors } from 'undici';
  export const ConnectTimeoutError: typeof errors.ConnectTimeoutError;
  export const InformationalError: typeof errors.InformationalError;
  export const RequestAbortedError: typeof errors.RequestAbortedError;
}
declare module 'undici/lib/core/util.js' {
  /** Tells a request's handler of its error; a handler that throws is the client's 'error'. */
  export function errorRequest(client: unknown, request: unknown, error: Error): void;
}
