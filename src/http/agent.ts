import { Agent } from 'undici';

export interface AgentOptions {
  concurrency: number;
  timeout: number;
  connectTimeout: number;
}

/**
 * One keep-alive Agent per child. undici pools connections per origin; bounding
 * them by the child's concurrency keeps a single slow origin from opening more
 * sockets than there can be requests.
 */
export function createAgent({ concurrency, timeout, connectTimeout }: AgentOptions): Agent {
  return new Agent({
    connections: concurrency,
    pipelining: 1,
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
    headersTimeout: timeout,
    bodyTimeout: timeout,
    connect: { timeout: connectTimeout },
  });
}
