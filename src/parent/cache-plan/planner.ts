import { CacheDirective, MAX_COUNTED_USES } from '../../wire/messages.js';
import { SeenFilter } from '../../stats/seen-filter.js';
import { ONLY_USE, type RepeatSketch } from '../../stats/repeat-sketch.js';
import { MIN_REPEAT_RATIO, STREAM_WINDOW, decideForStream, type CacheDecision } from './decide.js';

/**
 * The parent's half of the cache: for each record it sends, what the child's
 * cache should do with it (a CacheDirective, or nothing: skip the cache).
 */
export interface CachePlanner {
  /** False when no record will get a directive: the caller need not hash keys for it. */
  readonly active: boolean;
  directive(hash: number): CacheDirective | undefined;
  /**
   * Later uses of the request the last directive() was for, where the input
   * was counted (1 to MAX_COUNTED_USES with KEEP); 0 otherwise.
   */
  readonly usesAfter: number;
  decision(): CacheDecision;
}

/** --cache on / off, or auto over a file without repeats: the same answer for every record. */
export class FixedPlanner implements CachePlanner {
  readonly active: boolean;
  readonly usesAfter = 0;
  readonly #decision: CacheDecision;

  constructor(decision: CacheDecision) {
    this.#decision = decision;
    this.active = decision.enabled;
  }

  directive(): CacheDirective | undefined {
    return this.active ? CacheDirective.KEEP : undefined;
  }

  decision(): CacheDecision {
    return this.#decision;
  }
}

/**
 * --cache auto over a file counted beforehand: a record whose request comes
 * again later is stored, the last use of a request drops it. The sketch can
 * only overstate what remains, so a last use is never mistaken for a middle one
 * the other way round: no repeat is ever fetched twice for want of an entry,
 * barring eviction for room. A request that occurs only once gets no
 * directive, so mostly-distinct lists cost the children nothing per record.
 */
export class FilePlanner implements CachePlanner {
  readonly active = true;
  usesAfter = 0;
  readonly #sketch: RepeatSketch;
  readonly #decision: CacheDecision;

  constructor(sketch: RepeatSketch, decision: CacheDecision) {
    this.#sketch = sketch;
    this.#decision = decision;
  }

  directive(hash: number): CacheDirective | undefined {
    const more = this.#sketch.take(hash);
    this.usesAfter = Math.min(Math.max(more, 0), MAX_COUNTED_USES);
    // A request that occurs once skips the cache: the child does not even compute its key.
    if (more === ONLY_USE) return undefined;
    return more > 0 ? CacheDirective.KEEP : CacheDirective.LAST;
  }

  decision(): CacheDecision {
    return this.#decision;
  }
}

/** Keys the stream planner remembers for sure (2 MiB of Bloom filter). */
const STREAM_MEMORY_KEYS = 1 << 20;

/**
 * --cache auto over a stream (no look-ahead): a request is stored once it has
 * been seen before (a bounded SeenFilter), so a list that never repeats stores
 * nothing; a first sight only shares its flight with an identical request
 * arriving while it is out. Every STREAM_WINDOW records the share of repeats in the window
 * decides the next: under MIN_REPEAT_RATIO the cache is off (no directives, no
 * child cost) until a window shows repeats again.
 */
export class StreamPlanner implements CachePlanner {
  readonly active = true;
  readonly usesAfter = 0;
  readonly #seen = new SeenFilter(STREAM_MEMORY_KEYS);
  #enabled = true;
  #requests = 0;
  #repeats = 0;
  #windowRequests = 0;
  #windowRepeats = 0;

  directive(hash: number): CacheDirective | undefined {
    const repeat = this.#seen.seen(hash);
    this.#requests += 1;
    this.#windowRequests += 1;
    if (repeat) {
      this.#repeats += 1;
      this.#windowRepeats += 1;
    }
    if (this.#windowRequests === STREAM_WINDOW) {
      this.#enabled = this.#windowRepeats / STREAM_WINDOW >= MIN_REPEAT_RATIO;
      this.#windowRequests = 0;
      this.#windowRepeats = 0;
    }
    if (!this.#enabled) return undefined;
    // A first sight is not stored, but an identical request right behind it still joins its flight.
    return repeat ? CacheDirective.KEEP : CacheDirective.SHARE;
  }

  decision(): CacheDecision {
    return decideForStream({ requests: this.#requests, repeats: this.#repeats, enabled: this.#enabled });
  }
}
