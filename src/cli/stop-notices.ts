import type { ErrorLimit } from '../run-types.js';

/**
 * What a person sees on stderr the moment a run starts to stop: why, how long
 * the requests in flight get, and how to cut that short. Without it the
 * progress line ran on for the whole grace with nothing said, and a second
 * Ctrl-C, pressed because nothing seemed to happen, aborted records that were
 * about to finish.
 */

/** The first stop signal; none for SIGHUP, whose terminal is gone. */
export function stopNotice(signal: NodeJS.Signals, graceMs: number): string | undefined {
  if (signal === 'SIGHUP') return undefined;
  return stopping(signal, graceMs, signal === 'SIGINT' ? 'Ctrl-C again' : `a second ${signal}`);
}

/** The second stop signal (or the first, once --max-errors stopped the run), said as it happens. */
export function abortNotice(signal: NodeJS.Signals, first = false): string | undefined {
  return signal === 'SIGHUP' ? undefined : `${signal}${first ? '' : ' again'}: aborting the requests in flight`;
}

/** --max-errors exceeded: which limit, and what the run had answered when it was. */
export function errorLimitNotice(limit: ErrorLimit, errors: number, records: number, graceMs: number): string {
  const flag = `--max-errors ${limit.max}${limit.kind === 'percent' ? '%' : ''}`;
  return stopping(`${flag}: ${errors} of ${records} records answered ended with an error`, graceMs, 'Ctrl-C');
}

/**
 * A run that read all its input over --max-errors: judged at its end (a percentage is judged during the
 * run from 100 records on, so a shorter list is never stopped), which the exit code 1 alone left unsaid.
 */
export function errorLimitAtEndNotice(limit: ErrorLimit, errors: number, records: number): string {
  const flag = `--max-errors ${limit.max}${limit.kind === 'percent' ? '%' : ''}`;
  return `${flag} exceeded: ${errors} of ${records} records ended with an error (exit code 1)`;
}

function stopping(reason: string, graceMs: number, abortWith: string): string {
  if (graceMs <= 0) return `stopping (${reason}): no new requests; those in flight are aborted now`;
  return `stopping (${reason}): no new requests; those in flight get ${graceText(graceMs)} to finish (${abortWith} aborts them now)`;
}

/** 250 -> "250ms", 5000 -> "5s", 1500 -> "1.5s", as --grace is written. */
function graceText(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${Number((ms / 1000).toFixed(1))}s`;
}
