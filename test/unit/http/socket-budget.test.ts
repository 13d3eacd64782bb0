import { setImmediate as turn } from 'node:timers/promises';
import type * as Undici from 'undici';
import type { Dispatcher } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../../src/http/agent.js';
import { IDLE_ALLOWANCE, SocketBudget, budgetSize } from '../../../src/http/socket-budget.js';
import { sendRequest } from '../../../src/http/send-request.js';
import { originOf } from '../../../src/input/host-of.js';
import { startManyHostServer, type ManyHostServer } from '../../helpers/index.js';

let server: ManyHostServer | undefined;
let agent: Dispatcher | undefined;
afterEach(async () => {
  await agent?.destroy();
  await server?.close();
});

/** Notes the most connections the budget ever counted open, right after each connect it let through. */
class SampledBudget extends SocketBudget {
  most = 0;
  override wrap(connect: Undici.buildConnector.connector, options?: { closeWhenIdle?: boolean }): Undici.buildConnector.connector {
    const wrapped = super.wrap(connect, options);
    return (options, callback) => {
      wrapped(options, callback);
      this.most = Math.max(this.most, this.open);
    };
  }
}

/** Connections the server still holds once closes in flight have arrived. */
/**
 * The server's count of open connections once the closes the client made have reached it: at most `atMost` (the
 * test's expectation), or, if it never gets there, what it is after 3 s. A fixed 50 ms was too short on a loaded machine.
 */
async function settledOpen(s: ManyHostServer, atMost: number): Promise<number> {
  await new Promise((r) => setTimeout(r, 50));
  for (let waited = 50; s.open > atMost && waited < 3_000; waited += 25) await new Promise((r) => setTimeout(r, 25));
  return s.open;
}

function dispatcher(concurrency: number, budget: SocketBudget): Dispatcher {
  agent = createDispatcher({ concurrency, connectTimeout: 5_000, insecure: false, http2: false, resolve: {}, env: {}, budget });
  return agent;
}

/** Fetches urls with at most `concurrency` in flight; returns the statuses in order. `onlyUse`: each marked as its origin's only request. */
async function fetchAll(d: Dispatcher, urls: string[], concurrency: number, onlyUse = false): Promise<Array<number | null>> {
  const statuses: Array<number | null> = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < urls.length) {
      const i = next++;
      const request = { method: 'GET', url: urls[i] as string, headers: {}, ...(onlyUse ? { onlyUse } : {}) };
      const outcome = await sendRequest(request, { dispatcher: d, timeout: 10_000, maxBody: 1024, bodyMode: 'none', includeHeaders: false, decompress: false });
      statuses[i] = outcome.status;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return statuses;
}

