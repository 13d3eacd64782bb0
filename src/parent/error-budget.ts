import { UsageError, describeValue } from '../errors.js';

import type { ErrorLimit } from '../run-types.js';

/**
 * A percentage is judged only once this many records are answered: after one
 * record, one error is 100%, and a run would stop on its first failure.
 * The end of a run judges the share over all records, however few.
 */
export const PERCENT_MIN_RECORDS = 100;

export function parseErrorLimit(value: string): ErrorLimit {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(value);
  const n = match ? Number(match[1]) : NaN;
  if (!match || !Number.isFinite(n) || (match[2] === '%' ? n > 100 : !Number.isSafeInteger(n))) {
    throw new UsageError(`Expected --max-errors to be a count (10) or a percentage (2.5%), got ${describeValue(value)}`);
  }
  return match[2] === '%' ? { kind: 'percent', max: n } : { kind: 'count', max: n };
}

/** Counts answered records and errors; says when the limit is exceeded. */
export class ErrorBudget {
  readonly #limit: ErrorLimit;
  records = 0;
  errors = 0;

  constructor(limit: ErrorLimit) {
    this.#limit = limit;
  }

  /** Adds answered records; true when the limit is now exceeded (stop the run). */
  add(records: number, errors: number): boolean {
    this.records += records;
    this.errors += errors;
    if (this.#limit.kind === 'percent' && this.records < PERCENT_MIN_RECORDS) return false;
    return this.exceeded();
  }

  /** Whether the errors so far exceed the limit (at the end: over all records). */
  exceeded(): boolean {
    return limitExceeded(this.#limit, this.records, this.errors);
  }
}

/** Whether `errors` of `records` exceed the limit, judged over all of them (the end of a run). */
export function limitExceeded(limit: ErrorLimit, records: number, errors: number): boolean {
  if (limit.kind === 'count') return errors > limit.max;
  return records > 0 && errors * 100 > limit.max * records;
}
