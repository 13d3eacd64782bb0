/** The links a member of a LinkedSet carries in its own fields. */
export interface Linked<T> {
  linked: boolean;
  older: T | undefined;
  newer: T | undefined;
}

/**
 * An insertion-ordered set linked through its members' own fields: adding and
 * deleting allocate nothing. For sets that every request joins and leaves
 * (live attempts; idle connections, which go idle and back into use once per
 * request).
 *
 * A Map or Set there wore out its hash table every few hundred requests, and
 * V8 links a worn-out table to its successor (for iterators still walking it):
 * a table that had reached the old space kept the next one alive, that one
 * the next, and so on until a full GC (bench/CHANGELOG.md, entry 25).
 */
export class LinkedSet<T extends Linked<T>> implements Iterable<T> {
  #oldest: T | undefined;
  #newest: T | undefined;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** The member added the longest ago. */
  get oldest(): T | undefined {
    return this.#oldest;
  }

  /** Adds a member as the newest (moving it there if it is a member already). */
  add(member: T): void {
    this.delete(member);
    member.linked = true;
    member.older = this.#newest;
    if (this.#newest) this.#newest.newer = member;
    else this.#oldest = member;
    this.#newest = member;
    this.#size += 1;
  }

  /** False when it was not a member. Its links are cleared, so a dead member holds no other. */
  delete(member: T): boolean {
    if (!member.linked) return false;
    const { older, newer } = member;
    if (older) older.newer = newer;
    else this.#oldest = newer;
    if (newer) newer.older = older;
    else this.#newest = older;
    member.linked = false;
    member.older = undefined;
    member.newer = undefined;
    this.#size -= 1;
    return true;
  }

  /** Oldest first. Deleting the member just yielded is safe; copy to an array to delete others. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let member = this.#oldest; member; ) {
      const next = member.newer;
      yield member;
      member = next;
    }
  }
}
