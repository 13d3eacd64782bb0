/**
 * The tasks a child holds and has not answered, by record line: what the pool
 * sends again if the child dies. At most a window of them (worker-pool.ts).
 *
 * A child is given its records in ascending line order (the input is read in
 * order; after a crash, the replacement starts from an empty set and gets
 * triage groups one at a time, each in order) and answers them in any order.
 * So they are kept in two arrays in line order, found by binary search, and
 * the answered ones at the front are dropped as the front is answered. (A
 * record sent out of order would still be filed in its place, at the cost of
 * moving the entries after it.)
 *
 * A Map did this before, with a set and a delete for every record: its hash
 * table wore out every few hundred records, and V8 links a worn-out table to
 * its successor, so a table that had reached the old space kept the next one
 * alive, with every task text in it, until a full GC (bench/CHANGELOG.md,
 * entry 25).
 */
export class PendingTasks {
  #lines: number[] = [];
  #tasks: Array<string | undefined> = [];
  /** Entries before this index are answered. */
  #head = 0;
  #size = 0;
  /** The held tasks' text, in UTF-16 units (a byte each for the ASCII most of them are). */
  #bytes = 0;

  get size(): number {
    return this.#size;
  }

  /** About the bytes the held tasks take (their text's length): what bounds the room lent beyond a window. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Adds (or replaces) the task of a record. */
  add(line: number, task: string): void {
    const last = this.#lines[this.#lines.length - 1];
    this.#bytes += task.length;
    if (last === undefined || line > last) {
      this.#lines.push(line);
      this.#tasks.push(task);
      this.#size += 1;
      return;
    }
    const index = this.#insertionPoint(line);
    if (this.#lines[index] === line) {
      const replaced = this.#tasks[index];
      if (replaced === undefined) this.#size += 1;
      else this.#bytes -= replaced.length;
      this.#tasks[index] = task;
      return;
    }
    this.#lines.splice(index, 0, line);
    this.#tasks.splice(index, 0, task);
    this.#size += 1;
  }

  has(line: number): boolean {
    return this.#find(line) !== -1;
  }

  /** Marks the record answered; false when it was not held. */
  delete(line: number): boolean {
    const index = this.#find(line);
    if (index === -1) return false;
    this.#bytes -= (this.#tasks[index] as string).length;
    this.#tasks[index] = undefined;
    this.#size -= 1;
    this.#dropAnsweredFront();
    return true;
  }

  /** What is held, in the order sent (for the crash report and triage). */
  toMap(): Map<number, string> {
    const held = new Map<number, string>();
    for (let index = this.#head; index < this.#lines.length; index++) {
      const task = this.#tasks[index];
      if (task !== undefined) held.set(this.#lines[index] as number, task);
    }
    return held;
  }

  /** The index of the record's entry while it is held (not yet answered), else -1. */
  #find(line: number): number {
    const index = this.#insertionPoint(line);
    return this.#lines[index] === line && this.#tasks[index] !== undefined ? index : -1;
  }

  /** The index of the first entry at or above `line` (from the head on). */
  #insertionPoint(line: number): number {
    let low = this.#head;
    let high = this.#lines.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.#lines[middle] as number) < line) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  #dropAnsweredFront(): void {
    while (this.#head < this.#tasks.length && this.#tasks[this.#head] === undefined) this.#head += 1;
    if (this.#size === 0) {
      this.#lines.length = 0;
      this.#tasks.length = 0;
      this.#head = 0;
    } else if (this.#head >= 64 && this.#head * 2 >= this.#lines.length) {
      // Amortized: each entry is moved at most once per time the arrays halve.
      this.#lines.splice(0, this.#head);
      this.#tasks.splice(0, this.#head);
      this.#head = 0;
    }
  }
}
