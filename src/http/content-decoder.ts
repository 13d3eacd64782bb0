import stream, { type Duplex } from 'node:stream';
import zlib, { createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from 'node:zlib';

// stream.compose (Node 16.9 on) is not in @types/node 20's declarations.
const { compose } = stream as unknown as { compose: (...streams: Duplex[]) => Duplex };

/** What bulkfetch asks for by default and decodes (as httpx, requests and Go do). */
export const ACCEPT_ENCODING = 'gzip, deflate, br';

export type ContentCoding = 'gzip' | 'deflate' | 'br' | 'zstd';

/**
 * zlib's zstd decoder, where this Node has one (22.15 and 23.8 on): a server
 * sends zstd only when asked (a user's own Accept-Encoding), and the answer is
 * then decoded as curl built with zstd decodes it. Older Nodes keep the bytes
 * as they came, as for any coding not decoded. Looked up, not imported by name:
 * a missing named export of a builtin fails the whole module as it loads.
 */
const createZstdDecompress = (zlib as { createZstdDecompress?: () => Duplex }).createZstdDecompress;

/** Whether this Node decodes zstd bodies (see createZstdDecompress above). */
export const DECODES_ZSTD = createZstdDecompress !== undefined;

/**
 * As many codings as curl undoes on one body: past it a body is kept as it came,
 * as one each decoder of which multiplies the work (curl refuses such a response).
 */
export const MAX_STACKED_CODINGS = 5;

/**
 * The codings to undo for a Content-Encoding header, in the order the server
 * applied them (`gzip, br`: gzip first, so br is undone first); undefined when
 * there is none, or one we do not decode (zstd before Node 22.15, compress ...), or more than
 * MAX_STACKED_CODINGS: then the bytes are kept as they came, and the header in
 * the output says what they are.
 */
export function contentCodings(header: string | string[] | undefined): ContentCoding[] | undefined {
  const codings = appliedCodings(header);
  if (codings === undefined || codings.length === 0 || codings.length > MAX_STACKED_CODINGS) return undefined;
  const known: ContentCoding[] = [];
  for (const value of codings) {
    if (value === 'gzip' || value === 'x-gzip') known.push('gzip');
    else if (value === 'deflate' || value === 'br') known.push(value);
    else if (value === 'zstd' && DECODES_ZSTD) known.push(value);
    else return undefined;
  }
  return known;
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
 * A streaming decoder for one body under `codings` (as contentCodings gives them),
 * undoing the last applied first. `deflate` is zlib-wrapped by the RFC but sent
 * raw by some servers (as browsers and curl accept): the body's first bytes tell
 * which for the coding undone first; one under another is read as the RFC says.
 */
export function createContentDecoder(codings: readonly ContentCoding[], firstChunk: Buffer): Duplex {
  const stages = [...codings].reverse().map((coding, index) => createStage(coding, index === 0 ? firstChunk : undefined));
  // compose pipes stage to stage with each one's backpressure, and fails as a whole when any stage does.
  return stages.length === 1 ? (stages[0] as Duplex) : compose(...stages);
}

function createStage(coding: ContentCoding, firstChunk: Buffer | undefined): Duplex {
  if (coding === 'gzip') return createGunzip();
  if (coding === 'br') return createBrotliDecompress();
  if (coding === 'zstd') return (createZstdDecompress as () => Duplex)();
  if (firstChunk === undefined) return createInflate();
  const [cmf, flg] = firstChunk;
  const zlibWrapped = cmf !== undefined && flg !== undefined && (cmf & 0x0f) === 8 && (cmf * 256 + flg) % 31 === 0;
  return zlibWrapped ? createInflate() : createInflateRaw();
}
