/**
 * Tells the parent which records are about to be sent for the first time, and
 * lets them go only once the parent has been told: if this process dies with
 * such a record in flight, the parent knows it may have reached the server.
 *
 * Only non-idempotent records (POST, PATCH ...) are announced, so a run of GETs
 * costs nothing. Announcements are batched per event-loop turn into one IPC
 * message; a record waits for that message's write to complete, which survives
 * a SIGKILL of this process right after.
 */
export class StartAnnouncer {
  #lines: number[] = [];
  #waiters: Array<() => void> = [];
  readonly #send: (lines: number[], written: () => void) => void;

  /** `send` delivers the lines and calls `written` once they are out of this process (or never will be). */
  constructor(send: (lines: number[], written: () => void) => void) {
    this.#send = send;
  }

  announce(line: number): Promise<void> {
    if (this.#lines.length === 0) setImmediate(() => this.#flush());
    this.#lines.push(line);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #flush(): void {
    const waiters = this.#waiters;
    const lines = this.#lines;
    this.#lines = [];
    this.#waiters = [];
    this.#send(lines, () => {
      for (const wake of waiters) wake();
    });
  }
}
