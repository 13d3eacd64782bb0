import type { AttemptRequest } from './send-request.js';
import { bareHostname } from './split-url.js';
import type { FileCookies } from './cookie-file.js';
import { domainMatches, pathMatches, prefixAllows, readSetCookie, secureContext, type StoredCookie } from './cookie-match.js';

/**
 * The most cookies one record's redirects keep: a server that sets more on
 * every hop cannot grow a record's memory without bound (the oldest go first).
 */
const MAX_COOKIES = 50;

/**
 * curl's cookie engine (`-b ''`, or `-b FILE`) for the span of one record:
 * the cookies its redirect responses set are sent on its later hops, where
 * they match by domain, path and Secure (RFC 6265, 5.2-5.4), beside those of
 * the -b files. Nothing a record's redirects set is shared with other records
 * or outlives the record, so no public suffix list is needed to keep one
 * site's cookies from another's jar, and none is read.
 */
export class RedirectCookies {
  readonly #cookies: StoredCookie[] = [];
  readonly #files: FileCookies | undefined;

  /** `files`: the -b files' cookies, sent where they match unless a redirect set one of the same name, domain and path. */
  constructor(files?: FileCookies) {
    this.#files = files;
  }

  /** Takes the Set-Cookie fields of a response to `url`. */
  store(setCookies: readonly string[], url: string): void {
    const from = new URL(url);
    for (const field of setCookies) {
      const cookie = parseSetCookie(field, from);
      if (cookie === undefined) continue;
      const same = this.#cookies.findIndex((c) => c.name === cookie.name && c.domain === cookie.domain && c.path === cookie.path);
      if (same !== -1) this.#cookies.splice(same, 1);
      // An expiry in the past is how a server deletes a cookie; one of the -b files' is kept from being sent by this one.
      if (cookie.expiresAt !== undefined && cookie.expiresAt <= Date.now() && !this.#files) continue;
      this.#cookies.push(cookie);
      if (this.#cookies.length > MAX_COOKIES) this.#cookies.shift();
    }
  }

  /**
   * The request with the stored cookies that match its URL in its Cookie
   * header: before the record's own (-b or -H), longest path first, as curl.
   */
  onto(request: AttemptRequest): AttemptRequest {
    const base = request.headers.cookie;
    const cookie = this.#cookieHeader(request.url, base);
    return cookie === base || cookie === undefined ? request : { ...request, headers: { ...request.headers, cookie } };
  }

  #cookieHeader(url: string, base: string | undefined): string | undefined {
    const to = new URL(url);
    const host = bareHostname(to);
    const now = Date.now();
    const own = this.#cookies.filter((c) => (c.hostOnly ? host === c.domain : domainMatches(host, c.domain)) && pathMatches(to.pathname, c.path) && (!c.secure || secureContext(to)) && (c.expiresAt === undefined || c.expiresAt > now));
    const fromFiles = this.#files?.matching(to, host, now).filter((f) => !this.#cookies.some((c) => c.name === f.name && c.domain === f.domain && c.path === f.path)) ?? [];
    // Longest path first; of one path, what a redirect set before the -b files' (a header dump's cookie, for every
    // host, stays beside the one a redirect set of its name): the stale value went first, and a server reading the
    // first of a name turned the request away.
    const pairs = (fromFiles.length === 0 ? own : [...own, ...fromFiles])
      .sort((a, b) => b.path.length - a.path.length)
      .map((c) => `${c.name}=${c.value}`);
    if (pairs.length === 0) return base;
    // The engine's cookies first, then the record's own, as curl writes them: a server that reads the first of
    // a repeated name (PHP, npm's cookie) then sees the session a redirect set, not a stale -b one, and gets in.
    return base === undefined || base === '' ? pairs.join('; ') : `${pairs.join('; ')}; ${base}`;
  }
}

/** A Set-Cookie field as RFC 6265 (5.2, 5.3) reads it; undefined when it is to be ignored. */
function parseSetCookie(field: string, from: URL): StoredCookie | undefined {
  const read = readSetCookie(field, Date.now());
  if (read === undefined) return undefined;
  const { domain, secure } = read;
  const host = bareHostname(from);
  // A Domain the host is not in (another site, or a parent of an address) voids the cookie; so does one
  // without a dot inside it (a top-level name: `Domain=com` would go to every site under it), as curl has it.
  // `localhost` is one too: app.localhost and evil.localhost are sites of their own, and Domain=localhost set
  // by one went to the other. Such a Domain naming the host itself leaves the cookie the host's alone, as
  // RFC 6265 (5.3, step 5) has it for a public suffix: Domain=localhost from localhost is not sent to app.localhost.
  const topLevel = domain !== '' && !/\.[^.]/.test(domain);
  if (domain !== '' && (!domainMatches(host, domain) || (topLevel && domain !== host))) return undefined;
  // A Secure cookie from an origin that is not secure is ignored (RFC 6265bis 5.7, curl 7.79+, browsers):
  // a man in the middle of an http hop could plant one for the https site.
  if (secure && !secureContext(from)) return undefined;
  if (!prefixAllows(read.name, secure, domain, read.path)) return undefined;
  return { ...read, domain: domain === '' ? host : domain, hostOnly: domain === '' || topLevel, path: read.path ?? defaultPath(from.pathname) };
}

/** RFC 6265 5.1.4: the directory of the path that set the cookie. */
function defaultPath(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}
