/**
 * Counts per key in bounded memory: exact while there are at most `capacity`
 * distinct keys, then the Misra-Gries summary (batched): when the table holds
 * 2 x capacity keys, the (capacity+1)-th largest count is subtracted from every
 * key and keys at zero are dropped.
 *
 * Counts are then lower bounds, each short by at most total / (capacity + 1)
 * (`maxError` says exactly by how much at most), and every key whose true count
 * exceeds that bound is still in the table. Two summaries merge by adding and
 * pruning again with the same guarantee, so children's summaries can be merged.
 */
export class HeavyHitters {
  readonly capacity: number;
  #counts = new Map<string, number>();
  /** Sum of what pruning subtracted: the most any count may be short by. */
  #maxError = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`Expected capacity to be a positive integer, got ${capacity}`);
    this.capacity = capacity;
  }

  get maxError(): number {
    return this.#maxError;
  }

  /** Keys held now (under 2 x capacity). */
  get size(): number {
    return this.#counts.size;
  }

  /** Exact counts (no pruning has happened). */
  get exact(): boolean {
    return this.#maxError === 0;
  }

  add(key: string, n = 1): void {
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + n);
    if (this.#counts.size >= 2 * this.capacity) this.#prune();
  }

  merge(counts: Record<string, number>, maxError = 0): void {
    for (const [key, n] of Object.entries(counts)) this.#counts.set(key, (this.#counts.get(key) ?? 0) + n);
    this.#maxError += maxError;
    if (this.#counts.size > this.capacity) this.#prune();
  }

  /** The `k` largest counts, largest first (ties by key, so output is stable). */
  top(k: number): Array<[string, number]> {
    return [...this.#counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, k);
  }

  toRecord(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }

  #prune(): void {
    const sorted = [...this.#counts.values()].sort((a, b) => b - a);
    const cut = sorted[this.capacity] ?? 0;
    if (cut === 0) return;
    const kept = new Map<string, number>();
    for (const [key, n] of this.#counts) if (n > cut) kept.set(key, n - cut);
    this.#counts = kept;
    this.#maxError += cut;
  }
}
