import { decodedLine, type InputLine, type LineCursor } from './lines.js';
import { normalizedHttpUrlPathStart } from './normalized-url.js';

/**
 * Takes the cursor's next line the cheapest way it can be read, for the pass
 * over the file and the run alike (bench/CHANGELOG.md, entries 39 and 41):
 *
 * - a URL in normal form, whole in the chunk, is left in place: the index its
 *   path starts at is returned, its bytes are `lines.chunk[lines.spanStart,
 *   lines.spanEnd)` and its number is `lines.spanLine`;
 * - any other line is decoded and returned;
 * - undefined when the chunk has no more lines.
 */
export function nextUrlOrLine(lines: LineCursor): number | InputLine | undefined {
  if (!lines.nextSpan()) return lines.next();
  const { chunk, spanStart, spanEnd } = lines;
  const pathStart = normalizedHttpUrlPathStart(chunk, spanStart, spanEnd);
  if (pathStart !== -1) return pathStart;
  return decodedLine(lines.spanLine, chunk, spanStart, spanEnd, spanEnd - spanStart, lines.fromUtf16);
}
