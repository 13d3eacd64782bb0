/** Flags for the run as a whole: where results and bodies go (-o, --save), --cache, --shard, --max-errors. */
import { accessSync, closeSync, constants as fsConstants, openSync, statSync, unlinkSync } from 'node:fs';
import { join as joinPath, resolve as resolvePath } from 'node:path';
import { UsageError, describeValue } from '../errors.js';
import type { CacheMode, Shard } from '../run-types.js';
import { oneOf } from './value-parsers.js';

/**
 * -o, once: the one file of result lines. curl pairs each -o with a URL, so a
 * second one meant a file per URL; the last would otherwise win without a word.
 */
export function parseOutputFlag(value: string, previous: unknown): string {
  if (typeof previous === 'string') {
    throw new UsageError(`-o given twice (${JSON.stringify(previous)}, ${JSON.stringify(value)}): it is the one file of result lines, where curl's -o names a file per URL; give one -o, and --save DIR to keep each 2xx body in a file of its own`);
  }
  return value;
}

/**
 * A flag that names one file or directory, given twice with different values: the last would win
 * without a word (a summary written where none was looked for, bodies in another directory than meant).
 */
function refuseSecondPath(flag: string, value: string, previous: unknown): void {
  // `-` (stdout) is no path: it and a file named so are two places.
  const samePlace = (a: string, b: string): boolean => a === b || (a !== '-' && b !== '-' && resolvePath(a) === resolvePath(b));
  if (typeof previous === 'string' && !samePlace(previous, value)) {
    // --save keeps its directory resolved: the second is shown so too, not one of each.
    const second = flag === '--save' && value !== '' ? resolvePath(value) : value;
    throw new UsageError(`${flag} given twice (${JSON.stringify(previous)}, ${JSON.stringify(second)}): it names one ${flag === '--save' ? 'directory' : 'file'}; give one`);
  }
}

/** --summary FILE (- for stdout), once. */
export function parseSummaryFlag(value: string, previous: unknown): string {
  refuseSecondPath('--summary', value, previous);
  return value;
}

/** --save DIR: an existing directory we may write to, checked before any request. */
export function parseSaveDir(value: string, previous?: unknown): string {
  refuseSecondPath('--save', value, previous);
  // resolvePath('') is the working directory: `--save "$DIR"` with DIR unset would fill it with bodies.
  if (value === '') throw new UsageError('Expected --save to be a directory, got ""');
  const path = resolvePath(value);
  try {
    if (!statSync(path).isDirectory()) throw new UsageError(`Expected --save to be a directory, got ${describeValue(value)} (not a directory)`);
    accessSync(path, fsConstants.W_OK);
    // access() grants root every permission bit: /sys passed, and every record then failed ESAVE EACCES.
    if (process.getuid?.() === 0) probeNewFile(path);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    // curl's --create-dirs is not taken: a typo in DIR would make a tree of its own.
    const why = code === 'ENOENT' ? `no such directory (mkdir -p ${JSON.stringify(value)} first)` : code === 'EACCES' ? 'permission denied' : (code ?? String(error));
    throw new UsageError(`Cannot write to --save directory ${JSON.stringify(value)}: ${why}`, { cause: error });
  }
  return path;
}

/** Creates and removes a file in `dir`: whether a new file can be made there, which access() cannot tell root. */
function probeNewFile(dir: string): void {
  const probe = joinPath(dir, `.bulkfetch-save-check.${process.pid}`);
  closeSync(openSync(probe, 'wx'));
  unlinkSync(probe);
}

/** 'K/N', 0 <= K < N: the same numbering as a Kubernetes JOB_COMPLETION_INDEX. */
export function parseShard(value: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || !Number.isSafeInteger(count) || count < 1 || index >= count) {
    throw new UsageError(`Expected --shard as K/N with 0 <= K < N (e.g. 0/4), got ${describeValue(value)}`);
  }
  return { index, count };
}

export const CACHE_MODES = ['auto', 'on', 'off'] as const;

/** A library caller's `cache`: a mode, or (as before modes) true for on and false for off. */
export function cacheMode(value: unknown): CacheMode {
  if (value === true) return 'on';
  if (value === false) return 'off';
  return oneOf('cache', CACHE_MODES)(String(value));
}

/**
 * A library caller's maxErrors as the flag's text. Only the forms the typings give: an object of another
 * kind ({ kind: 'x' }), a max that is text, or an array was read as a count ("[object Object]" when refused).
 */
export function errorLimitText(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'string') return String(value);
  const { kind, max } = (typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {}) as { kind?: unknown; max?: unknown };
  if ((kind === 'count' || kind === 'percent') && typeof max === 'number') return `${max}${kind === 'percent' ? '%' : ''}`;
  throw new UsageError(`Expected maxErrors to be a count, a flag text ('10', '5%') or { kind: 'count' | 'percent', max: number }, got ${describeValue(value)}`);
}

/** A library caller's shard as the flag's text: { index, count } of numbers, or 'K/N'. */
export function shardText(value: unknown): string {
  if (typeof value === 'string') return value;
  const { index, count } = (typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {}) as { index?: unknown; count?: unknown };
  if (typeof index === 'number' && typeof count === 'number') return `${index}/${count}`;
  throw new UsageError(`Expected shard to be { index: number, count: number } or 'K/N', got ${describeValue(value)}`);
}
