import { createHash } from 'node:crypto';
import { RecordErrorCode, recordError, type RecordError } from '../errors.js';
import { hashKey, requestKey } from './request-key.js';
import type { RequestSpec } from './request-spec.js';

/** An id used as a file name as it is: a plain name, never a path, a hidden file or a device. */
const SAFE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/;

/**
 * The file name of a record's body under --save: its spec's `id` when that is a
 * plain name (letters, digits, `.`, `_`, `-`; not starting with `.`), else the
 * SHA-256 of its request key (so repeats of a request share a file). The URL's
 * path is never used: it is the server's to choose, and `../` or `/etc/...`
 * must not reach the file system.
 */
export function saveName(spec: RequestSpec): string {
  return namedById(spec) ? writtenId(spec) : createHash('sha256').update(requestKey(spec)).digest('hex');
}

/**
 * The id as the record wrote it, as its output line shows it: a number JavaScript holds only approximately
 * named another record's file (1790000000000000001 and ...002 both saved as 1790000000000000000, and `1.0`
 * and `1` both as 1), one body over the other, each line with its own sha256.
 */
function writtenId(spec: RequestSpec): string {
  return spec.idText ?? String(spec.id);
}

/**
 * The record's file is named by its id. Such a record is not answered from the
 * cache: its line must name its own file, and the file a repeat would point to
 * may hold another record's body by then (one with the same id).
 */
export function namedById(spec: RequestSpec): boolean {
  return spec.id !== undefined && SAFE_NAME.test(writtenId(spec));
}

/**
 * The hash that picks a record's child (childOf): its request's (`requestHash`), but under --save its file
 * name's when its id names the file. Every record saving under one name then goes to one child, which lands
 * them in input order (SaveTurns); two children each renamed theirs as it finished. Such a record is never
 * answered from the cache, so routing it away from its request's repeats costs no hit.
 */
export function routingHash(spec: RequestSpec, requestHash: number, saving: boolean): number {
  return saving && namedById(spec) ? hashKey(writtenId(spec)) : requestHash;
}

/**
 * A record whose id would name its --save file after one of the run's own files in that directory
 * (`keep`: the input, -o FILE with its .lock and .resume.json, --summary FILE): refused before it is
 * sent. Its body landed over the results, or over the input, and the run ended 0 with every line lost.
 */
/**
 * Whether `id` is one of the run's own files, or one made beside them for a moment: FILE.PID.tmp (a rewrite, a
 * fingerprint), FILE.lock.takeover. A body saved under such a name was removed by the next run as a dead run's.
 */
function namesRunFile(id: string, keep: ReadonlySet<string>): boolean {
  if (keep.has(id)) return true;
  for (const name of keep) {
    // The lock's takeover guard; FILE.PID.tmp for -o FILE (its lock is kept beside it) and for its fingerprint.
    if (name.endsWith('.lock') && id === `${name}.takeover`) return true;
    const temporaryOf = keep.has(`${name}.lock`) || name.endsWith('.resume.json');
    if (temporaryOf && id.startsWith(`${name}.`) && /^\d+\.tmp$/.test(id.slice(name.length + 1))) return true;
  }
  return false;
}

export function replacesRunFile(spec: RequestSpec, keep: ReadonlySet<string>): RecordError | undefined {
  if (!namedById(spec) || !namesRunFile(writtenId(spec), keep)) return undefined;
  return recordError(
    RecordErrorCode.SAVE,
    `Cannot save the body: its id ${JSON.stringify(writtenId(spec))} names a file of this run in the --save directory (the input, -o FILE, its .lock or .resume.json or a FILE.PID.tmp made beside them, or --summary FILE), which it would replace; give the record another id`,
  );
}
