/**
 * Attempts this process has settled, as each ends: the progress line's req/s counts these, where the
 * counters of WorkerStats count a record's attempts only as its record ends (a record retried against a
 * dead port for 20 s read 0 req/s, then three times --rate at once). One number a process.
 */
let made = 0;

export function countAttempt(): void {
  made += 1;
}

export function attemptsMade(): number {
  return made;
}
