import { maskPasswords, maskUserinfo } from '../input/credentials.js';
import { maskBodySecrets, maskHeaderValue } from '../input/secret-text.js';

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
    if (header) return mask(arg, `${header[1]}${maskHeaderValue(header[2] as string)}`);
    const cookie = COOKIE_ATTACHED.exec(arg);
    if (cookie) return mask(arg, `${cookie[1]}${maskCookie(cookie[2] as string)}`);
    const body = BODY_ATTACHED.exec(arg);
    if (body) return mask(arg, `${body[1]}${maskBodySecrets(body[2] as string)}`);
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
  if (HEADER_FLAG.test(flag)) return maskHeaderValue(value);
  if (COOKIE_FLAG.test(flag)) return maskCookie(value);
  if (BODY_FLAG.test(flag)) return maskBodySecrets(value);
  return maskPasswords(maskUserinfo(value));
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
