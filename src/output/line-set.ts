/**
 * A set of record line numbers as a bitmap: one bit a line, so the lines of a
 * 100M-record output cost 12.5 MB, not the gigabytes a Set<number> would.
 */
export class LineSet {
  #bits = new Uint8Array(1024);
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(line: number): void {
    const byte = line >>> 3;
    if (byte >= this.#bits.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.#bits.length * 2));
      grown.set(this.#bits);
      this.#bits = grown;
    }
    const mask = 1 << (line & 7);
    if ((this.#bits[byte] as number) & mask) return;
    this.#bits[byte] = (this.#bits[byte] as number) | mask;
    this.#size += 1;
  }

  has(line: number): boolean {
    return (((this.#bits[line >>> 3] ?? 0) >> (line & 7)) & 1) === 1;
  }
}
