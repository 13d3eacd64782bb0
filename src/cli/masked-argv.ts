import { maskPasswords, maskUserinfo } from '../input/credentials.js';
import { SECRET_HEADERS } from '../input/validate.js';

const MASK = '***';
/** Flags whose value is a secret in part: -u's password, a SECRET_HEADERS header's value. */
const USER_FLAG = /^(-u|--user)$/;
const USER_ATTACHED = /^(-u|--user=)(.+)$/;
const HEADER_FLAG = /^(-H|--header)$/;
const HEADER_ATTACHED = /^(-H|--header=)(.+)$/;
/** -b with cookie pairs (a value with `=`) is a Cookie header; -b FILE names a file. */
const COOKIE_FLAG = /^(-b|--cookie)$/;
const COOKIE_ATTACHED = /^(-b|--cookie=)(.+)$/;
/** Body flags: a form's or a JSON body's secret fields (a token endpoint's client_secret, a login's password). */
const BODY_FLAG = /^(-d|--data|--data-raw|--data-binary|--data-ascii|--data-urlencode|--json)$/;
const BODY_ATTACHED = /^(--data=|--data-raw=|--data-binary=|--data-ascii=|--data-urlencode=|--json=)(.+)$/;
/** Field names that hold a secret, as OAuth and login forms name them. */
const SECRET_FIELD = '(?:password|passwd|pass|pwd|secret|client[-_]?secret|token|access[-_]?token|refresh[-_]?token|id[-_]?token|api[-_]?key|auth|authorization|private[-_]?key)';
/** A form's secret field, bare or as Rails and PHP nest it: `password=`, `user[password]=`, `user%5Bpassword%5D=`. */
const FORM_SECRET = new RegExp(`(^|&)((?:[^&=[]*(?:\\[|%5B))?${SECRET_FIELD}(?:\\]|%5D)?)=([^&]*)`, 'gi');
/** A JSON member under a secret's name, up to its value. */
const JSON_SECRET_NAME = new RegExp(`"${SECRET_FIELD}"\\s*:\\s*`, 'gi');
/** A JSON scalar as written: a string, or a number, true, false or null. */
const JSON_SCALAR = /^(?:"(?:[^"\\]|\\.)*"|[^\s,{}[\]]+)/;

/**
 * A command line to show on stderr (how to continue a stopped run) without the secrets in it: -u's
 * password, an Authorization or Cookie header's value (-b's pairs too), a body's password, secret and token
 * fields (-d, --json ...) and a URL's password (a proxy's too) are shown as
 * ***, as the result lines show a URL's. `masked` says whether any was, so the text can ask for them.
 */
export function maskedArgv(argv: readonly string[]): { args: string[]; masked: boolean } {
  let masked = false;
  const mask = (text: string, next: string): string => {
    if (next !== text) masked = true;
    return next;
  };
  // The flag a bundle of short ones ends in, whose value is the next argument (`-qb 'sid=...'`, `-ku user:pw`).
  let pending: string | undefined;
  const args = argv.map((arg) => {
    const flag = pending;
    pending = undefined;
    if (flag !== undefined) return mask(arg, maskValue(flag, arg));
    if (USER_FLAG.test(arg) || HEADER_FLAG.test(arg) || COOKIE_FLAG.test(arg) || BODY_FLAG.test(arg)) {
      pending = arg;
      return arg;
    }
    const user = USER_ATTACHED.exec(arg);
    if (user) return mask(arg, `${user[1]}${maskUser(user[2] as string)}`);
    const header = HEADER_ATTACHED.exec(arg);
    if (header) return mask(arg, `${header[1]}${maskHeader(header[2] as string)}`);
    const cookie = COOKIE_ATTACHED.exec(arg);
    if (cookie) return mask(arg, `${cookie[1]}${maskCookie(cookie[2] as string)}`);
    const body = BODY_ATTACHED.exec(arg);
    if (body) return mask(arg, `${body[1]}${maskBody(body[2] as string)}`);
    const bundle = shortBundle(arg);
    if (bundle !== undefined) {
      if (bundle.value === '') pending = `-${bundle.letter}`;
      else return mask(arg, `${bundle.before}${maskValue(`-${bundle.letter}`, bundle.value)}`);
      return arg;
    }
    return mask(arg, maskPasswords(maskUserinfo(arg)));
  });
  return { args, masked };
}

