/**
 * The name/value pairs of a library caller's keyed object (headers, resolve and connectTo entries): a Map's or
 * a fetch Headers' entries, or any other object's own members (a plain object, one of another realm, an
 * instance). Object.entries of a Headers or a Map is empty: such a value was taken as no headers at all, an
 * Authorization dropped without a word. Undefined for what is no object.
 */
export function keyedEntries(value: unknown): Array<[string, unknown]> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (value instanceof Map) return [...(value as Map<unknown, unknown>)].map(([key, entry]) => [String(key), entry]);
  if (typeof Headers === 'function' && value instanceof Headers) return [...value];
  return Object.entries(value);
}
