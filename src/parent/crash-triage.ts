/** Tasks by record line, in the order they were first sent. */
export type Tasks = Map<number, string>;

/**
 * A record convicted after it killed a child this many times while running alone.
 * Two, not one: a child can die beside a lone record for reasons of its own (OOM
 * from an earlier response, an operator's kill), and one such death must not cost
 * an innocent record its answer.
 */
export const MAX_SOLO_CRASHES = 2;

/**
 * Finds the record that kills its child without blaming the records that merely
 * shared the child with it.
 *
 * A child holds up to a window of records (hundreds). Counting a crash against
 * every record in flight would turn all of a killer's neighbours into ECHILDCRASH
 * records after a few crashes. Instead, after a crash the records the child held
 * are re-run apart from any new work, as a group that is halved each time it
 * crashes again (bisection), until a record crashes a child while alone. Innocent
 * halves are answered on the way; only a record that dies alone MAX_SOLO_CRASHES
 * times is given up. A killer among W records costs about log2(W) + 2 restarts.
 *
 * While triage is active the child takes no new records, so a crash always
 * belongs to the group under test.
 */
export class CrashTriage {
  #queue: Tasks[] = [];
  #current: Tasks | null = null;
  readonly #soloCrashes = new Map<number, number>();

  /** True while groups are waiting or running: the child must take no new records. */
  get active(): boolean {
    return this.#current !== null || this.#queue.length > 0;
  }

  /**
   * The child died holding `unanswered`. Re-queues those records for isolation and
   * returns the ones convicted now (to be answered with ECHILDCRASH).
   */
  crashed(unanswered: Tasks): Tasks {
    this.#current = null;
    const convicted: Tasks = new Map();
    if (unanswered.size === 1) {
      const [line, task] = unanswered.entries().next().value as [number, string];
      const crashes = (this.#soloCrashes.get(line) ?? 0) + 1;
      if (crashes >= MAX_SOLO_CRASHES) {
        this.#soloCrashes.delete(line);
        convicted.set(line, task);
      } else {
        this.#soloCrashes.set(line, crashes);
        this.#queue.unshift(unanswered);
      }
    } else if (unanswered.size > 1) {
      const entries = [...unanswered];
      const half = Math.ceil(entries.length / 2);
      this.#queue.unshift(new Map(entries.slice(0, half)), new Map(entries.slice(half)));
    }
    return convicted;
  }

  /** The next group to run, when none is running; null when there is none. */
  next(): Tasks | null {
    if (this.#current !== null) return null;
    this.#current = this.#queue.shift() ?? null;
    return this.#current;
  }

  /** Records answered by the child; true when this finished the running group. */
  answered(lineNumbers: number[]): boolean {
    for (const line of lineNumbers) this.#soloCrashes.delete(line);
    if (this.#current === null) return false;
    for (const line of lineNumbers) this.#current.delete(line);
    if (this.#current.size > 0) return false;
    this.#current = null;
    return true;
  }

  /** Empties the queue (the run is being aborted) and returns what was waiting in it. */
  takeQueued(): Tasks {
    const all: Tasks = new Map();
    for (const group of this.#queue) for (const [line, task] of group) all.set(line, task);
    this.#queue = [];
    for (const line of all.keys()) this.#soloCrashes.delete(line);
    return all;
  }
}
