import { AsyncResource } from 'node:async_hooks';

/**
 * node:http2 binds the start of every client stream to an AsyncResource
 * (`ClientHttp2Session.request()`: `reqAsync.bind(requestOnConnect...)`), and
 * `AsyncResource#bind` defines the deprecated `asyncResource` accessor
 * (DEP0172) on each function it returns, through two `util.deprecate()`
 * wrappers. That costs 11 µs a call on Node 20 and 4 µs on Node 24 (against
 * 0.1 µs for the resource itself): 6 % of an --http2 request's CPU in a
 * child, which does nothing else with the property (bench/CHANGELOG.md,
 * entry 29).
 *
 * This replaces `bind` in this process with one that runs the function in the
 * resource's async scope as Node's does (the same `runInAsyncScope` call, the
 * same `this`), without the deprecated property and its `length`. Called by a
 * child before its first HTTP/2 stream; the parent never calls it.
 */
export function useLeanAsyncBind(): void {
  type Bindable = (this: unknown, ...args: unknown[]) => unknown;
  const bind = function bind(this: AsyncResource, fn: Bindable, thisArg?: unknown): Bindable {
    if (typeof fn !== 'function') throw new TypeError('The "fn" argument must be of type function');
    const resource = this;
    if (thisArg !== undefined) return resource.runInAsyncScope.bind(resource, fn, thisArg) as Bindable;
    return function bound(this: unknown, ...args: unknown[]) {
      return resource.runInAsyncScope(fn, this, ...args);
    };
  };
  AsyncResource.prototype.bind = bind as AsyncResource['bind'];
}
