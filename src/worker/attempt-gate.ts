/**
 * The seam between the request path and rate/politeness limits: every HTTP
 * attempt (retries included) passes through a gate before it starts and
 * reports how it went when it ends, so limits hold as the server sees them.
 */
export interface AttemptFeedback {
  /** Status of the response, or null when none arrived. */
  status: number | null;
  /** Delay the server asked for (Retry-After), in ms, when it gave one. */
  retryAfterMs?: number;
}

export type ReleaseAttempt = (feedback: AttemptFeedback) => void;

export interface AttemptGate {
  /** Resolves when an attempt to `url`'s host may start; call the returned function when it ends. */
  acquire(url: URL): Promise<ReleaseAttempt> | ReleaseAttempt;
}

/** No limits: every attempt starts at once. */
export const OPEN_GATE: AttemptGate = {
  acquire: () => () => {},
};
