import { MAX_TIMER_MS } from '../../defaults.js';

/**
 * Time as the limiter sees it. Injected so unit tests drive time by hand
 * instead of sleeping.
 */
export interface Clock {
  /** Milliseconds on a monotonic clock; only differences are meaningful. */
  now(): number;
  /** Calls `fn` after about `ms`; must not keep the process alive on its own. */
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const SYSTEM_CLOCK: Clock = {
  now: () => performance.now(),
  // Unref'd: the children keep the parent alive while there is work; a pending
  // wake-up must never be what stops a finished run from exiting. Capped: a
  // longer delay (--rate 1/1000d) would fire at once; early, the limiter re-arms.
  setTimer: (fn, ms) => setTimeout(fn, Math.min(ms, MAX_TIMER_MS)).unref(),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
