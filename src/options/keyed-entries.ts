/**
 * The name/value pairs of a library caller's keyed object (headers, resolve and connectTo entries): a Map's or
 * a fetch Headers' entries, or another object's own members (a plain object, one of another realm, an
 * instance of the caller's class). Object.entries of a Headers or a Map is empty: such a value was taken as no
 * headers at all, an Authorization dropped without a word. Undefined for what is no object, and for the
 * objects whose members are not their entries: another iterable (a Set, URLSearchParams, a String object,
 * whose own members are its characters), a Date, an Error, a RegExp.
 */
export function keyedEntries(value: unknown): Array<[string, unknown]> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const entries = mapEntries(value);
  if (entries !== undefined) return entries;
  if (Symbol.iterator in value || value instanceof Date || value instanceof Error || value instanceof RegExp) return undefined;
  return Object.entries(value);
}

/** A Map's or a fetch Headers' entries, which JSON and Object.entries see none of; undefined for anything else. */
export function mapEntries(value: unknown): Array<[string, unknown]> | undefined {
  if (value instanceof Map) return [...(value as Map<unknown, unknown>)].map(([key, entry]) => [String(key), entry]);
  if (typeof Headers === 'function' && value instanceof Headers) return [...value];
  return undefined;
}
