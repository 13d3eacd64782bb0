import { isIP, type LookupFunction } from 'node:net';
import type * as Undici from 'undici';

/**
 * An address or name and its port as messages write them, as a URL does: an IPv6 address in brackets
 * (`[::1]:443`), where `::1:443` is itself an address and where its port begins a guess.
 */
export function hostAndPort(host: string, port: number | string): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

/** curl's -4 and -6: connections over one IP version only. */
export type IpFamily = 4 | 6;

const FLAG: Record<IpFamily, string> = { 4: '-4', 6: '-6' };

/**
 * A lookup that answers with addresses of `family` alone, whatever the
 * connect asked for: Node's connect would otherwise try both (Happy
 * Eyeballs), and a name with no address of that family fails as ENOTFOUND,
 * as curl -4 fails a name that has only AAAA records.
 */
export function familyLookup(lookup: LookupFunction, family: IpFamily): LookupFunction {
  return (hostname, options, callback) =>
    lookup(hostname, { ...options, family }, ((error: NodeJS.ErrnoException | null, ...answer: unknown[]) => {
      // getaddrinfo says ENOTFOUND alike of a name that does not exist and one with no address of this
      // family (EAI_NONAME, EAI_NODATA): the words name both, where Node's name neither and the generic hint
      // (is it spelled right?) would send a user looking at a name that resolves without the flag.
      if (error?.code === 'ENOTFOUND' && /^getaddrinfo ENOTFOUND \S+$/.test(error.message)) {
        error.message += ` (the name has no IPv${family} address, and ${FLAG[family]} connects over IPv${family} only; or it resolves to no address at all: is it spelled right?)`;
      }
      (callback as (...args: unknown[]) => void)(error, ...answer);
    }) as typeof callback);
}

/**
 * A connector that refuses an address of the other family (an IP literal in
 * the URL, or --resolve's address) instead of connecting to it: an address
 * is never looked up, so the lookup above never sees it. curl fails these too
 * ("Couldn't connect to server"); the message here says why.
 */
export function refusingOtherFamily(connector: Undici.buildConnector.connector, family: IpFamily): Undici.buildConnector.connector {
  return (opts, callback) => {
    const error = otherFamilyError(opts.hostname, family);
    if (error === undefined) return connector(opts, callback);
    process.nextTick(() => (callback as (e: Error, s: null) => void)(error, null));
  };
}

/**
 * A connector for a SOCKS proxy at `host` that refuses, as refusingOtherFamily
 * does, when `host` is an address of the other family (the tunnel's connector
 * sees the target's name, not the proxy's). Undefined when it may be connected to.
 */
export function proxyOfOtherFamily(host: string, family: IpFamily | undefined): Undici.buildConnector.connector | undefined {
  if (family === undefined || otherFamilyError(host, family) === undefined) return undefined;
  return (_opts, callback) => process.nextTick(() => (callback as (e: Error, s: null) => void)(otherFamilyError(host, family) as Error, null));
}

function otherFamilyError(hostname: string, family: IpFamily): (Error & { code: string; hostname: string }) | undefined {
  const address = hostname.replace(/^\[(.*)\]$/, '$1');
  const literal = isIP(address);
  if (literal === 0 || literal === family) return undefined;
  return Object.assign(new Error(`${address} is an IPv${literal} address, and ${FLAG[family]} connects over IPv${family} only`), { code: 'ENOTFOUND', hostname: address });
}
