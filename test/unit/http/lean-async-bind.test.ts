import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/**
 * Binds functions to an AsyncResource and reports what they saw, in a process
 * of its own: the replacement changes node:async_hooks for the whole process.
 */
const PROBE = (setup: string): string => `
${setup}
const { AsyncResource, executionAsyncId } = await import('node:async_hooks');
const resource = new AsyncResource('Probe');
const self = { name: 'caller' };
const seen = (tag) => function (a, b) { return { tag, scope: executionAsyncId() === resource.asyncId(), self: this?.name ?? null, args: [a, b] }; };
const unbound = resource.bind(seen('own-this'));
const withThis = resource.bind(seen('given-this'), { name: 'given' });
let thrown = null;
try { resource.bind('not a function'); } catch (error) { thrown = error.constructor.name; }
console.log(JSON.stringify({
  ownThis: unbound.call(self, 1, 2),
  givenThis: withThis.call(self, 3, 4),
  outside: executionAsyncId() === resource.asyncId(),
  thrown,
  deprecatedProperty: 'asyncResource' in unbound,
}));
`;

function probe(setup: string): Record<string, unknown> {
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', PROBE(setup)], { encoding: 'utf8' })) as Record<string, unknown>;
}

describe('useLeanAsyncBind', () => {
  it("binds as Node's AsyncResource#bind does, without the deprecated accessor", () => {
    const entry = new URL('../../../dist/http/lean-async-bind.js', import.meta.url).href;
    const lean = probe(`(await import(${JSON.stringify(entry)})).useLeanAsyncBind();`);
    const node = probe('');
    // Node's own, as the reference: the call runs in the resource's scope, with the caller's or the given this.
    expect(node).toMatchObject({ outside: false });
    const { deprecatedProperty: _leanProperty, ...leanCalls } = lean;
    const { deprecatedProperty: _nodeProperty, ...nodeCalls } = node;
    expect(leanCalls).toEqual(nodeCalls);
    expect(leanCalls).toEqual({
      ownThis: { tag: 'own-this', scope: true, self: 'caller', args: [1, 2] },
      givenThis: { tag: 'given-this', scope: true, self: 'given', args: [3, 4] },
      outside: false,
      thrown: 'TypeError',
    });
    expect(lean.deprecatedProperty).toBe(false);
  });
});
