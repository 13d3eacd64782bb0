import { writtenHref } from './validate.js';

/** Basic authorization, from -u user:password or from a URL's user:password@. */

/** The Authorization value for user and password (RFC 7617: UTF-8, base64 of user:password). */
export function basicAuthorization(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

/** What a URL's credentials become: the header to send, and the URL to show (password masked). */
export interface UrlCredentials {
  authorization: string;
  /** The href with the password replaced by `***`: what output lines and logs show. */
  shownUrl: string;
}

const MASK = '***';

/** Credentials in a parsed URL (curl sends them as Basic authorization), or undefined when it has none. */
export function urlCredentials(url: URL): UrlCredentials | undefined {
  if (url.username === '' && url.password === '') return undefined;
  const authorization = `Basic ${Buffer.concat([percentDecoded(url.username), COLON, percentDecoded(url.password)]).toString('base64')}`;
  const shown = new URL(url.href);
  if (shown.password !== '') shown.password = MASK;
  return { authorization, shownUrl: writtenHref(url, shown.href) };
}

/**
 * Masks the password of anything that looks like scheme://user:password@ in raw
 * text (echoed invalid records), and of user:password@ that starts it or a quoted
 * part of it (a record without a scheme, as a message quotes it).
 */
export function maskPasswords(text: string): string {
  return text.replace(/(\/\/[^\s/?#@:]*:)[^\s/?#@]*@/g, `$1${MASK}@`).replace(/(^|[\s"'(<])((?!mailto:)[^\s/?#@:"'<]*:)[^\s/?#@"']*@/gi, `$1$2${MASK}@`);
}

/**
 * The password of one URL given whole (an argument, an input line) as ***, its userinfo read as WHATWG's URL
 * parser reads it: up to the last @ of the authority (`bob:pw@x@host`: maskPasswords stopped at the first).
 * A URL that a password's /, ? or # keeps from parsing (the authority then ends inside it) is masked up to its
 * last @, unless what follows the colon is a port (`host:8080/p?e=a@b` has no userinfo).
 */
export function maskUserinfo(token: string): string {
  const start = token.indexOf('//');
  if (start === -1) return token;
  const rest = token.slice(start + 2);
  const colon = rest.indexOf(':');
  const lastAt = rest.lastIndexOf('@');
  if (colon === -1 || lastAt === -1 || colon > lastAt) return token;
  const authorityEnd = rest.search(/[/?#\\]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  let end = authority.lastIndexOf('@');
  if (end === -1) {
    if (authorityEnd !== -1 && colon > authorityEnd) return token;
    if (/^\d*$/.test(rest.slice(colon + 1, authorityEnd === -1 ? undefined : authorityEnd))) return token;
    end = lastAt;
  }
  if (colon > end) return token;
  return `${token.slice(0, start + 2)}${rest.slice(0, colon + 1)}${MASK}${rest.slice(end)}`;
}

/**
 * maskPasswords over the double-quoted parts of a message alone: where usage errors and warnings echo
 * what was given (`got "socks4://u:pw@host"`), not their own advice (`-x http://user:password@host:port`).
 */
export function maskQuotedPasswords(message: string): string {
  return message.replace(/"(?:[^"\\]|\\.)*"/g, (quoted) => maskPasswords(maskUnparsedUserinfo(quoted)));
}

/**
 * A value refused because it does not parse is often refused for its password: a `/`, `?` or `#` in it
 * (base64, generated ones) ends the authority early. Up to its last `@`, all of it is the userinfo's.
 */
function maskUnparsedUserinfo(quoted: string): string {
  // Within the quotes anything goes, an escaped quote or a space too (JSON.stringify wrote them).
  if (quoted.includes('://')) return quoted.replace(/(\/\/[^\s/?#@:"]*:)(?:[^"\\]|\\.)*@/, `$1${MASK}@`);
  return quoted.replace(/^("[^\s/?#@:"]*:)(?:[^"\\]|\\.)*@/, `$1${MASK}@`);
}

const COLON = Buffer.from(':');

/**
 * The bytes a URL's user name or password stands for: each %XX the byte it names, as curl sends them.
 * decodeURIComponent, which takes only escapes of UTF-8, threw on a Latin-1 password (`p%E9`, as the
 * input's Latin-1 bytes are written too), and the text went out as written, `%E9` and every escape
 * after it: another password, without a word. WHATWG's parser leaves nothing but ASCII here.
 */
function percentDecoded(part: string): Buffer {
  if (!part.includes('%')) return Buffer.from(part, 'utf8');
  const bytes: number[] = [];
  for (let i = 0; i < part.length; i++) {
    const hex = part[i] === '%' ? part.slice(i + 1, i + 3) : '';
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      for (const byte of Buffer.from(part[i] as string, 'utf8')) bytes.push(byte);
    }
  }
  return Buffer.from(bytes);
}
