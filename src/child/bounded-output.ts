import type { Writable } from 'node:stream';
import Queue from './unlinking-queue.js';

/**
 * The most a child's socket to the parent queues. Node hands everything queued
 * to one writev when the last write completes, and a writev past 2 GiB fails
 * ENOBUFS, an error event nobody handled: the child died, and the records it
 * held were sent again in halving groups that died again (1 MiB bodies at
 * --concurrency 2000, or 2,000 cache hits of one, each a 1.4 MB line).
 */
const SOCKET_QUEUE_BYTES = 64 * 1024 * 1024;

/**
 * Result text on its way to the parent: written to the socket while it queues
 * under SOCKET_QUEUE_BYTES, held here in order beyond that, and written as it
 * drains. What is held counts in `queuedBytes` as what the socket queues does,
 * so the gate that keeps records from starting while output backs up sees it.
 */
export class BoundedOutput {
  readonly #out: Writable;
  readonly #capBytes: number;
  readonly #held = new Queue<string>();
  #heldBytes = 0;
  #onEmpty: (() => void) | undefined;

  constructor(out: Writable, capBytes = SOCKET_QUEUE_BYTES) {
    this.#out = out;
    this.#capBytes = capBytes;
    // Closed (the parent gone): nothing held will be read, and whoever waits for the hand-over must not wait forever.
    out.once('close', () => {
      this.#held.clear();
      this.#heldBytes = 0;
      this.#handedOver();
    });
  }

  write(text: string): void {
    if (this.#out.destroyed) return;
    if (this.#held.size === 0 && this.#out.writableLength < this.#capBytes) {
      this.#out.write(text);
      return;
    }
    this.#held.enqueue(text);
    this.#heldBytes += text.length;
    // Over the cap (far over a socket's 16 KiB mark) the socket's last write returned false: it says 'drain'
    // once it has written all it queued.
    if (this.#held.size === 1) this.#out.once('drain', this.#writeHeld);
  }

  /** Bytes not yet written out: the socket's queue and what is held here. */
  get queuedBytes(): number {
    return this.#out.writableLength + this.#heldBytes;
  }

  /** Calls `then` once everything held has gone to the socket (at once when nothing is held). */
  whenHandedOver(then: () => void): void {
    if (this.#held.size === 0) then();
    else this.#onEmpty = then;
  }

  readonly #writeHeld = (): void => {
    while (this.#held.size > 0 && this.#out.writableLength < this.#capBytes) {
      const text = this.#held.dequeue() as string;
      this.#heldBytes -= text.length;
      this.#out.write(text);
    }
    if (this.#held.size > 0) this.#out.once('drain', this.#writeHeld);
    else this.#handedOver();
  };

  #handedOver(): void {
    const onEmpty = this.#onEmpty;
    this.#onEmpty = undefined;
    onEmpty?.();
  }
}
