/** What undici's dispatch() takes: the origin to pool connections by, and the request target. */
export interface OriginAndPath {
  origin: string;
  path: string;
}

/**
 * Splits a normalized URL (a WHATWG `href`, as every spec's url is) into
 * origin and path without building a URL object per attempt. An href with
 * credentials or a fragment takes the slow path, where URL drops both exactly
 * as before.
 */
export function splitUrl(href: string): OriginAndPath {
  const authority = href.indexOf('//') + 2;
  const slash = href.indexOf('/', authority);
  if (authority > 1 && slash !== -1 && !href.includes('#')) {
    const at = href.indexOf('@', authority);
    if (at === -1 || at > slash) return { origin: href.slice(0, slash), path: href.slice(slash) };
  }
  const url = new URL(href);
  // An empty query (`/a?`) is no `search` to URL, but it is part of the target curl sends, as the fast path keeps it.
  const hash = href.indexOf('#');
  const emptyQuery = url.search === '' && (hash === -1 ? href : href.slice(0, hash)).endsWith('?');
  return { origin: url.origin, path: `${url.pathname}${emptyQuery ? '?' : url.search}` };
}

/** A URL's host as Node's errors and cookies name it: an IPv6 address without the brackets URL keeps. */
export function bareHostname(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** The port a URL connects to: its own, or its scheme's (URL leaves a default port out). */
export function portOf(url: URL): number {
  return Number(url.port || (url.protocol === 'https:' ? 443 : 80));
}
