import { isIP } from 'node:net';

/** A cookie as a jar holds it (RFC 6265 5.3), from a Set-Cookie field or a cookie file's line. */
export interface StoredCookie {
  name: string;
  value: string;
  /** Lower-case; with hostOnly, the exact host that set it. */
  domain: string;
  hostOnly: boolean;
  path: string;
  secure: boolean;
  /** ms since the epoch; undefined: a session cookie (a record's, or a -b file's for the run). */
  expiresAt: number | undefined;
}

/** RFC 6265 5.1.3: the host is the domain, or a name under it (never an address under a "domain"). */
export function domainMatches(host: string, domain: string): boolean {
  return host === domain || (host.endsWith(`.${domain}`) && isIP(host) === 0);
}

/** RFC 6265 5.1.4. */
export function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

/** The hosts curl takes for a secure context over plain http (as browsers do): loopback by its usual names. */
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Whether a request to `url` may carry a Secure cookie: over https, or to loopback, as curl 7.79+ and browsers send them. */
export function secureContext(url: URL): boolean {
  return url.protocol === 'https:' || LOOPBACK_NAMES.has(url.hostname);
}
