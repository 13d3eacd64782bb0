import { isIP, type LookupFunction } from 'node:net';
import type * as Undici from 'undici';

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
  return (hostname, options, callback) => lookup(hostname, { ...options, family }, callback);
}

/**
 * A connector that refuses an address of the other family (an IP literal in
 * the URL, or --resolve's address) instead of connecting to it: an address
 * is never looked up, so the lookup above never sees it. curl fails these too
 * ("Couldn't connect to server"); the message here says why.
 */
export function refusingOtherFamily(connector: Undici.buildConnector.connector, family: IpFamily): Undici.buildConnector.connector {
  return (opts, callback) => {
    const address = opts.hostname.replace(/^\[(.*)\]$/, '$1');
    const literal = isIP(address);
    if (literal === 0 || literal === family) return connector(opts, callback);
    const error = Object.assign(new Error(`${address} is an IPv${literal} address, and ${FLAG[family]} connects over IPv${family} only`), { code: 'ENOTFOUND', hostname: address });
    process.nextTick(() => (callback as (e: Error, s: null) => void)(error, null));
  };
}