/** Short flags that take a value (commander's, curl's): in a bundle, the first of them takes the rest of it, or the next argument. */
const SHORT_WITH_VALUE = new Set(['o', 'm', 'E', 'x', 'X', 'H', 'd', 'T', 'e', 'b', 'u', 'A']);

/**
 * A bundle of short flags (`-ku`, `-qbsid=1`, `-sH`): the first letter that takes a value, the bundle up to
 * and with it, and its value (the rest of the bundle, '' when it is the next argument). Undefined when
 * the argument is no bundle, or its value-taking letter holds no secret.
 */
function shortBundle(arg: string): { letter: string; before: string; value: string } | undefined {
  if (!/^-[A-Za-z0-9]{2,}/.test(arg)) return undefined;
  for (let i = 1; i < arg.length; i++) {
    const letter = arg[i] as string;
    if (!SHORT_WITH_VALUE.has(letter)) continue;
    if (letter !== 'u' && letter !== 'H' && letter !== 'b' && letter !== 'd') return undefined;
    return { letter, before: arg.slice(0, i + 1), value: arg.slice(i + 1) };
  }
  return undefined;
}

function maskValue(flag: string, value: string): string {
  if (USER_FLAG.test(flag)) return maskUser(value);
  if (HEADER_FLAG.test(flag)) return maskHeader(value);
  if (COOKIE_FLAG.test(flag)) return maskCookie(value);
  if (BODY_FLAG.test(flag)) return maskBody(value);
  return maskPasswords(maskUserinfo(value));
}

/** A body's secret fields as ***: `client_secret=***&grant_type=...`, `{"password":"***"}`; a file (@FILE) as it is. */
function maskBody(value: string): string {
  return maskJsonSecrets(value.replace(FORM_SECRET, (_, start: string, name: string) => `${start}${name}=${MASK}`));
}

/**
 * A JSON body's secret members as "***". A scalar is masked, and so is an array (`"api_key": ["K1", "K2"]`):
 * what it holds has no name of its own to be judged by. An object is no secret itself (`"auth": {"type":
 * "basic", ...}`): the members inside it are judged on their own names.
 */
function maskJsonSecrets(text: string): string {
  let shown = '';
  let from = 0;
  JSON_SECRET_NAME.lastIndex = 0;
  for (let name = JSON_SECRET_NAME.exec(text); name !== null; name = JSON_SECRET_NAME.exec(text)) {
    const value = name.index + name[0].length;
    const end = text[value] === '[' ? jsonArrayEnd(text, value) : value + (JSON_SCALAR.exec(text.slice(value))?.[0].length ?? 0);
    if (end === value) continue;
    shown += `${text.slice(from, value)}"${MASK}"`;
    from = end;
    JSON_SECRET_NAME.lastIndex = end;
  }
  return shown + text.slice(from);
}

/** Where the JSON array that opens at `start` ends (past its `]`), strings skipped whole; the text's end when it does not. */
function jsonArrayEnd(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const char = text[i];
    if (char === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (char === '[') depth++;
    else if (char === ']' && --depth === 0) return i + 1;
  }
  return text.length;
}

/** `Name: value` with the value as *** (the spaces before it kept) when the name is a SECRET_HEADERS one and there is a value. */
function maskHeader(text: string): string {
  const colon = text.indexOf(':');
  if (colon <= 0 || !SECRET_HEADERS.has(text.slice(0, colon).trim().toLowerCase()) || text.slice(colon + 1).trim() === '') return text;
  // The spacing as typed: `Authorization:x` is `Authorization:***`, not a byte longer than it was.
  return `${text.slice(0, colon + 1)}${/^[ \t]*/.exec(text.slice(colon + 1))?.[0] ?? ''}${MASK}`;
}

function maskCookie(value: string): string {
  return value.includes('=') ? MASK : value;
}

/** `user:***`; an API key given as the user name with no password (`-u 'KEY:'`, as curl takes it) as `***:`. */
function maskUser(value: string): string {
  const colon = value.indexOf(':');
  if (colon === -1) return value;
  return colon === value.length - 1 ? `${MASK}:` : `${value.slice(0, colon + 1)}${MASK}`;
}
