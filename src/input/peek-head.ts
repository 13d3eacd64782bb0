import { PassThrough, pipeline, type Readable } from 'node:stream';

/**
 * Reads the first `bytes` bytes of a stream (or all of it, if shorter) without
 * losing them: returns them with a stream that yields the whole input again.
 * Works for stdin as well as files, which is what lets --resume fingerprint
 * streamed input. Destroying the returned stream destroys the original.
 */
export async function peekHead(stream: Readable, bytes: number): Promise<{ head: Buffer; stream: Readable }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let ended = false;
  while (size < bytes && !ended) {
    const chunk = stream.read() as Buffer | string | null;
    if (chunk !== null) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      chunks.push(buf);
      size += buf.length;
    } else {
      ended = await readableOrEnd(stream);
    }
  }
  const whole = new PassThrough({ highWaterMark: 256 * 1024 });
  for (const chunk of chunks) whole.write(chunk);
  if (ended) whole.end();
  else pipeline(stream, whole, () => {});
  return { head: Buffer.concat(chunks).subarray(0, bytes), stream: whole };
}

/** Waits until the stream has data (false) or has ended (true). */
function readableOrEnd(stream: Readable): Promise<boolean> {
  if (stream.readableEnded) return Promise.resolve(true);
  return new Promise((resolve, reject) => {
    const done = (ended: boolean, error?: Error): void => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', onError);
      if (error) reject(error);
      else resolve(ended);
    };
    const onReadable = (): void => done(false);
    const onEnd = (): void => done(true);
    const onError = (error: Error): void => done(false, error);
    stream.once('readable', onReadable);
    stream.once('end', onEnd);
    stream.once('error', onError);
  });
}
