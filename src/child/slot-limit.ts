/**
 * At most `concurrency` tasks running at once; the rest wait in order (FIFO).
 *
 * What p-limit does, in fewer promises: p-limit starts every task through an
 * extra promise, an async wrapper and a resolve-with-promise, about six
 * microtask turns per call, where this starts a task synchronously when a slot
 * is free and hands back the task's own promise. The queue is bounded by the
 * caller (the parent's window), as it was with p-limit.
 */
export type SlotLimit = <A, R>(task: (arg: A) => Promise<R> | undefined, arg: A) => Promise<R | undefined>;

export function slotLimit(concurrency: number): SlotLimit {
  let active = 0;
  let waiting: Array<() => void> = [];
  let head = 0;
  const release = (): void => {
    active -= 1;
    if (head < waiting.length) {
      const next = waiting[head] as () => void;
      waiting[head] = NOTHING;
      head += 1;
      // Compact once the consumed prefix outweighs what is left.
      if (head > 1024 && head * 2 > waiting.length) {
        waiting = waiting.slice(head);
        head = 0;
      }
      active += 1;
      next();
    }
  };
  const start = <A, R>(task: (arg: A) => Promise<R> | undefined, arg: A): Promise<R | undefined> => {
    let running: Promise<R> | undefined;
    try {
      running = task(arg);
    } catch (error) {
      release();
      return Promise.reject(error);
    }
    if (running === undefined) {
      release();
      return Promise.resolve(undefined);
    }
    running.then(release, release);
    return running;
  };
  return (task, arg) => {
    if (active < concurrency) {
      active += 1;
      return start(task, arg);
    }
    return new Promise((resolve) => {
      waiting.push(() => resolve(start(task, arg)));
    });
  };
}

const NOTHING = (): void => {};
