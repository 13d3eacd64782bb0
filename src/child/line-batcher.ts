/**
 * Gathers lines and writes them as one buffer per turn of the event loop.
 * One write (one syscall) per batch instead of per line is most of the cost
 * difference between a busy pipe and an idle one.
 */
export class LineBatcher {
  #parts: string[] = [];
  #bytes = 0;
  #scheduled = false;
  readonly #write: (text: string) => void;
  readonly #maxBytes: number;

  constructor(write: (text: string) => void, maxBytes = 64 * 1024) {
    this.#write = write;
    this.#maxBytes = maxBytes;
  }

  push(line: string): void {
    this.#parts.push(line);
    this.#bytes += line.length;
    if (this.#bytes >= this.#maxBytes) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.#scheduled = false;
    if (this.#parts.length === 0) return;
    const text = this.#parts.length === 1 ? (this.#parts[0] as string) : this.#parts.join('');
    this.#parts = [];
    this.#bytes = 0;
    this.#write(text);
  }
}
