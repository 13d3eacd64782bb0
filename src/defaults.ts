/**
 * Defaults that code outside the option table needs before the command line
 * is parsed (the CLI forks its spare child first thing, with the thread pool
 * a child of the run will want). No imports: loading it costs nothing.
 */

/** Requests in flight per child when --concurrency is not given. */
export const DEFAULT_CONCURRENCY = 50;
