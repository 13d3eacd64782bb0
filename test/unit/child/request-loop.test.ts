import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import { RequestLoop } from '../../../src/child/request-loop.js';
import { AdaptiveGate } from '../../../src/child/adaptive-gate.js';
import { GateClient } from '../../../src/child/gate-client.js';
import { sendRequest } from '../../../src/http/send-request.js';
import { CacheDirective, type ChildMessage, type Task, type WorkerConfig } from '../../../src/wire/messages.js';

/**
 * A dispatcher that holds every request it is given, as undici holds a
 * request's handler, and answers only when told. These tests are about what
 * the child's own objects keep alive and queue, not about HTTP.
 */
class HoldingDispatcher {
  readonly held: Dispatcher.DispatchHandler[] = [];

  dispatch(_options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    this.held.push(handler);
    return true;
  }

  /** Fails the i-th request it holds as a stream its server refused unprocessed (HTTP/2's REFUSED_STREAM): sent again at once. */
  refuse(i: number): void {
    const error = Object.assign(new Error('Stream closed with error code NGHTTP2_REFUSED_STREAM'), { code: 'ERR_HTTP2_STREAM_ERROR' });
    (this.held[i] as Dispatcher.DispatchHandler).onResponseError?.({ abort() {}, pause() {}, resume() {}, paused: false, aborted: false, reason: null } as unknown as Dispatcher.DispatchController, error);
  }

  /** Answers the i-th request it holds: 200, the given headers, a small body. */
  answer(i: number, headers: Record<string, string>): void {
    const handler = this.held[i] as Dispatcher.DispatchHandler;
    const controller = { abort() {}, pause() {}, resume() {}, paused: false, aborted: false, reason: null } as unknown as Dispatcher.DispatchController;
    handler.onRequestStart?.(controller, {});
    handler.onResponseStart?.(controller, 200, headers, 'OK');
    handler.onResponseData?.(controller, Buffer.from('ok'));
    handler.onResponseEnd?.(controller, {});
  }
}

function config(concurrency: number, cache = false): WorkerConfig {
  return {
    index: 0, concurrency, timeout: 10_000, connectTimeout: 5_000, cache, cacheBytes: 1 << 20, lastUseMarked: false,
    headers: {}, body: 'text', compressed: false, maxBody: 1 << 20, includeHeaders: true, follow: false, autoReferer: false, redirectCookies: false, maxRedirects: 0, redirectProtocols: 'http,https',
    retries: 0, retryDelay: 100, retryMaxDelay: 1000, retryAllMethods: false, insecure: false, http2: false, http1Only: false, ipv4Only: false, ipv6Only: false, connectTo: {}, resolve: {}, fileCookies: [],
    limited: false, liftoffOnly: false,
  };
}

const task = (line: number, cache?: CacheDirective): Task => ({ line, method: 'GET', url: `http://127.0.0.1:9/r${line}`, ...(cache !== undefined ? { cache } : {}) });

/** V8's gc(), for checking what a live object still keeps alive. */
function exposedGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** A loop with a cache (4 slots) whose output the test backs up and drains, one wait shared by every record held as main.ts gives it. */
function withOutputGate() {
  const dispatcher = new HoldingDispatcher();
  const shutdown = new AbortController();
  let release: (() => void) | undefined;
  let drained: Promise<void> | undefined;
  let backedUp = false;
  const outputFlows = (): Promise<void> | undefined => (backedUp ? (drained ??= new Promise<void>((resolve) => (release = resolve))) : undefined);
  const loop = new RequestLoop(config(4, true), dispatcher as unknown as Dispatcher, shutdown.signal, undefined, { outputFlows });
  const output = {
    backUp: (): void => {
      backedUp = true;
    },
    drain: (): void => {
      backedUp = false;
      release?.();
    },
  };
  return { dispatcher, shutdown, loop, output };
}

