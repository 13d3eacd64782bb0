/** How long children get to answer an abort before those that have not are killed (their records then read EABORTED). */
export const ABORT_KILL_MS = 3000;

/** What a stop acts on: the pool's two ways of ending records in flight. */
export interface StopTarget {
  /** Children answer every record in flight with EABORTED and exit. */
  abort(): void;
  /** Children that have not answered all they held are killed now; what they held is answered EABORTED. */
  killUnanswering(): Promise<void>;
}

export interface StopSignals {
  /** Graceful: read no more input, let records in flight finish within graceMs, then abort them. */
  stop: AbortSignal;
  /** Abort records in flight now (a second Ctrl-C). */
  abortNow?: AbortSignal | undefined;
  graceMs: number;
  /** Called once when the run starts to stop, by either signal: stop reading input. */
  onStop(): void;
}

/**
 * Turns stop requests into pool actions with time bounds, so a stop always ends:
 * stop -> no new records -> grace -> abort (children answer EABORTED) -> kill.
 * Every record handed to a child still gets exactly one whole line on each path.
 * Returns a function that clears the timers once the pool has closed.
 */
export function superviseStop(pool: StopTarget, { stop, abortNow, graceMs, onStop }: StopSignals): () => void {
  const timers: NodeJS.Timeout[] = [];
  let stopping = false;
  let aborting = false;
  const beginStop = (): void => {
    if (stopping) return;
    stopping = true;
    onStop();
    timers.push(setTimeout(abort, graceMs));
  };
  const abort = (): void => {
    beginStop();
    if (aborting) return;
    aborting = true;
    pool.abort();
    // A child stuck outside its event loop would never answer the abort.
    timers.push(setTimeout(() => void pool.killUnanswering(), ABORT_KILL_MS));
  };
  const listen = (signal: AbortSignal | undefined, then: () => void): void => {
    if (!signal) return;
    if (signal.aborted) then();
    else signal.addEventListener('abort', then, { once: true });
  };
  listen(stop, beginStop);
  listen(abortNow, abort);
  return () => {
    for (const timer of timers) clearTimeout(timer);
    stop.removeEventListener('abort', beginStop);
    abortNow?.removeEventListener('abort', abort);
  };
}
