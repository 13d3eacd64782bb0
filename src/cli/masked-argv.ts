import { maskPasswords } from '../input/credentials.js';

const MASK = '***';
/** Flags whose value is a secret in part: -u's password, an Authorization or Cookie header's value (as request-flags.ts keeps them out of usage errors). */
const USER_FLAG = /^(-u|--user)$/;
const USER_ATTACHED = /^(-u|--user=)(.+)$/;
const HEADER_FLAG = /^(-H|--header)$/;
const HEADER_ATTACHED = /^(-H|--header=)(.+)$/;
const SECRET_HEADER = /^((?:(?:proxy-)?authorization|cookie)\s*:\s*)\S.*$/i;

/**
 * A command line to show on stderr (how to continue a stopped run) without the secrets in it: -u's
 * password, an Authorization or Cookie header's value and a URL's password (a proxy's too) are shown as
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
    if (flag !== undefined && HEADER_FLAG.test(flag)) return mask(arg, arg.replace(SECRET_HEADER, `$1${MASK}`));
    const user = USER_ATTACHED.exec(arg);
    if (user) return mask(arg, `${user[1]}${maskUser(user[2] as string)}`);
    const header = HEADER_ATTACHED.exec(arg);
    if (header) return mask(arg, `${header[1]}${(header[2] as string).replace(SECRET_HEADER, `$1${MASK}`)}`);
    return mask(arg, maskPasswords(arg));
  });
  return { args, masked };
}

function maskUser(value: string): string {
  const colon = value.indexOf(':');
  return colon === -1 ? value : `${value.slice(0, colon + 1)}${MASK}`;
}
