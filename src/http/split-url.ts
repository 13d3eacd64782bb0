/** What undici's dispatch() takes: the origin to pool connections by, and the request target. */
export interface OriginAndPath {
  origin: string;
  path: string;
}

/**
 * Splits a normalized URL (a WHATWG `href`, as every spec's url is) into
 * origin and path by its text, without building a URL object per attempt, and
 * without parsing it again: URL would resolve the `%2e` segments the record
 * kept as written (validate.ts). Credentials and a fragment are left out, as
 * neither is sent; an empty query (`/a?`) is kept, as curl sends it.
 */
export function splitUrl(href: string): OriginAndPath {
  const authority = href.indexOf('//') + 2;
  const hash = href.indexOf('#', authority);
  const target = hash === -1 ? href : href.slice(0, hash);
  const slash = target.indexOf('/', authority);
  const end = slash === -1 ? target.length : slash;
  // In a normalized href an `@` of the credentials' own is percent-encoded: the last one ends them.
  const at = target.lastIndexOf('@', end);
  const host = at >= authority ? at + 1 : authority;
  return { origin: `${target.slice(0, authority)}${target.slice(host, end)}`, path: slash === -1 ? '/' : target.slice(slash) };
}

/** A URL's host as Node's errors and cookies name it: an IPv6 address without the brackets URL keeps. */
export function bareHostname(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** The port a URL connects to: its own, or its scheme's (URL leaves a default port out). */
export function portOf(url: URL): number {
  return Number(url.port || (url.protocol === 'https:' ? 443 : 80));
}
