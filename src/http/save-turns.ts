/**
 * Which of a child's records saving under one --save name lands last: the one latest in the input, as the
 * README promises ("a later record with the same name replaces the file"). Records in flight at once finish
 * in the order the server answers, and each renamed its finished file into place as it came: the file held
 * whichever body came last, and a line earlier in the input could name bytes that a later line's sha256 did
 * not match.
 *
 * A name is tracked only while a record that saves under it is live (claim to release), so the map holds at
 * most the child's live records, whatever the input's size; a record never lands over one later in the input
 * that landed while it was live, and renames under one name run one after another, in the order decided.
 * (The parent sends every record named by one id to one child: see RecordRouter.)
 */
export class SaveTurns {
  readonly #names = new Map<string, NameTurns>();

  /** A record that may save under `name` has begun. */
  claim(name: string): void {
    const turns = this.#names.get(name);
    if (turns) turns.live += 1;
    else this.#names.set(name, { live: 1, landed: -1, renaming: Promise.resolve() });
  }

  /** That record has its answer: its file landed, or it never will. */
  release(name: string): void {
    const turns = this.#names.get(name);
    if (turns && --turns.live === 0) this.#names.delete(name);
  }

  /**
   * Lands the file of the record at input line `order` by `rename`, unless a record later in the input
   * landed under the name first: false then, and the caller drops its file (the later one's bytes stay).
   */
  land(name: string, order: number, rename: () => Promise<void>): Promise<boolean> {
    const turns = this.#names.get(name);
    if (turns === undefined) return rename().then(() => true);
    if (order < turns.landed) return Promise.resolve(false);
    const before = turns.landed;
    turns.landed = order;
    // One rename at a time under a name: two in the thread pool at once may finish in either order.
    const done = turns.renaming.then(rename);
    turns.renaming = done.then(
      () => {},
      () => {
        // Its file did not land (its line is ESAVE): a record before it that finishes later may still.
        if (turns.landed === order) turns.landed = before;
      },
    );
    return done.then(() => true);
  }
}

interface NameTurns {
  /** Records live that may save under the name. */
  live: number;
  /** The input line of the last record landed under it while it was tracked. */
  landed: number;
  /** The rename last queued under it, settled either way (the next waits for it). */
  renaming: Promise<void>;
}
