/**
 * The name/value pairs of a library caller's keyed object (headers, resolve and connectTo entries): a
 * plain object's own members, or a Map's or a fetch Headers' entries, the forms a JavaScript program has
 * headers in. Undefined for anything else: Object.entries of a Headers or a Map is empty, and such a
 * value was taken as no headers at all, an Authorization dropped without a word.
 */
export function keyedEntries(value: unknown): Array<[string, unknown]> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (value instanceof Map) return [...(value as Map<unknown, unknown>)].map(([key, entry]) => [String(key), entry]);
  if (typeof Headers === 'function' && value instanceof Headers) return [...value];
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null ? Object.entries(value) : undefined;
}
