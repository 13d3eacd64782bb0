import { createBrotliDecompress, createGunzip, createInflate, createInflateRaw, type Zlib } from 'node:zlib';
import type { Transform } from 'node:stream';

/** What bulkfetch asks for by default and decodes (as httpx, requests and Go do). */
export const ACCEPT_ENCODING = 'gzip, deflate, br';

export type ContentCoding = 'gzip' | 'deflate' | 'br';

/**
 * The coding to undo for a Content-Encoding header, or undefined when there is
 * none we decode (identity, several stacked codings, zstd ...): then the bytes
 * are kept as they came, and the header in the output says what they are.
 */
export function contentCoding(header: string | string[] | undefined): ContentCoding | undefined {
  const codings = appliedCodings(header);
  if (codings?.length !== 1) return undefined;
  const [value] = codings;
  if (value === 'gzip' || value === 'x-gzip') return 'gzip';
  if (value === 'deflate' || value === 'br') return value;
  return undefined;
}

/**
 * No content coding at all (absent, empty or `identity`): the bytes are the
 * body itself. Read as contentCoding reads it, so that a header sent twice
 * (`identity` then `gzip`) is one list: gzip is on the bytes.
 */
export function isIdentityCoding(header: string | string[] | undefined): boolean {
  const codings = appliedCodings(header);
  return codings === undefined || codings.length === 0;
}

/**
 * The codings a Content-Encoding applied, in order: repeated header lines joined
 * as one list (RFC 9110, 5.3), `identity` and empty items left out as changing
 * nothing (`gzip, identity` is gzip, as curl decodes it).
 */
function appliedCodings(header: string | string[] | undefined): string[] | undefined {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value === undefined) return undefined;
  return value
    .toLowerCase()
    .split(',')
    .map((coding) => coding.trim())
    .filter((coding) => coding !== '' && coding !== 'identity');
}

/**
 * A streaming decoder for one body. `deflate` is zlib-wrapped by the RFC but sent
 * raw by some servers (as browsers and curl accept): the first bytes tell which.
 */
export function createContentDecoder(coding: ContentCoding, firstChunk: Buffer): Transform & Zlib {
  if (coding === 'gzip') return createGunzip();
  if (coding === 'br') return createBrotliDecompress();
  const [cmf, flg] = firstChunk;
  const zlibWrapped = cmf !== undefined && flg !== undefined && (cmf & 0x0f) === 8 && (cmf * 256 + flg) % 31 === 0;
  return zlibWrapped ? createInflate() : createInflateRaw();
}
