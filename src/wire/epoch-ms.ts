/**
 * This machine's clock in ms since the epoch, to the microsecond: the same
 * in every process, so a time one process stamps another can compare (Date.now()
 * only counts whole ms).
 */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}
