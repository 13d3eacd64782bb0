import { hashKeyOfParts } from '../../input/request-key.js';
import { fmix32 } from '../../stats/mix.js';
import { ONLY_USE, type RepeatSketch } from '../../stats/repeat-sketch.js';
import { OriginUse } from '../../wire/messages.js';

/**
 * The key an origin is counted under: its origin's hash (hashOrigin, or
 * hashKeyOfBytes of its bytes) mixed with the child that will send the
 * record. Records are routed by request, not by host, so "this child has no
 * further request for the origin" is what lets that child close its
 * connections, whatever the other children still send there.
 */
export function originSlotOfHash(originHash: number, child: number): number {
  return fmix32((originHash + Math.imul(child + 1, 0x9e3779b9)) | 0);
}

/**
 * hashKey(originOf(url)), hashed off the URL in place: this runs twice for
 * every record (the pass, then the run), and the origin string it would
 * build was as much garbage as the rest of the parent's routing.
 */
export function hashOrigin(url: string): number {
  const hostStart = url.indexOf('//') + 2;
  let end = url.indexOf('/', hostStart);
  if (end === -1) end = url.length;
  const at = url.lastIndexOf('@', end);
  return hashKeyOfParts(url, 0, hostStart, at >= hostStart ? at + 1 : hostStart, end);
}

/**
 * The parent's half of closing connections by the input: for each record it
 * sends, whether it is the last one its child sends to that origin (counted in
 * the pass over the file, drained as records are sent). The sketch can only
 * overstate what remains: an origin may be taken for one that comes again
 * (its idle connection then waits for the budget or the keep-alive timeout),
 * never the reverse, so a connection is not closed under a host that has
 * requests left.
 */
export class OriginPlanner {
  readonly #sketch: RepeatSketch;

  constructor(sketch: RepeatSketch) {
    this.#sketch = sketch;
  }

  /**
   * Takes the record off its origin's count: LAST when no record for that
   * origin follows in the same child, ONLY when none came before either,
   * undefined when more follow. A saturated count (15) never drains: such a
   * host keeps its connection.
   */
  originUse(url: string, child: number): OriginUse | undefined {
    return this.originUseOfHash(hashOrigin(url), child);
  }

  /** originUse from the origin's hash (hashOrigin, or hashKeyOfBytes of its bytes). */
  originUseOfHash(originHash: number, child: number): OriginUse | undefined {
    const left = this.#sketch.take(originSlotOfHash(originHash, child));
    return left === ONLY_USE ? OriginUse.ONLY : left === 0 ? OriginUse.LAST : undefined;
  }
}
