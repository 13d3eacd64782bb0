/**
 * The value kinds flags share (counts, rates, sizes, durations, a choice) and
 * the checks of a library caller's values of those kinds: each refuses with an
 * expected-versus-got UsageError naming the flag.
 */
import { MAX_TIMER_MS } from '../defaults.js';
import { UsageError, describeValue } from '../errors.js';
import { keyedEntries } from './keyed-entries.js';
import type { OptionSpec } from './option-spec.js';

export function positiveInteger(flag: string, max?: { most: number; why: string }) {
  return (value: string): number => {
    const n = Number(value);
    // Digits past what an integer holds exactly, with a bound: over the bound is what is wrong, not "positive integer".
    if (max !== undefined && /^\s*\d+\s*$/.test(value) && n > max.most) throw new UsageError(`Expected ${flag} to be at most ${max.most} (${max.why}), got ${describeValue(value)}`);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
      throw new UsageError(`Expected ${flag} to be a positive integer, got ${describeValue(value)}`);
    }
    if (max !== undefined && n > max.most) throw new UsageError(`Expected ${flag} to be at most ${max.most} (${max.why}), got ${describeValue(value)}`);
    return n;
  };
}

export function nonNegativeInteger(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n)) {
      throw new UsageError(`Expected ${flag} to be a non-negative integer, got ${describeValue(value)}`);
    }
    return n;
  };
}

/** A rate: any positive decimal (0.5 = one every 2 s). */
export function positiveNumber(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*(\d+(\.\d*)?|\.\d+)\s*$/.test(value) || !Number.isFinite(n) || n <= 0) {
      throw new UsageError(`Expected ${flag} to be a positive number, got ${describeValue(value)}`);
    }
    return n;
  };
}

const RATE_UNITS_S = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400 } as const;

/**
 * A request rate: requests per second as a positive decimal, or curl's
 * `N/U` (`10/s`, `600/m`, `100/h`, `5/d`; `1/2s` = one every two seconds).
 * A bare number stays per second: curl reads it per hour, but bulkfetch's
 * --rate was per second first.
 */
export function requestRate(flag: string) {
  const perSecond = positiveNumber(flag);
  return (value: string): number => {
    // The count written as a bare number is: `.5/s` and `1./s` as `.5` and `1.` are.
    // The span a number of units: curl's whole ones (1/2s), or vegeta's (50/100ms, 1/1.5s).
    const curlForm = /^\s*(\d+(?:\.\d*)?|\.\d+)\/(\d*(?:\.\d+)?)(ms|[smhd])\s*$/.exec(value);
    if (!curlForm) {
      try {
        return perSecond(value);
      } catch {
        // vegeta's -rate 0 is "no limit": here that is no --rate at all.
        if (Number(value.trim()) === 0 && value.trim() !== '') throw new UsageError(`${flag} 0 is no rate: leave ${flag} out to send as fast as --concurrency allows${flag === '--rate' ? " (vegeta's -rate 0)" : ''}`);
        throw new UsageError(`Expected ${flag} to be requests per second, or per a span: N/s, N/m, N/h, N/d as in curl (1/2s), N/100ms or N/1.5s as in vegeta, got ${describeValue(value)}`);
      }
    }
    // `1/0s` is no rate: read as 1/s, it ran at a rate no one asked for.
    const units = curlForm[2] === '' ? 1 : Number(curlForm[2]);
    const rate = Number(curlForm[1]) / (units * RATE_UNITS_S[curlForm[3] as keyof typeof RATE_UNITS_S]);
    if (!(rate > 0) || !Number.isFinite(rate)) throw new UsageError(`Expected ${flag} to be a positive rate, got ${describeValue(value)}`);
    return rate;
  };
}

const SIZE_UNITS = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 } as const;

/**
 * Every size flag: bytes, or with curl's suffixes (`--max-filesize 10M`): k, M
 * and G are 1024, 1024² and 1024³ as in curl, written `10M`, `10MB` or `10MiB`
 * alike (a size limit read as 10^6 where 2^20 was meant would differ by 5 %,
 * never by an order). A fraction is rounded down to whole bytes: `1.5k` is 1536.
 */
export function byteSize(flag: string, { positive }: { positive: boolean }) {
  const what = `${positive ? 'a positive' : 'a non-negative'} size (bytes, or with a unit: 64k, 10M, 1G)`;
  return (value: string): number => {
    const match = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*(?:([kmg])(?:i?b)?|b)?\s*$/i.exec(value);
    const bytes = match ? Math.floor(Number(match[1]) * SIZE_UNITS[(match[2]?.toLowerCase() ?? '') as keyof typeof SIZE_UNITS]) : Number.NaN;
    // A part of a byte (1.5, 0.5) is no size: rounded down, 1.5 kept 1 byte and 0.5 none, and the message then named 1.
    const partByte = match !== null && match[2] === undefined && !Number.isInteger(Number(match[1]));
    if (!Number.isSafeInteger(bytes) || (positive && bytes < 1) || partByte) throw new UsageError(`Expected ${flag} to be ${what}, got ${describeValue(value)}${partByte ? ' (a whole number of bytes)' : ''}`);
    return bytes;
  };
}

