import { readUpTo } from '../input/read-once.js';
import { domainMatches, pathMatches, prefixAllows, readSetCookie, secureContext, type SetCookieFields, type StoredCookie } from './cookie-match.js';

/** The most cookies read from -b files: the index is held by every child for the whole run. */
export const MAX_FILE_COOKIES = 100_000;
/** The largest -b file read (each is read whole, by the parent and by every child). */
export const MAX_COOKIE_FILE_BYTES = 32 * 1024 * 1024;

/** What reading a cookie file found: its cookies, and how many lines were not cookies in Netscape format. */
export interface CookieFileText {
  /** The cookies it leaves, in the order they were last set: a later line of one name, domain and path replaced an earlier one. */
  cookies: StoredCookie[];
  /** Every cookie line in order, one already expired with `expired` (it deletes one set before it, here or in an earlier file). */
  lines: Array<{ cookie: StoredCookie; expired: boolean }>;
  unreadLines: number;
  /** Cookies read but refused, as curl refuses them: a `__Host-` or `__Secure-` name its flags break. */
  refusedLines: number;
}

/**
 * A cookie file as curl writes it (-c) and reads it (-b FILE): the Netscape
 * format, one cookie a line, seven tab-separated fields (domain, whether
 * names under the domain match, path, Secure, expiry in epoch seconds with 0
 * for a session cookie, name, value). `#HttpOnly_` before a domain marks an
 * HttpOnly cookie; other lines starting with # are comments. Cookies already
 * expired at `now` are left out, as curl leaves them (and delete one set
 * before them, as a later line replaces it: see laterWins); lines that are not
 * cookies are counted, for the caller to judge the file by. A file of response
 * headers (curl -D's) gives its Set-Cookie lines, as curl reads them.
 */
export function parseCookieFile(text: string, now: number = Date.now()): CookieFileText {
  const lines: CookieFileText['lines'] = [];
  let unreadLines = 0;
  let refusedLines = 0;
  for (const raw of text.split('\n')) {
    let line = raw.replace(/\r$/, '');
    // curl reads a file of response headers too (what -D wrote): its Set-Cookie lines, the rest skipped.
    const header = /^set-cookie:\s*/i.exec(line);
    if (header) {
      const read = readSetCookie(line.slice(header[0].length), now);
      if (read === undefined) unreadLines += 1;
      else if (!prefixAllows(read.name, read.secure, read.domain, read.path)) refusedLines += 1;
      else {
        const cookie = headerCookie(read);
        lines.push({ cookie, expired: cookie.expiresAt !== undefined && cookie.expiresAt <= now });
      }
      continue;
    }
    if (line.startsWith('#HttpOnly_')) line = line.slice('#HttpOnly_'.length);
    else if (line.startsWith('#') || line.trim() === '') continue;
    const fields = line.split('\t');
    // A cookie with an empty value may have lost its last tab.
    if (fields.length === 6) fields.push('');
    const [domainField = '', subdomains, path = '', secure, expiry = '', name = '', value = ''] = fields;
    const domain = domainField.replace(/^\./, '').toLowerCase();
    if (fields.length !== 7 || domain === '' || !/^(TRUE|FALSE)$/i.test(subdomains ?? '') || !/^(TRUE|FALSE)$/i.test(secure ?? '') || !/^-?\d+$/.test(expiry) || name === '' || !path.startsWith('/')) {
      unreadLines += 1;
      continue;
    }
    const expiresAt = Number(expiry) === 0 ? undefined : Number(expiry) * 1000;
    // A top-level name (`.test`, `localhost` for subdomains) goes to that host alone, as curl sends it and as a
    // Set-Cookie's `Domain` without a dot inside it is kept (redirect-cookies.ts): it went to every site under it.
    const hostOnly = subdomains?.toUpperCase() === 'FALSE' || !/\.[^.]/.test(domain);
    const isSecure = secure?.toUpperCase() === 'TRUE';
    // As curl's engine holds a file's cookies to their prefixes too: a __Host- one for subdomains went to them all.
    if (!prefixAllows(name, isSecure, hostOnly ? '' : domain, path)) {
      refusedLines += 1;
      continue;
    }
    lines.push({ cookie: { name, value, domain, hostOnly, path, secure: isSecure, expiresAt }, expired: expiresAt !== undefined && expiresAt <= now });
  }
  return { cookies: [...laterWins([lines]).values()], lines, unreadLines, refusedLines };
}

