import { existsSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { SECRET_HEADERS } from '../input/validate.js';
import { URL_ARGUMENT, looksLikeHost } from './input-arguments.js';

/**
 * `-H Authorization: Bearer T0KEN` or `-u bob: pa55` typed without quotes: the shell gives -H `Authorization:`
 * (which removes the header, as curl reads it) or -u `bob:` (no password), and the words after it become input
 * arguments, which the usage error listed, the credential with them. Refused first, saying what happened and
 * without those words.
 */
export function refuseSplitCredential(argv: readonly string[], positionals: readonly string[]): void {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const header = flagValue(arg, '-H', '--header', () => argv[++i]);
    const user = header === undefined ? flagValue(arg, '-u', '--user', () => argv[++i]) : undefined;
    const name = header === undefined ? undefined : /^\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*:$/.exec(header)?.[1];
    const split = name !== undefined && SECRET_HEADERS.has(name.toLowerCase()) ? `-H '${name}:'` : user?.endsWith(':') ? `-u '${user.slice(0, -1)}:'` : undefined;
    if (split === undefined) continue;
    const next = argv[i + 1];
    // A word after it that is an input argument, yet names no file, nor stdin (-), and is no URL (with its scheme
    // or without): the credential, split off.
    if (next !== undefined && next !== '-' && positionals.includes(next) && !existsSync(next) && !URL_ARGUMENT.test(next) && !looksLikeHost(next)) {
      const whole = name !== undefined ? `-H '${name}: ...'` : `-u '${(user as string).slice(0, -1)}:...'`;
      throw new UsageError(`${split} came without its value, and the words after it were read as input files: quote it whole, ${whole} (the words are a credential, not shown)`);
    }
  }
}

/** The value a flag was given, joined (`-Hx`, `--header=x`) or as the next argument (`next`); undefined for another argument. */
function flagValue(arg: string, short: string, long: string, next: () => string | undefined): string | undefined {
  if (arg === short || arg === long) return next();
  if (arg.startsWith(`${long}=`)) return arg.slice(long.length + 1);
  return arg.startsWith(short) && arg.length > short.length && !arg.startsWith('--') ? arg.slice(short.length) : undefined;
}
