/** The answers that mean "slow down": the host is slowed down on its own after one. */
export function isRefusal(status: number | null): boolean {
  return status === 429 || status === 503;
}