describe('SocketBudget', () => {
  it('sizes the budget from concurrency, capped by the descriptors left', () => {
    expect(budgetSize(200, undefined, 20)).toBe(200 + IDLE_ALLOWANCE);
    expect(budgetSize(200, 65_536, 20)).toBe(200 + IDLE_ALLOWANCE);
    expect(budgetSize(200, 256, 20)).toBe(256 - 20 - 32);
    expect(budgetSize(200, 30, 20)).toBe(1);
  });

  it('holds connections to many origins within the budget, closing the least recently used idle one', async () => {
    server = await startManyHostServer();
    const budget = new SampledBudget(2, 4);
    const d = dispatcher(2, budget);
    const urls = Array.from({ length: 30 }, (_, i) => server!.url(i));
    expect(await fetchAll(d, urls, 2)).toEqual(urls.map(() => 200));
    expect(server.accepted).toBe(30);
    expect(budget.most).toBe(4);
    expect(await settledOpen(server, 4)).toBe(4);
    await turn();
    // The last origins' connections are still open and idle; host 0's was closed first, host 29's is reused.
    expect(budget.idle).toBe(budget.open);
    expect(await fetchAll(d, [server.url(29)], 1)).toEqual([200]);
    expect(server.accepted).toBe(30);
    expect(await fetchAll(d, [server.url(0)], 1)).toEqual([200]);
    expect(server.accepted).toBe(31);
  });

  it('drops undici\'s pool of an origin once its connection is closed', async () => {
    server = await startManyHostServer();
    const d = dispatcher(4, new SocketBudget(4, 6));
    await fetchAll(d, Array.from({ length: 40 }, (_, i) => server!.url(i)), 4);
    expect(await settledOpen(server, 6)).toBeLessThanOrEqual(6);
    // Agent.stats lists one entry per origin pool it holds.
    expect(Object.keys((d as unknown as { stats: object }).stats).length).toBeLessThanOrEqual(6);
  });

  it('makes a connect wait when the budget is below concurrency, and never fails it', async () => {
    server = await startManyHostServer(20);
    const budget = new SampledBudget(8, 3);
    const d = dispatcher(8, budget);
    const urls = Array.from({ length: 24 }, (_, i) => server!.url(i));
    expect(await fetchAll(d, urls, 8)).toEqual(urls.map(() => 200));
    expect(budget.most).toBe(3);
    expect(await settledOpen(server, 3)).toBeLessThanOrEqual(3);
  });

  it('keeps only a few idle connections while connections are hardly ever reused, and all while they are', async () => {
    server = await startManyHostServer();
    const distinct = new SocketBudget(4, 200);
    const d = dispatcher(4, distinct);
    await fetchAll(d, Array.from({ length: 400 }, (_, i) => server!.url(i)), 4);
    await turn();
    expect(distinct.idle).toBeLessThanOrEqual(8);
    await d.destroy();
    // 40 hosts asked ten times each: reused, so every idle connection stays.
    const repeating = new SocketBudget(4, 200);
    const again = dispatcher(4, repeating);
    await fetchAll(again, Array.from({ length: 400 }, (_, i) => server!.url(i % 40)), 4);
    await turn();
    expect(repeating.idle).toBe(40);
  });

  it('closes every idle connection when relieved', async () => {
    server = await startManyHostServer();
    const budget = new SocketBudget(4, 20);
    const d = dispatcher(4, budget);
    await fetchAll(d, Array.from({ length: 8 }, (_, i) => server!.url(i)), 4);
    await turn();
    expect(budget.idle).toBe(8);
    budget.relieve();
    expect(budget.open).toBe(0);
    expect(await settledOpen(server, 0)).toBe(0);
  });

  it('with last uses marked, keeps idle connections however rare reuse is, and retire() closes one origin\'s', async () => {
    server = await startManyHostServer();
    const budget = new SocketBudget(4, 400, { lastUseMarked: true });
    const d = dispatcher(4, budget);
    const urls = Array.from({ length: 300 }, (_, i) => server!.url(i));
    await fetchAll(d, urls, 4);
    await turn();
    // No reuse at all, yet nothing was judged: the marks decide.
    expect(budget.idle).toBe(300);
    budget.retire(originOf(urls[7] as string));
    expect(budget.idle).toBe(299);
    // An origin never connected to, and one already retired: nothing happens.
    budget.retire('http://127.200.0.1:1');
    budget.retire(originOf(urls[7] as string));
    expect(budget.open).toBe(299);
    expect(await settledOpen(server, 299)).toBe(299);
  });

  it('closes a retired origin\'s busy connection as soon as it is idle', async () => {
    server = await startManyHostServer(100);
    const budget = new SocketBudget(4, 20, { lastUseMarked: true });
    const d = dispatcher(4, budget);
    const url = server.url(3);
    const answered = fetchAll(d, [url], 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(budget.open).toBe(1);
    budget.retire(originOf(url));
    expect(budget.open).toBe(1);
    expect(await answered).toEqual([200]);
    await turn();
    expect(budget.open).toBe(0);
    expect(await settledOpen(server, 0)).toBe(0);
  });

  it('sends a request marked as its origin\'s only one on a connection of its own, closed once answered, keeping no pool', async () => {
    server = await startManyHostServer();
    const budget = new SampledBudget(4, 20, { lastUseMarked: true });
    const d = dispatcher(4, budget);
    const urls = Array.from({ length: 40 }, (_, i) => server!.url(i));
    expect(await fetchAll(d, urls, 4, true)).toEqual(urls.map(() => 200));
    // Counted by the budget like any connection: one per request in flight, and a few whose close is
    // a tick away (the next request starts as soon as a response is read). Kept idle, they would reach 20.
    expect(budget.most).toBeGreaterThan(0);
    expect(budget.most).toBeLessThanOrEqual(2 * 4);
    await turn();
    expect(budget.open).toBe(0);
    expect(await settledOpen(server, 0)).toBe(0);
    expect(Object.keys((d as unknown as { stats: object }).stats)).toEqual([]);
    // The same requests unmarked go through the Agent: a pool and an idle connection per origin.
    await fetchAll(d, urls.slice(0, 5), 4);
    await turn();
    expect(budget.idle).toBe(5);
    expect(Object.keys((d as unknown as { stats: object }).stats).length).toBe(5);
  });
});
