import { isIP, type LookupFunction } from 'node:net';
import type { LookupAddress } from 'node:dns';

/**
 * curl's --resolve for the proxy's own name: an entry for the proxy's
 * HOST:PORT (or `*:PORT`) gives the address its connection goes to, as curl
 * takes it there. The proxy's connectors are undici's (or the SOCKS tunnel's),
 * which look the name up with `lookup`: this one answers the pinned names
 * itself, and hands every other name on. Undefined when no entry is for a proxy.
 */
export function resolvingProxyNames(lookup: LookupFunction, proxyUrls: ReadonlyArray<string | undefined>, resolve: Readonly<Record<string, string>>): LookupFunction | undefined {
  const pinned = new Map<string, string>();
  for (const href of proxyUrls) {
    if (href === undefined) continue;
    const url = new URL(href);
    const host = url.hostname.toLowerCase();
    if (host.startsWith('[') || isIP(host) !== 0) continue;
    const port = url.port || (url.protocol === 'https:' ? '443' : url.protocol.startsWith('socks') ? '1080' : '80');
    const address = resolve[`${host}:${port}`] ?? resolve[`*:${port}`];
    if (address !== undefined) pinned.set(host, address.replace(/^\[(.*)\]$/, '$1'));
  }
  if (pinned.size === 0) return undefined;
  return ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    const address = pinned.get(hostname.toLowerCase());
    if (address === undefined) return lookup(hostname, options as never, callback as never);
    const family = isIP(address);
    process.nextTick(() => (options.all ? callback(null, [{ address, family } satisfies LookupAddress]) : callback(null, address, family)));
  }) as LookupFunction;
}
