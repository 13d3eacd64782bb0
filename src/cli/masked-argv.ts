import { maskPasswords } from '../input/credentials.js';
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

/**
 * A command line to show on stderr (how to continue a stopped run) without the secrets in it: -u's
 * password, an Authorization or Cookie header's value (-b's pairs too) and a URL's password (a proxy's too) are shown as
 * ***, as the result lines show a URL's. `masked` says whether any was, so the text can ask for them.
 */
export function maskedArgv(argv: readonly string[]): { args: string[]; masked: boolean } {
  let masked = false;
  const mask = (text: string, next: string): string => {
    if (next !== text) masked = true;
    return next;
  };
  const args = argv.map((arg, index) => {
    const flag = argv[index - 1];
    if (flag !== undefined && USER_FLAG.test(flag)) return mask(arg, maskUser(arg));
    if (flag !== undefined && HEADER_FLAG.test(flag)) return mask(arg, maskHeader(arg));
    if (flag !== undefined && COOKIE_FLAG.test(flag)) return mask(arg, maskCookie(arg));
    const user = USER_ATTACHED.exec(arg);
    if (user) return mask(arg, `${user[1]}${maskUser(user[2] as string)}`);
    const header = HEADER_ATTACHED.exec(arg);
    if (header) return mask(arg, `${header[1]}${maskHeader(header[2] as string)}`);
    const cookie = COOKIE_ATTACHED.exec(arg);
    if (cookie) return mask(arg, `${cookie[1]}${maskCookie(cookie[2] as string)}`);
    return mask(arg, maskPasswords(arg));
  });
  return { args, masked };
}

/** `Name: value` with the value as *** when the name is a SECRET_HEADERS one and there is a value. */
function maskHeader(text: string): string {
  const colon = text.indexOf(':');
  if (colon <= 0 || !SECRET_HEADERS.has(text.slice(0, colon).trim().toLowerCase()) || text.slice(colon + 1).trim() === '') return text;
  return `${text.slice(0, colon + 1)} ${MASK}`;
}

function maskCookie(value: string): string {
  return value.includes('=') ? MASK : value;
}

function maskUser(value: string): string {
  const colon = value.indexOf(':');
  return colon === -1 ? value : `${value.slice(0, colon + 1)}${MASK}`;
}