/**
 * The cookies the lines of one or more files leave, as curl's cookie engine takes them in turn: a cookie
 * of the name, domain and path of one before it replaces it, and one already expired deletes it (a
 * `curl -D` dump of a login and then a logout). Each line was kept, and both values went out.
 */
function laterWins(files: ReadonlyArray<CookieFileText['lines']>): Map<string, StoredCookie> {
  const kept = new Map<string, StoredCookie>();
  for (const lines of files) {
    for (const { cookie, expired } of lines) {
      const key = `${cookie.domain}\t${cookie.path}\t${cookie.name}`;
      kept.delete(key);
      if (!expired) kept.set(key, cookie);
    }
  }
  return kept;
}

/**
 * A `Set-Cookie:` line of a header file, as curl reads one from -b FILE: no host sent it, so without a
 * Domain it goes to every host (ANY_HOST), as curl sends it; Path, Secure, Max-Age and Expires as set.
 */
function headerCookie(read: SetCookieFields): StoredCookie {
  return { ...read, domain: read.domain === '' ? ANY_HOST : read.domain, hostOnly: false, path: read.path ?? '/' };
}

/** The domain of a file cookie that goes to every host: a Set-Cookie line read from a header file, without Domain. */
const ANY_HOST = '';

/**
 * The cookies of the -b files, each read once (a pipe can be read only once),
 * those past their expiry left out; at most MAX_FILE_COOKIES. The files were
 * checked before the run (options/request-flags.ts): one unreadable now is a usage error's
 * race, and fails the run as any other read would.
 */
export function readCookieFiles(paths: readonly string[], now: number = Date.now()): StoredCookie[] {
  const files = paths.map((path) => parseCookieFile(readUpTo(path, MAX_COOKIE_FILE_BYTES, '-b'), now).lines);
  return [...laterWins(files).values()].slice(0, MAX_FILE_COOKIES);
}

/**
 * The cookies of -b files, found by host: a request looks up its host and
 * the domains above it (a.b.example.com, b.example.com, example.com, com),
 * never the whole list, so a file of thousands costs a few map lookups a
 * request. Read-only once built: every record of a child shares it.
 */
export class FileCookies {
  readonly #byDomain = new Map<string, StoredCookie[]>();

  constructor(cookies: readonly StoredCookie[]) {
    for (const cookie of cookies) {
      const list = this.#byDomain.get(cookie.domain);
      if (list) list.push(cookie);
      else this.#byDomain.set(cookie.domain, [cookie]);
    }
  }

  get size(): number {
    return this.#byDomain.size;
  }

  /** The cookies a request to `url` carries, unordered (RFC 6265 5.4: domain, path, Secure, expiry). */
  matching(url: URL, host: string, now: number): StoredCookie[] {
    const found: StoredCookie[] = [];
    for (const cookie of this.#byDomain.get(ANY_HOST) ?? []) {
      if (pathMatches(url.pathname, cookie.path) && (!cookie.secure || secureContext(url)) && (cookie.expiresAt === undefined || cookie.expiresAt > now)) found.push(cookie);
    }
    for (let domain = host; ; ) {
      for (const cookie of this.#byDomain.get(domain) ?? []) {
        if ((cookie.hostOnly ? host === cookie.domain : domainMatches(host, cookie.domain)) && pathMatches(url.pathname, cookie.path) && (!cookie.secure || secureContext(url)) && (cookie.expiresAt === undefined || cookie.expiresAt > now)) {
          found.push(cookie);
        }
      }
      const dot = domain.indexOf('.');
      if (dot === -1) return found;
      domain = domain.slice(dot + 1);
    }
  }
}
