import { PassThrough, pipeline, type Readable } from 'node:stream';

/**
 * Reads the first `bytes` bytes of a stream (or all of it, if shorter) without
 * losing them: returns them with a stream that yields the whole input again.
 * Works for stdin as well as files, which is what lets --resume fingerprint
 * streamed input. Destroying the returned stream destroys the original.
 */
export interface PeekLimits {
  /** Stop waiting once this many ms pass with no more input, when some came: a slow pipe or typed URLs. */
  idleMs?: number;
  /**
   * Stop waiting once this many ms pass from the first byte, however the input comes: a log that never pauses
   * for idleMs (a line every 50 ms) held every request back until `bytes` came, a minute.
   */
  maxMs?: number;
  /** Stop waiting when it aborts (the run's stop signal): what came is the head. */
  signal?: AbortSignal;
}

export async function peekHead(stream: Readable, bytes: number, limits: PeekLimits = {}): Promise<{ head: Buffer; stream: Readable }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let ended = false;
  let deadline: number | undefined;
  while (size < bytes && !ended && !limits.signal?.aborted) {
    const chunk = stream.read() as Buffer | string | null;
    if (chunk !== null) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      chunks.push(buf);
      size += buf.length;
      if (deadline === undefined && limits.maxMs !== undefined) deadline = performance.now() + limits.maxMs;
      else if (deadline !== undefined && performance.now() >= deadline) break;
    } else {
      const left = deadline === undefined ? undefined : Math.max(0, deadline - performance.now());
      const idle = size > 0 ? limits.idleMs : undefined;
      const waited = await readableOrEnd(stream, idle === undefined ? left : left === undefined ? idle : Math.min(idle, left), limits.signal);
      if (waited === 'cut') break;
      ended = waited;
    }
  }
  const whole = new PassThrough({ highWaterMark: 256 * 1024 });
  for (const chunk of chunks) whole.write(chunk);
  if (ended) whole.end();
  else pipeline(stream, whole, () => {});
  return { head: Buffer.concat(chunks).subarray(0, bytes), stream: whole };
}

/** Waits until the stream has data (false), has ended (true), or the wait is cut: `idleMs` passed, or `signal` aborted. */
function readableOrEnd(stream: Readable, idleMs: number | undefined, signal: AbortSignal | undefined): Promise<boolean | 'cut'> {
  if (stream.readableEnded) return Promise.resolve(true);
  return new Promise((resolve, reject) => {
    const done = (ended: boolean | 'cut', error?: Error): void => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', onError);
      signal?.removeEventListener('abort', onCut);
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(ended);
    };
    const onReadable = (): void => done(false);
    const onEnd = (): void => done(true);
    const onError = (error: Error): void => done(false, error);
    const onCut = (): void => done('cut');
    const timer = idleMs === undefined ? undefined : setTimeout(onCut, idleMs);
    stream.once('readable', onReadable);
    stream.once('end', onEnd);
    stream.once('error', onError);
    signal?.addEventListener('abort', onCut, { once: true });
  });
}
