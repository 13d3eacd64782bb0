/**
 * RunOptions from the two ways in: commander's flags (the CLI) and a library
 * caller's object, both read row by row off the option table, with the same
 * defaults and the same checks.
 */
import { Option } from 'commander';
import { UsageError, describeValue } from '../errors.js';
import { proxyEnvironmentProblem } from '../http/proxy-url.js';
import type { RunOptions } from '../run-types.js';
import type { OptionSpec } from './option-spec.js';
import { OPTION_TABLE } from './option-table.js';
import { applyCurlFlags } from './curl-implications.js';
import { boolean, positiveInteger } from './value-parsers.js';
import { cookieFilePath } from './request-flags.js';
import { refuseUnusableClientCertificate } from './transport-flags.js';

/** RunOptions fields no flag sets, with their values; library callers may set them. */
const UNFLAGGED: Pick<RunOptions, 'maxLineBytes' | 'autoReferer' | 'redirectCookies' | 'cookieFiles'> = { maxLineBytes: 64 * 1024, autoReferer: false, redirectCookies: false, cookieFiles: [] };

const UNFLAGGED_CHECKS: Record<keyof typeof UNFLAGGED, (value: unknown) => unknown> = {
  maxLineBytes: (value) => {
    try {
      return positiveInteger('maxLineBytes')(String(value));
    } catch {
      // The value as given: -1 (number), not "-1" as if it were text.
      throw new UsageError(`Expected maxLineBytes to be a positive integer, got ${describeValue(value)}`);
    }
  },
  autoReferer: boolean('autoReferer'),
  redirectCookies: boolean('redirectCookies'),
  cookieFiles: (value) => {
    if (!Array.isArray(value) || value.some((path) => typeof path !== 'string' || path === '')) throw new UsageError(`Expected cookieFiles to be an array of file paths, got ${describeValue(value)}`);
    return value.map((path: string) => cookieFilePath('cookieFiles', path));
  },
};

/** The defaults a run gets for anything left out, read off the table. */
export function defaultRunOptions(): Omit<RunOptions, 'input'> {
  const options: Record<string, unknown> = { ...UNFLAGGED };
  for (const spec of OPTION_TABLE) {
    if (spec.runOption && spec.defaultValue !== undefined) {
      options[spec.runOption] = typeof spec.defaultValue === 'object' ? { ...spec.defaultValue } : spec.defaultValue;
    }
  }
  return options as unknown as Omit<RunOptions, 'input'>;
}

/** Maps commander's parsed flags onto RunOptions, row by row of the option table. */
export function runOptionsFromFlags(input: string, flags: Record<string, unknown>): RunOptions {
  const options: RunOptions = { ...defaultRunOptions(), input };
  const fields = options as unknown as Record<string, unknown>;
  for (const spec of OPTION_TABLE) {
    const value = spec.runOption && flags[new Option(spec.flags).attributeName()];
    if (spec.runOption && value !== undefined) fields[spec.runOption] = value;
  }
  // --no-cache: commander sets the --cache attribute to false.
  if ((options.cache as unknown) === false) options.cache = 'off';
  applyCurlFlags(options, flags);
  refuseConflicts(options, 'flags');
  refuseUnusableProxyVariables(options);
  return options;
}

/** Options that each make sense alone but contradict each other. */
function refuseConflicts(options: RunOptions, named: 'flags' | 'fields'): void {
  // curl takes the last of -4 and -6; a command line with both is more likely a mistake than a choice.
  if (options.ipv4Only && options.ipv6Only) throw new UsageError(`${named === 'flags' ? '-4 and -6' : 'ipv4Only and ipv6Only'} each allow one IP version: give one of them`);
  // The CLI refuses the pair among its flags (preflight); a library caller's options had HTTP/2 win without a word.
  if (named === 'fields' && options.http2 && options.http1Only) throw new UsageError('http1Only and http2 contradict each other; give one');
  // As the CLI refuses -X HEAD with a body flag (curl-implications.ts).
  if (named === 'fields' && options.method === 'HEAD' && options.data !== undefined) throw new UsageError('method HEAD sends HEAD requests, which have no body: drop method or data');
  // As the CLI refuses -H 'Content-Length: N' that its body flag does not have (curl-implications.ts): every record failed EINVALIDHEADER.
  const declared = options.headers['content-length'];
  if (named === 'fields' && typeof declared === 'string' && options.data !== undefined && Number(declared) !== Buffer.byteLength(options.data)) {
    throw new UsageError(`A Content-Length header of ${declared} does not match the ${Buffer.byteLength(options.data)} bytes of data: leave it out and it is computed`);
  }
  refuseUnusableClientCertificate(options.cert, options.key);
  // undici's proxy agent takes a proxy's credentials from its URL alone: every record failed with its internal message.
  if (options.proxy && typeof options.headers['proxy-authorization'] === 'string') {
    throw new UsageError(`${named === 'flags' ? "-H 'Proxy-Authorization: ...'" : 'A Proxy-Authorization header'} is not sent to the proxy: give its credentials in the proxy's URL (${named === 'flags' ? '-x' : 'proxy:'} http://user:password@host:port)`);
  }
}