describe('sendRequest', () => {
  it('lets go of the response once settled, though the dispatcher still holds the attempt', async () => {
    const dispatcher = new HoldingDispatcher();
    const options = { dispatcher: dispatcher as unknown as Dispatcher, timeout: 10_000, maxBody: 1024, bodyMode: 'text' as const, includeHeaders: true, decompress: false };
    const pending = sendRequest({ method: 'GET', url: 'http://127.0.0.1:9/x', headers: {} }, options);
    // The headers object as undici hands it over: the outcome gets its own copy for the line.
    let headers: Record<string, string> | undefined = { 'content-type': 'text/plain', 'x-big': 'y'.repeat(1000) };
    const seen = new WeakRef(headers);
    dispatcher.answer(0, headers);
    headers = undefined;
    expect((await pending).status).toBe(200);
    const gc = exposedGc();
    await new Promise((r) => setImmediate(r));
    gc();
    expect(dispatcher.held).toHaveLength(1);
    // Held by a settled attempt, the headers would live on (and an old attempt drags them into V8's old space).
    expect(seen.deref()).toBeUndefined();
  });
});

describe('RequestLoop', () => {
  it('is ready for records until 16 attempts wait for a slot', async () => {
    const dispatcher = new HoldingDispatcher();
    const shutdown = new AbortController();
    const loop = new RequestLoop(config(1), dispatcher as unknown as Dispatcher, shutdown.signal);
    const answers: Array<Promise<unknown>> = [];
    let handed = 0;
    while (loop.ready && handed < 100) {
      answers.push(loop.handle(task(++handed)));
      await new Promise((r) => setImmediate(r));
    }
    // One in the slot, 16 in p-limit's queue; the rest stay with the caller as plain tasks.
    expect(handed).toBe(17);
    expect(dispatcher.held).toHaveLength(1);
    dispatcher.answer(0, {});
    await answers[0];
    await new Promise((r) => setImmediate(r));
    expect(loop.ready).toBe(true);
    shutdown.abort();
    await Promise.all(answers);
  });

  it('starts no first attempt while the output backs up, a cache miss included; the one in flight goes on', async () => {
    const { dispatcher, shutdown, loop, output } = withOutputGate();
    const first = loop.handle(task(1));
    await new Promise((r) => setImmediate(r));
    expect(dispatcher.held).toHaveLength(1);
    output.backUp();
    const waiting = [loop.handle(task(2)), loop.handle(task(3, CacheDirective.KEEP))];
    for (let turn = 0; turn < 5; turn++) await new Promise((r) => setImmediate(r));
    // Slots are free (4), but lines wait unread: neither the plain record nor the cache miss is sent.
    expect(dispatcher.held).toHaveLength(1);
    dispatcher.answer(0, {});
    expect((await first).result.status).toBe(200);
    output.drain();
    for (let turn = 0; turn < 5 && dispatcher.held.length < 3; turn++) await new Promise((r) => setImmediate(r));
    expect(dispatcher.held).toHaveLength(3);
    dispatcher.answer(1, {});
    dispatcher.answer(2, {});
    expect((await Promise.all(waiting)).map((answer) => answer.result.status)).toEqual([200, 200]);
    shutdown.abort();
  });

  it('answers no repeat from the cache while the output backs up: each is a copy of its first line', async () => {
    const { dispatcher, shutdown, loop, output } = withOutputGate();
    const same = (line: number): Task => ({ ...task(line, CacheDirective.KEEP), url: 'http://127.0.0.1:9/same' });
    const first = loop.handle(same(1));
    await new Promise((r) => setImmediate(r));
    dispatcher.answer(0, {});
    expect((await first).result.cached).toBe(false);
    output.backUp();
    let answered = 0;
    const repeats = [2, 3, 4].map((line) => loop.handle(same(line)).then((answer) => (answered++, answer)));
    for (let turn = 0; turn < 5; turn++) await new Promise((r) => setImmediate(r));
    // Cached, they need no slot and no request; only the output holds them.
    expect(answered).toBe(0);
    output.drain();
    const answers = await Promise.all(repeats);
    expect(answers.map((answer) => answer.result.cached)).toEqual([true, true, true]);
    expect(dispatcher.held).toHaveLength(1);
    shutdown.abort();
  });

  it('says which records go through the cache (handed over at once, to join a flight)', () => {
    const shutdown = new AbortController();
    const withCache = new RequestLoop(config(1, true), new HoldingDispatcher() as unknown as Dispatcher, shutdown.signal);
    const without = new RequestLoop(config(1, false), new HoldingDispatcher() as unknown as Dispatcher, shutdown.signal);
    expect(withCache.usesCache(task(1, CacheDirective.KEEP))).toBe(true);
    expect(withCache.usesCache(task(2))).toBe(false);
    expect(withCache.usesCache({ ...task(3, CacheDirective.KEEP), method: 'POST' })).toBe(false);
    expect(without.usesCache(task(4, CacheDirective.KEEP))).toBe(false);
  });

  it('sends a refused attempt again at once, in its slot and under its grant, before records waiting for a slot', async () => {
    // It went in a slot of its own, behind every record waiting for one. Asking the gate again from its slot would
    // wait for records that hold a host's grants and wait for slots: it holds the first attempt's grant.
    const dispatcher = new HoldingDispatcher();
    const shutdown = new AbortController();
    const events: string[] = [];
    let held = 0;
    const gate = {
      acquire: (url: string) => {
        events.push(`acquire ${url} holding ${held}`);
        held += 1;
        return Promise.resolve(() => {
          held -= 1;
          events.push('release');
        });
      },
      mustAsk: () => false,
      refused: () => false,
    };
    const loop = new RequestLoop(config(1), dispatcher as unknown as Dispatcher, shutdown.signal, gate);
    const first = loop.handle(task(1));
    const second = loop.handle(task(2));
    for (let turn = 0; turn < 5; turn++) await new Promise((r) => setImmediate(r));
    expect(dispatcher.held).toHaveLength(1);
    dispatcher.refuse(0);
    for (let turn = 0; turn < 5; turn++) await new Promise((r) => setImmediate(r));
    // Record 1's resend went before record 2, which waits for the slot.
    expect(dispatcher.held).toHaveLength(2);
    dispatcher.answer(1, {});
    expect((await first).result).toMatchObject({ status: 200, attempts: 2, resent: 1 });
    for (let turn = 0; turn < 5 && dispatcher.held.length < 3; turn++) await new Promise((r) => setImmediate(r));
    dispatcher.answer(2, {});
    expect((await second).result).toMatchObject({ status: 200, attempts: 1 });
    expect(events).toEqual(['acquire http://127.0.0.1:9/r1 holding 0', 'acquire http://127.0.0.1:9/r2 holding 1', 'release', 'release']);
    shutdown.abort();
  });

  it('sends an attempt whose host refused while it waited for a slot through the gate, and answers it once granted', async () => {
    const dispatcher = new HoldingDispatcher();
    const shutdown = new AbortController();
    const sent: Array<Extract<ChildMessage, { type: 'gate' }>> = [];
    const client = new GateClient((message) => sent.push(message), shutdown.signal);
    const gate = new AdaptiveGate(client);
    const loop = new RequestLoop(config(1), dispatcher as unknown as Dispatcher, shutdown.signal, gate);
    const first = loop.handle(task(1));
    const second = loop.handle(task(2));
    await new Promise((r) => setImmediate(r));
    expect(dispatcher.held).toHaveLength(1);
    // Another child saw the host refuse: the record waiting for the slot must ask the parent first.
    gate.slowDown(['127.0.0.1:9']);
    dispatcher.answer(0, {});
    expect((await first).result.status).toBe(200);
    for (let turn = 0; turn < 10 && sent.length === 0; turn++) await new Promise((r) => setImmediate(r));
    expect(dispatcher.held).toHaveLength(1);
    expect(sent.flatMap((message) => message.acquire)).toEqual([[1, '127.0.0.1:9']]);
    client.granted([1]);
    await new Promise((r) => setImmediate(r));
    expect(dispatcher.held).toHaveLength(2);
    dispatcher.answer(1, {});
    const answer = await second;
    expect(answer.result).toMatchObject({ status: 200, attempts: 1 });
    expect(JSON.parse(answer.line)).toMatchObject({ line: 2, status: 200, attempts: 1 });
    shutdown.abort();
  });
});