const DURATION_UNITS_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/**
 * Every time flag: a bare number is seconds, as in curl (`10`, `0.5`); a unit
 * may follow (`250ms`, `2s`, `1m`, `1h`). The value is milliseconds, rounded up
 * so `0.0001` is not a silent 0. `positive`: 0 is refused (a timeout of 0 would
 * fail every request). One longer than a Node timer holds (24.8 days) is that
 * long: `-m 3000000` waits, as curl does, where the timer would fire at once.
 */
export function durationMs(flag: string, { positive }: { positive: boolean }) {
  const what = `${positive ? 'a positive' : 'a non-negative'} duration (seconds, or with a unit: 250ms, 2s, 1m)`;
  return (value: string): number => {
    // A number as curl's strtod reads it, an exponent too (`-m 1e-1`, as scripts print small numbers).
    const match = /^\s*((?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value);
    const ms = match ? Math.ceil(Number(match[1]) * DURATION_UNITS_MS[(match[2] ?? 's') as keyof typeof DURATION_UNITS_MS]) : Number.NaN;
    // curl reads -m 0 as no limit at all; here every attempt has one, so say how to get a long one.
    const zero = positive && ms === 0 ? ` (curl's 0 for no limit is not taken: give a long one, such as 1h)` : '';
    if (!Number.isFinite(ms) || (positive && ms <= 0)) throw new UsageError(`Expected ${flag} to be ${what}, got ${describeValue(value)}${zero}`);
    return Math.min(ms, MAX_TIMER_MS);
  };
}

/**
 * A library caller's duration: a number is milliseconds (the JavaScript
 * convention, as in setTimeout), a string is read as its flag's text ('10s').
 */
function durationField(field: string, parse: (value: string) => number, { positive }: { positive: boolean }) {
  return (value: unknown): number => {
    if (typeof value === 'string') return parse(value);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (positive && value <= 0)) {
      throw new UsageError(`Expected ${field} to be ${positive ? 'a positive' : 'a non-negative'} number of milliseconds or a duration string ('10s'), got ${describeValue(value)}`);
    }
    return Math.min(Math.ceil(value), MAX_TIMER_MS);
  };
}

/** One row's parse (the flag's text) and check (a library caller's value) for a duration. */
export function duration(flag: string, field: string, positive: boolean): Pick<OptionSpec, 'parse' | 'check'> {
  const parse = durationMs(flag, { positive });
  return { parse, check: durationField(field, parse, { positive }) };
}

export function oneOf<T extends string>(flag: string, choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new UsageError(`Expected ${flag} to be one of ${choices.join(', ')}, got ${describeValue(value)}`);
    }
    return value as T;
  };
}

/** A boolean field of a library caller's options. */
export function boolean(field: string) {
  return (value: unknown): boolean => {
    if (typeof value !== 'boolean') throw new UsageError(`Expected ${field} to be true or false, got ${describeValue(value)}`);
    return value;
  };
}

/**
 * A request body of a library caller's options, taken as it is (a library
 * `data: '@x'` is that body, not a file): text, sent as UTF-8, or bytes, sent as they are.
 */
export function bodyValue(field: string) {
  return (value: unknown): string | Uint8Array => {
    if (typeof value !== 'string' && !(value instanceof Uint8Array)) throw new UsageError(`Expected ${field} to be a string or a Uint8Array, got ${describeValue(value)}`);
    return value;
  };
}

/**
 * An object of strings (headers, resolve entries; a Map or a fetch Headers too) given by a library caller, each
 * entry checked as its flag's text; or an array of those texts ('Name: value'),
 * as the flag would be repeated.
 */
export function entries<V>(field: string, parse: (value: string, previous: unknown) => Record<string, V>, toFlag: (key: string, value: unknown) => string) {
  return (value: unknown): Record<string, V> => {
    if (Array.isArray(value)) {
      if (!value.every((item) => typeof item === 'string')) throw new UsageError(`Expected ${field} to be an array of strings, got ${describeValue(value)}`);
      return value.reduce<Record<string, V>>((collected, text: string) => parse(text, collected), {});
    }
    const pairs = keyedEntries(value);
    if (pairs === undefined) {
      throw new UsageError(`Expected ${field} to be an object of strings (or a Map or Headers) or an array of strings, got ${describeValue(value)}`);
    }
    let collected: Record<string, V> = {};
    for (const [key, entry] of pairs) collected = parse(toFlag(key, entry), collected);
    return collected;
  };
}
