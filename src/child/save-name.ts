import { createHash } from 'node:crypto';
import { requestKey } from '../input/request-key.js';
import type { RequestSpec } from '../input/request-spec.js';

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
  return namedById(spec) ? String(spec.id) : createHash('sha256').update(requestKey(spec)).digest('hex');
}

/**
 * The record's file is named by its id. Such a record is not answered from the
 * cache: its line must name its own file, and the file a repeat would point to
 * may hold another record's body by then (one with the same id).
 */
export function namedById(spec: RequestSpec): boolean {
  return spec.id !== undefined && SAFE_NAME.test(String(spec.id));
}
