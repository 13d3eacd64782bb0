import type { RunSummary } from '../run-types.js';
import { limitExceeded } from '../parent/error-budget.js';
import type { ErrorLimit } from '../run-types.js';

export interface ExitPolicy {
  /** --fail: any error or status >= 400 fails the run. */
  fail: boolean;
  maxErrors?: ErrorLimit | undefined;
}

/**
 * Whether a run that wrote every line should still exit 1: --max-errors was
 * exceeded (during the run, or over all records at its end), or --fail saw a
 * record with an error or a status >= 400.
 */
export function runFailed(summary: RunSummary, policy: ExitPolicy): boolean {
  if (summary.stoppedBy === 'max-errors') return true;
  if (policy.maxErrors && limitExceededAtEnd(summary, policy.maxErrors)) return true;
  return policy.fail && (summary.errors > 0 || summary.httpErrors > 0);
}

/** A run that --max-errors did not stop, over it when all its records are counted (a list under 100 against a percentage). */
export function limitExceededAtEnd(summary: RunSummary, maxErrors: ErrorLimit): boolean {
  return summary.stoppedBy !== 'max-errors' && limitExceeded(maxErrors, summary.records, summary.errors);
}
