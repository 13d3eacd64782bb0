import { createHash, type Hash } from 'node:crypto';
import { createWriteStream, readdirSync, unlink, unlinkSync, type WriteStream } from 'node:fs';
import { readdir, rename, unlink as unlinkFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pidSpaceTag } from '../output/running-process.js';

let partials = 0;

/**
 * The hidden file a body is written to until it is whole: named for the process writing it, its pid and where
 * that pid means something (pidSpaceTag). A run in another container or on another machine saving to the same
 * directory (--shard over pods on one volume) has pids of its own: a run starting here took its partials for
 * those of dead processes of its own and removed them, and every body they were writing ended ESAVE.
 */
function partialName(name: string, pid: number, n: number): string {
  return `.${name}.${pid}-${pidSpaceTag()}.${n}.part`;
}

/**
 * The pid in a name partialName gave here, or undefined for any other name: one written in another PID space,
 * or a file of the user's that only looks like one (`.notes.2024.1.part`).
 */
function partialOwner(name: string): number | undefined {
  const [, pid, space] = /^\..+\.(\d+)-([0-9a-f]{8})\.\d+\.part$/.exec(name) ?? [];
  return pid === undefined || space !== pidSpaceTag() ? undefined : Number(pid);
}

/**
 * Removes the partial files in DIR of the processes `owned` picks: a child
 * that died (a crash, a kill) never got to discard them, and --save DIR kept a
 * hidden file for every body it was writing. Called by the parent with a dead
 * child's pid, and as a run with --save starts for every pid no longer
 * running (a bulkfetch killed outright with its children); best effort.
 */
export async function removePartialsOf(dir: string, owned: (pid: number) => boolean): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.filter((name) => ownedBy(name, owned)).map((name) => unlinkFile(join(dir, name)).catch(() => {})));
}

/**
 * Removes this process's own partial files in DIR at once, as it leaves with bodies still being
 * written (an 'exit' handler: no await there): a child whose parent was killed outright.
 */
export function removeOwnPartialsNow(dir: string): void {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names.filter((each) => ownedBy(each, (pid) => pid === process.pid))) {
    try {
      unlinkSync(join(dir, name));
    } catch {
      // gone already: best effort
    }
  }
}

function ownedBy(name: string, owned: (pid: number) => boolean): boolean {
  const pid = partialOwner(name);
  return pid !== undefined && owned(pid);
}

/**
 * How a finished file lands: `rename` puts it in place; false when it must not (a record later in the input
 * landed under the same name: SaveTurns), and the partial file is dropped.
 */
export type Landing = (rename: () => Promise<void>) => Promise<boolean>;

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
  readonly #landing: Landing;
  #error: Error | undefined;
  #discarded = false;

  /** `onError`: writing failed (ENOSPC, EACCES ...); the file will not land. */
  constructor(dir: string, name: string, onError: (error: NodeJS.ErrnoException) => void, landing: Landing) {
    this.#final = join(dir, name);
    this.#landing = landing;
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

  /**
   * Flushes, closes and renames the file into place: its path and SHA-256 (hex). A file its landing turns
   * down is dropped, and this still resolves: the body was whole, and a later record's replaced it.
   */
  finish(): Promise<{ file: string; sha256: string }> {
    return new Promise((resolve, reject) => {
      // The last write can fail after end() was called (ENOSPC, EFBIG on a body's final chunk): end()'s
      // callback gets that error before the 'error' event sets #error, and the file must not land.
      this.#stream.end((error?: Error | null) => {
        if (error) this.#error ??= error;
        if (this.#error || this.#discarded) return reject(this.#error ?? new Error('discarded'));
        this.#landing(() => rename(this.#partial, this.#final)).then(
          (landed) => {
            if (!landed) this.discard();
            resolve({ file: this.#final, sha256: this.#hash.digest('hex') });
          },
          (error: unknown) => {
            this.discard();
            reject(error as Error);
          },
        );
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
