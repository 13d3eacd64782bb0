import type * as Undici from 'undici';
import type { ProxyEndpoint } from './error-codes.js';
import { proxyHref } from './proxy-url.js';
import { loadProxyParts } from './undici-parts.js';

export interface ProxyChoice {
  /** Proxy for http: URLs (curl: --proxy, or http_proxy). */
  httpProxy?: string | undefined;
  /** Proxy for https: URLs (curl: --proxy, or https_proxy). */
  httpsProxy?: string | undefined;
  /** NO_PROXY's value: hosts reached directly. */
  noProxy: string;
}

/**
 * The proxies curl would use, from --proxy or the environment: http_proxy is
 * for http URLs only and https_proxy for https URLs only (undici's
 * EnvHttpProxyAgent would send https through http_proxy when https_proxy is
 * unset), NO_PROXY applies to both. Undefined when no proxy applies.
 */
export function proxyChoice(proxy: string | undefined, env: NodeJS.ProcessEnv): ProxyChoice | undefined {
  // As curl reads them (proxy-url.ts): a variable that names no usable proxy was refused before the run.
  const httpProxy = proxy ?? proxyHref(env.http_proxy || env.HTTP_PROXY || undefined);
  const httpsProxy = proxy ?? proxyHref(env.https_proxy || env.HTTPS_PROXY || undefined);
  if (httpProxy === undefined && httpsProxy === undefined) return undefined;
  return { httpProxy, httpsProxy, noProxy: env.no_proxy ?? env.NO_PROXY ?? '' };
}

/** The proxies' endpoints, for an error met on the way to one to say so (blameProxy). */
export function proxyEndpoints(choice: ProxyChoice | undefined): ProxyEndpoint[] {
  const hrefs = choice === undefined ? [] : [...new Set([choice.httpProxy, choice.httpsProxy])];
  return hrefs.flatMap((href) => {
    if (href === undefined) return [];
    const url = new URL(href);
    // An IPv6 proxy's hostname keeps its brackets in URL; Node's errors name the bare address.
    return [{ hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)) }];
  });
}

/**
 * One dispatcher per scheme: through its proxy (NO_PROXY hosts direct, by
 * undici's EnvHttpProxyAgent) or, with no proxy for that scheme, direct.
 */
export function createProxyRouter(choice: ProxyChoice, direct: Undici.Dispatcher, proxyOptions: Undici.EnvHttpProxyAgent.Options): Undici.Dispatcher {
  const { Dispatcher, EnvHttpProxyAgent } = loadProxyParts();
  const through = (uri: string | undefined): Undici.Dispatcher =>
    uri === undefined ? direct : new EnvHttpProxyAgent({ ...proxyOptions, httpProxy: uri, httpsProxy: uri, noProxy: choice.noProxy });
  const http = through(choice.httpProxy);
  const https = choice.httpsProxy === choice.httpProxy ? http : through(choice.httpsProxy);
  const all = [...new Set([direct, http, https])];

  class ProxyRouter extends Dispatcher {
    override dispatch(options: Undici.Dispatcher.DispatchOptions, handler: Undici.Dispatcher.DispatchHandler): boolean {
      const origin = String(options.origin ?? '');
      return (origin.startsWith('https:') ? https : http).dispatch(options, handler);
    }

    override close(): Promise<void>;
    override close(callback: () => void): void;
    override close(callback?: () => void): Promise<void> | void {
      const closed = Promise.all(all.map((d) => d.close())).then(() => {});
      if (!callback) return closed;
      void closed.then(callback);
    }

    override destroy(): Promise<void>;
    override destroy(err: Error | null): Promise<void>;
    override destroy(callback: () => void): void;
    override destroy(err: Error | null, callback: () => void): void;
    override destroy(errOrCallback?: Error | null | (() => void), callback?: () => void): Promise<void> | void {
      const err = typeof errOrCallback === 'function' ? null : (errOrCallback ?? null);
      const done = typeof errOrCallback === 'function' ? errOrCallback : callback;
      const destroyed = Promise.all(all.map((d) => d.destroy(err))).then(() => {});
      if (!done) return destroyed;
      void destroyed.then(done);
    }
  }
  return new ProxyRouter();
}