/**
 * With no --proxy, the children read http_proxy / https_proxy as curl does;
 * one that names no usable proxy is the caller's to fix, before any child
 * starts (it crashed every child on new URL()).
 */
function refuseUnusableProxyVariables(options: RunOptions): void {
  if (options.proxy !== undefined) return;
  const problem = proxyEnvironmentProblem(process.env);
  if (problem !== undefined) throw new UsageError(problem);
}

/**
 * RunOptions from a library caller's partial options: defaults filled in, and
 * every value checked by its row, so the library refuses exactly what the CLI
 * refuses (UsageError, expected-versus-got message). Unknown names are refused.
 */
export function resolveRunOptions(input: string, given: Record<string, unknown>): RunOptions {
  const options: RunOptions = { ...defaultRunOptions(), input };
  const fields = options as unknown as Record<string, unknown>;
  const rows = new Map(OPTION_TABLE.filter((spec) => spec.runOption).map((spec) => [spec.runOption as string, spec]));
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const spec = rows.get(key);
    // Own names only: toString or constructor would find Object.prototype's and slip past the check.
    const unflagged = Object.hasOwn(UNFLAGGED_CHECKS, key) ? UNFLAGGED_CHECKS[key as keyof typeof UNFLAGGED] : undefined;
    if (!spec && !unflagged) throw new UsageError(`Unknown option ${JSON.stringify(key)}`);
    fields[key] = unflagged ? unflagged(value) : inApiTerms(spec as OptionSpec, key, value);
  }
  // The caller's headers replace what a record implies, as -H's do (RequestSpec.implied).
  const headerNames = Object.keys(options.headers).filter((name) => name !== 'cookie');
  if (headerNames.length > 0) options.headerFlagNames = headerNames;
  refuseConflicts(options, 'fields');
  refuseUnusableProxyVariables(options);
  return options;
}

/**
 * Runs a row's check in the library caller's terms: the option as they named it
 * (`timeout`, not `--timeout`), and the value as they gave it (5, not "5").
 */
function inApiTerms(spec: OptionSpec, field: string, value: unknown): unknown {
  try {
    return checkValue(spec, field, value);
  } catch (error) {
    const flag = new Option(spec.flags).long;
    if (!(error instanceof UsageError) || flag === undefined) throw error;
    const message = error.message.replaceAll(flag, field)
      .replace(typeof value === 'number' ? describeValue(String(value)) : /$^/, describeValue(value));
    throw new UsageError(message, { cause: error });
  }
}

/** Fields whose value is text alone: a number there is a mistake (method: 5 was sent as the method "5"). */
const TEXT_FIELDS: ReadonlySet<string> = new Set(['method', 'userAgent', 'protoDefault', 'protocols', 'redirectProtocols', 'body', 'save', 'cacert', 'cert', 'key', 'proxy', 'noProxy']);

function checkValue(spec: OptionSpec, field: string, value: unknown): unknown {
  if (spec.check) return spec.check(value);
  if (TEXT_FIELDS.has(field) && typeof value !== 'string') throw new UsageError(`Expected ${field} to be a string, got ${describeValue(value)}`);
  if (typeof value !== 'number' && typeof value !== 'string') throw new UsageError(`Expected ${field} to be a number or a string, got ${describeValue(value)}`);
  return spec.parse ? spec.parse(String(value), undefined) : value;
}
