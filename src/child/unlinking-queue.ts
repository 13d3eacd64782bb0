/**
 * yocto-queue's API (the queue inside p-limit), with one difference: a node
 * taken off the queue lets go of the next one and of its value.
 *
 * The child bundle puts this module in yocto-queue's place (scripts/bundle.mjs,
 * its `alias`), so p-limit stays p-limit. Every attempt passes through
 * p-limit's queue, and in yocto-queue 1.2.2 a dequeued node still points to
 * its successor. Once one node has lived through two scavenges (V8's old space)
 * it is dead there until the next full GC, and from there it keeps its
 * successor alive, which is promoted in turn and keeps the next: a chain down
 * the whole queue. Each node holds p-limit's reject function, so its promise
 * and the outcome it resolved with (response headers, body, result line) came
 * along. On 100k URLs at `--procs 1` this alone took what a child promoted
 * from 166 to 120 MB, its scavenges from 680 to 410 ms and its full GCs from
 * 16 to 9 (bench/CHANGELOG.md, entry 25). The same nepotism is why the JVM's
 * linked queues null the link of a node they give up.
 */
interface QueueNode<T> {
  value: T | undefined;
  next: QueueNode<T> | undefined;
}

export default class Queue<T> implements Iterable<T> {
  #head: QueueNode<T> | undefined;
  #tail: QueueNode<T> | undefined;
  #size = 0;

  enqueue(value: T): void {
    const node: QueueNode<T> = { value, next: undefined };
    if (this.#tail) this.#tail.next = node;
    else this.#head = node;
    this.#tail = node;
    this.#size += 1;
  }

  dequeue(): T | undefined {
    const node = this.#head;
    if (!node) return undefined;
    this.#head = node.next;
    if (!this.#head) this.#tail = undefined;
    this.#size -= 1;
    const { value } = node;
    // The point of this module: a node left behind holds nothing.
    node.next = undefined;
    node.value = undefined;
    return value;
  }

  peek(): T | undefined {
    return this.#head?.value;
  }

  clear(): void {
    // Unlinked one by one, for the reason above: the dropped chain may already be old.
    while (this.#head) this.dequeue();
  }

  get size(): number {
    return this.#size;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let node = this.#head; node; node = node.next) yield node.value as T;
  }

  *drain(): IterableIterator<T> {
    while (this.#head) yield this.dequeue() as T;
  }
}
