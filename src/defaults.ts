/**
 * Defaults that code outside the option table needs before the command line
 * is parsed (the CLI forks its spare child first thing, with the thread pool
 * a child of the run will want). No imports: loading it costs nothing.
 */

/** Requests in flight per child when --concurrency is not given. */
export const DEFAULT_CONCURRENCY = 50;

/**
 * The longest delay a Node timer holds (2^31 - 1 ms, about 24.8 days): a longer one fires after 1 ms
 * with a TimeoutOverflowWarning. Durations are capped to it, which no run outlasts.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Linux's largest RLIMIT_NOFILE (fs.nr_open by default): a request in flight holds a connection, a descriptor. */
export const MAX_CONCURRENCY = 1_048_576;

/**
 * The most --procs takes. A Node process each (40-60 MB, a fork and a start-up
 * of ~0.15 CPU s): past this a typo (--procs 20000000) hung the machine at 4 GB
 * or crashed on an array too long, where --concurrency is what scales.
 */
export const MAX_PROCS = 1024;
