import { describe, expect, it } from 'vitest';
import { decideForFile, decideForStream, STREAM_WINDOW } from '../../../../src/parent/cache-plan/decide.js';

describe('decideForStream: how a stream run\'s cache decision reads', () => {
  it('says why the cache is on beside 0% repeats in a stream shorter than the window it is judged over', () => {
    // "on" beside "0.0% of requests were repeats" read as a contradiction of "under 2%, off".
    const short = decideForStream({ requests: 2, repeats: 0, enabled: true });
    expect(short.why).toBe('a stream: a response is kept once its request was seen twice, for its third sighting on (a request that comes just twice is fetched twice, unless both are in flight together; --cache on keeps every response); 0.0% of requests were repeats (judged every 10,000 records, so on for a stream this short)');
    const judged = decideForStream({ requests: STREAM_WINDOW * 3, repeats: STREAM_WINDOW, enabled: true });
    expect(judged.why).toBe('a stream: a response is kept once its request was seen twice, for its third sighting on (a request that comes just twice is fetched twice, unless both are in flight together; --cache on keeps every response); 33.3% of requests were repeats');
  });
});

describe('decideForFile: a pass over the file that a stop cut short', () => {
  it('does not pass the counts of the file\'s start off as the file\'s, nor say the cache was on for a run that sent nothing', () => {
    // A Ctrl-C during the pass over 1,950,000 lines read "cache on (auto): 90.6% of 1,592,864 requests repeat an earlier one".
    const cut = decideForFile({ requests: 1_592_864, distinct: 150_003, ms: 900, cutShort: true }, 2);
    expect([cut.enabled, cut.why]).toEqual([false, 'the stop came during the pass over the file, after 1,592,864 requests: nothing was sent']);
    expect(decideForFile({ requests: 1_592_864, distinct: 150_003, ms: 900 }, 2).why).toMatch(/^90\.6% of 1,592,864 requests repeat an earlier one/);
  });
});

describe('a share just under the 2 % that turns the cache on', () => {
  it('shows the digit that tells it from 2 %: 1.96 % read "2.0% (under 2.0%)"', () => {
    expect(decideForFile({ requests: 1021, distinct: 1001, ms: 1 }, 1).why).toBe('1.96% of 1,021 requests repeat an earlier one (under 2.0%): no cache');
    expect(decideForFile({ requests: 1000, distinct: 990, ms: 1 }, 1).why).toBe('1.0% of 1,000 requests repeat an earlier one (under 2.0%): no cache');
    expect(decideForStream({ requests: STREAM_WINDOW, repeats: 196, enabled: false }).why).toBe('a stream: 1.96% of requests were repeats (under 2.0% over the last window): cache off');
  });
});
