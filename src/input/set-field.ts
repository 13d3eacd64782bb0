/**
 * Sets header field `name` on `fields`. Assigned, a field named `__proto__`
 * sets a plain object's prototype (to nothing, for a string) and the header
 * was dropped without a word, from -H and from a spec's `headers` alike; curl
 * sends it. Defined, it is an own field like any other, which spreading and
 * JSON carry on (and a later assignment then sets it, as any own field).
 */
export function setField<T>(fields: Record<string, T>, name: string, value: T): void {
  if (name === '__proto__') Object.defineProperty(fields, name, { value, enumerable: true, writable: true, configurable: true });
  else fields[name] = value;
}
