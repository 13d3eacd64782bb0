import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BoundedOutput } from '../../../src/child/bounded-output.js';

/** A socket stand-in whose writes complete only when the test says so, as a pipe no one reads yet. */
function slowSink() {
  const written: string[] = [];
  const pending: (() => void)[] = [];
  // A mark under every cap here, as a socket's 16 KiB is under the child's: over it, writes answer false and 'drain' follows.
  const sink = new Writable({
    decodeStrings: false,
    highWaterMark: 1,
    write(chunk: string, _encoding, done) {
      written.push(chunk);
      pending.push(done);
    },
  });
  /** Completes the writes made so far, one at a time as a socket would, and lets the stream's events run. */
  const complete = async (): Promise<void> => {
    while (pending.length > 0) {
      pending.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { sink, written, complete };
}

describe('bounded output (the child socket to the parent)', () => {
  it('writes through while the socket queues under the cap', () => {
    const { sink, written } = slowSink();
    const output = new BoundedOutput(sink, 100);
    output.write('a'.repeat(40));
    output.write('b'.repeat(40));
    expect(written.join('')).toBe('a'.repeat(40));
    expect(sink.writableLength).toBe(80);
    expect(output.queuedBytes).toBe(80);
  });

  it('holds what comes past the cap, counts it as queued, and writes it in order as the socket drains', async () => {
    const { sink, written, complete } = slowSink();
    const output = new BoundedOutput(sink, 100);
    const lines = Array.from({ length: 10 }, (_, n) => `${String(n).repeat(49)}\n`);
    for (const line of lines) output.write(line);
    // 100 bytes reached the socket (two lines); the other eight wait here, not in the socket's queue.
    expect(sink.writableLength).toBe(100);
    expect(output.queuedBytes).toBe(500);
    let handedOver = false;
    output.whenHandedOver(() => {
      handedOver = true;
    });
    expect(handedOver).toBe(false);
    await complete();
    expect(handedOver).toBe(true);
    expect(written.join('')).toBe(lines.join(''));
    expect(output.queuedBytes).toBe(0);
    // Nothing held: a later write goes straight through, and the hand-over is at once.
    output.write('z\n');
    expect(output.queuedBytes).toBe(2);
    let again = false;
    output.whenHandedOver(() => {
      again = true;
    });
    expect(again).toBe(true);
  });

  it('never lets the socket queue more than the cap plus one write', async () => {
    const { sink, complete } = slowSink();
    const output = new BoundedOutput(sink, 1000);
    let most = 0;
    const watch = setInterval(() => {
      most = Math.max(most, sink.writableLength);
    }, 0);
    for (let n = 0; n < 200; n++) {
      output.write('x'.repeat(300));
      most = Math.max(most, sink.writableLength);
    }
    await complete();
    clearInterval(watch);
    expect(most).toBeLessThanOrEqual(1000 + 300);
    expect(output.queuedBytes).toBe(0);
  });

  it('lets go of what it holds when the socket closes, and hands over then', () => {
    const { sink } = slowSink();
    const output = new BoundedOutput(sink, 10);
    output.write('0123456789');
    output.write('held');
    let handedOver = false;
    output.whenHandedOver(() => {
      handedOver = true;
    });
    sink.destroy();
    return new Promise<void>((resolve) => {
      sink.once('close', () => {
        expect(handedOver).toBe(true);
        output.write('after the close');
        // Only what the closed socket itself still counts: nothing held here any more, nothing added.
        expect(output.queuedBytes).toBe(sink.writableLength);
        resolve();
      });
    });
  });
});
