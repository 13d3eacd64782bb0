// One afterEach for every test that starts things: whatever a test opened is gone before the
// next one starts, even when an assertion failed half-way.
import { afterEach } from 'vitest';
import { cleanupTemp, killAllCli } from './cli.js';

/** What cleanupAfterEach returns: hand it what to close after the current test. */
export interface Track {
  /** Closes thing (a test server, a proxy) after the current test; returns it. */
  <T extends { close(): unknown }>(thing: T): T;
  /** Awaits the server being started, then tracks it: `const s = await track(startHttpServer())`. */
  <T extends { close(): unknown }>(thing: Promise<T>): Promise<T>;
  /** Runs fn after the current test (a client to destroy, a process not started by spawnCli). */
  defer(fn: () => unknown): void;
}

/**
 * Registers an afterEach that kills every spawnCli child, closes what was tracked (last opened,
 * first closed, so a client goes before its server) and removes the temp files.
 */
export function cleanupAfterEach(): Track {
  const pending: Array<() => unknown> = [];
  afterEach(async () => {
    killAllCli();
    for (const fn of pending.splice(0).reverse()) await fn();
    cleanupTemp();
  });
  const add = <T extends { close(): unknown }>(thing: T): T => {
    pending.push(() => thing.close());
    return thing;
  };
  function track<T extends { close(): unknown }>(thing: T): T;
  function track<T extends { close(): unknown }>(thing: Promise<T>): Promise<T>;
  function track<T extends { close(): unknown }>(thing: T | Promise<T>): T | Promise<T> {
    return thing instanceof Promise ? thing.then(add) : add(thing);
  }
  return Object.assign(track, { defer: (fn: () => unknown) => void pending.push(fn) });
}
