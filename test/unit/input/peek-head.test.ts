import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { peekHead } from '../../../src/input/peek-head.js';

/** A line every `everyMs`, for ever (until destroyed): a busy log under tail -f. */
function steadyLog(everyMs: number): Readable {
  let n = 0;
  let timer: NodeJS.Timeout | undefined;
  return new Readable({
    read() {
      timer ??= setInterval(() => this.push(`http://a.test/${(n += 1)}\n`), everyMs);
    },
    destroy(error, callback) {
      clearInterval(timer);
      callback(error);
    },
  });
}

describe('peekHead', () => {
  it('takes the head that came within maxMs of its first byte, from a stream that never pauses for idleMs', async () => {
    // A line every 20 ms never pauses 200 ms: --resume waited for 64 KiB, a minute of a busy log.
    const stream = steadyLog(20);
    const started = performance.now();
    const { head, stream: whole } = await peekHead(stream, 64 * 1024, { idleMs: 200, maxMs: 300 });
    const took = performance.now() - started;
    whole.destroy();
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(2_000);
    expect(head.toString().split('\n')[0]).toBe('http://a.test/1');
  });

  it('gives back every byte it read, head and rest', async () => {
    const { head, stream } = await peekHead(Readable.from([Buffer.from('abc'), Buffer.from('def')]), 4, { idleMs: 200, maxMs: 300 });
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    expect([head.toString(), Buffer.concat(chunks).toString()]).toEqual(['abcd', 'abcdef']);
  });
});
