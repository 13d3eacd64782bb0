/**
 * The seam between the request path and rate/politeness limits: every HTTP
 * attempt (retries included) passes through a gate before it starts, so
 * limits hold as the server sees them. An attempt either waits for a grant
 * (and reports how it went when it ends) or asks nobody at all, the common
 * case, which must cost next to nothing.
 */
export interface AttemptFeedback {
  /** Status of the response, or null when none arrived. */
  status: number | null;
  /** Delay the server asked for (Retry-After), in ms, when it gave one. */
  retryAfterMs?: number;
}

export type ReleaseAttempt = (feedback: AttemptFeedback) => void;

export interface AttemptGate {
  /**
   * Undefined when an attempt to `url` (a normalized href) may start at once
   * without asking anyone; otherwise resolves when it may start, with the
   * function to call when it ends.
   */
  acquire(url: string): Promise<ReleaseAttempt> | undefined;
  /**
   * Whether an attempt that acquire() let through at once must ask after all,
   * because its host has been slowed down since (while it waited for a slot).
   */
  mustAsk(url: string): boolean;
  /**
   * An attempt that asked nobody was refused (429/503). True when the host is
   * slowed down for it: the refusal taught the run the host's limit, which
   * the attempt, sent before anyone knew, could not have kept to.
   */
  refused(url: string, feedback: AttemptFeedback): boolean;
}

/** No limits: every attempt starts at once. */
export const OPEN_GATE: AttemptGate = {
  acquire: () => undefined,
  mustAsk: () => false,
  refused: () => false,
};
