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

/** A Set-Cookie field's pair and attributes as RFC 6265 (5.2) reads them, before a jar applies its rules. */
export interface SetCookieFields {
  name: string;
  value: string;
  /** Lower-case, without a leading dot; '' when the field gives none. */
  domain: string;
  /** undefined when the field gives none, or one not starting with / (the jar's default then). */
  path: string | undefined;
  secure: boolean;
  /** ms since the epoch: Max-Age wins over Expires, zero or less is 0 (deleted); undefined for a session cookie. */
  expiresAt: number | undefined;
}

/** Reads a Set-Cookie field (from a response, or a header file's line); undefined when it has no name=value pair. */
export function readSetCookie(field: string, now: number): SetCookieFields | undefined {
  const [pair = '', ...attributes] = field.split(';');
  const equals = pair.indexOf('=');
  if (equals === -1) return undefined;
  const name = pair.slice(0, equals).trim();
  if (name === '') return undefined;
  let domain = '';
  let path: string | undefined;
  let secure = false;
  let maxAge: number | undefined;
  let expires: number | undefined;
  for (const attribute of attributes) {
    const at = attribute.indexOf('=');
    const key = (at === -1 ? attribute : attribute.slice(0, at)).trim().toLowerCase();
    const text = at === -1 ? '' : attribute.slice(at + 1).trim();
    if (key === 'domain') domain = text.replace(/^\./, '').toLowerCase();
    else if (key === 'path') path = text.startsWith('/') ? text : undefined;
    else if (key === 'secure') secure = true;
    else if (key === 'max-age' && /^-?\d+$/.test(text)) maxAge = Number(text);
    else if (key === 'expires') {
      const parsed = Date.parse(text);
      if (!Number.isNaN(parsed)) expires = parsed;
    }
  }
  const expiresAt = maxAge !== undefined ? (maxAge <= 0 ? 0 : now + maxAge * 1000) : expires;
  return { name, value: pair.slice(equals + 1).trim(), domain, path, secure, expiresAt };
}

/**
 * A name's prefix promises how the cookie was set (RFC 6265bis 4.1.3, as curl and browsers hold it): `__Secure-`
 * only with Secure; `__Host-` only with Secure, Path=/ and no Domain, so that no sibling host is sent it.
 * A cookie that breaks its promise is ignored. `domain` is '' for a cookie set without Domain (host-only).
 */
export function prefixAllows(name: string, secure: boolean, domain: string, path: string | undefined): boolean {
  const lower = name.slice(0, 9).toLowerCase();
  if (lower === '__secure-') return secure;
  if (lower.startsWith('__host-')) return secure && domain === '' && path === '/';
  return true;
}
