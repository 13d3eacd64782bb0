import { createHash, type Hash } from 'node:crypto';
import { createWriteStream, readdirSync, rename, unlink, unlinkSync, type WriteStream } from 'node:fs';
import { readdir, unlink as unlinkFile } from 'node:fs/promises';
import { join } from 'node:path';

let partials = 0;

/** The hidden file a body is written to until it is whole: named for the process writing it. */
function partialName(name: string, pid: number, n: number): string {
  return `.${name}.${pid}.${n}.part`;
}

/** The names partialName gives the files of process `pid`. */
function partialsOf(pid: number): RegExp {
  return new RegExp(`^\\..+\\.${pid}\\.\\d+\\.part$`);
}

/**
 * Removes the partial files a process left in DIR when it died (a crash, a kill): it never got to discard
 * them, and --save DIR kept a hidden file for every body it was writing. Called by the parent, which
 * knows the dead child's pid; best effort.
 */
export async function removePartialsOf(dir: string, pid: number): Promise<void> {
  const ending = partialsOf(pid);
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.filter((name) => ending.test(name)).map((name) => unlinkFile(join(dir, name)).catch(() => {})));
}

/**
 * Removes the partial files in DIR of processes for which `gone(pid)` holds: a
 * bulkfetch killed outright, whose children could not all remove theirs (a
 * child killed with it, or one that had no turn to before it exited). Called
 * by a run with --save as it starts; best effort.
 */
export async function removePartialsOfGone(dir: string, gone: (pid: number) => boolean): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const owners = new Set(names.map((name) => /^\..+\.(\d+)\.\d+\.part$/.exec(name)?.[1]).filter((pid): pid is string => pid !== undefined).map(Number));
  await Promise.all([...owners].filter(gone).map((pid) => removePartialsOf(dir, pid)));
}

/**
 * Removes this process's own partial files in DIR at once, as it leaves with bodies still being
 * written: a child whose parent is gone (killed outright) exits at once, and nobody else knows its pid.
 */
export function removeOwnPartialsNow(dir: string): void {
  const ending = partialsOf(process.pid);
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names.filter((each) => ending.test(each))) {
    try {
      unlinkSync(join(dir, name));
    } catch {
      // gone already, or not ours to remove: best effort
    }
  }
}

/**
 * A response body streamed to DIR/NAME (--save). Bytes go to a hidden partial
 * file beside it, renamed to NAME only once complete and flushed, so a cut,
 * failed or aborted download never sits under the final name.
 */
export class BodyFile {
  readonly #final: string;
  readonly #partial: string;
  readonly #stream: WriteStream;
  readonly #hash: Hash = createHash('sha256');
  #error: Error | undefined;
  #discarded = false;

  /** `onError`: writing failed (ENOSPC, EACCES ...); the file will not land. */
  constructor(dir: string, name: string, onError: (error: NodeJS.ErrnoException) => void) {
    this.#final = join(dir, name);
    this.#partial = join(dir, partialName(name, process.pid, ++partials));
    this.#stream = createWriteStream(this.#partial, { flags: 'wx' });
    this.#stream.on('error', (error) => {
      this.#error ??= error;
      if (!this.#discarded) onError(error);
    });
  }

  /** False when the caller should wait for `drain` (the disk is slower than the network). */
  write(chunk: Buffer): boolean {
    this.#hash.update(chunk);
    return this.#stream.write(chunk);
  }

  onDrain(listener: () => void): void {
    this.#stream.on('drain', listener);
  }

  /** Flushes, closes and renames the file into place: its path and SHA-256 (hex). */
  finish(): Promise<{ file: string; sha256: string }> {
    return new Promise((resolve, reject) => {
      this.#stream.end(() => {
        if (this.#error || this.#discarded) return reject(this.#error ?? new Error('discarded'));
        rename(this.#partial, this.#final, (error) => {
          if (error) {
            this.discard();
            return reject(error);
          }
          resolve({ file: this.#final, sha256: this.#hash.digest('hex') });
        });
      });
      // end()'s callback is not called on a stream that failed: settle then too.
      this.#stream.once('error', (error) => reject(error));
    });
  }

  /** Drops the partial file (the attempt failed, was cut or stopped). */
  discard(): void {
    if (this.#discarded) return;
    this.#discarded = true;
    this.#stream.destroy();
    unlink(this.#partial, () => {});
  }
}
