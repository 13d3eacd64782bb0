import { describe, expect, it } from 'vitest';
import { decideForStream, STREAM_WINDOW } from '../../../../src/parent/cache-plan/decide.js';

describe('decideForStream: how a stream run\'s cache decision reads', () => {
  it('says why the cache is on beside 0% repeats in a stream shorter than the window it is judged over', () => {
    // "on" beside "0.0% of requests were repeats" read as a contradiction of "under 2%, off".
    const short = decideForStream({ requests: 2, repeats: 0, enabled: true });
    expect(short.why).toBe('a stream: a response is kept once its request was seen twice; 0.0% of requests were repeats (judged every 10,000 records, so on for a stream this short)');
    const judged = decideForStream({ requests: STREAM_WINDOW * 3, repeats: STREAM_WINDOW, enabled: true });
    expect(judged.why).toBe('a stream: a response is kept once its request was seen twice; 33.3% of requests were repeats');
  });
});
