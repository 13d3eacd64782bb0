import { fmix32 } from '../stats/mix.js';
import type { RequestSpec } from './request-spec.js';

/** The methods whose responses the cache keeps and answers repeats with: the pass over a file counts only them. */
export const CACHEABLE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD']);

/**
 * The identity of a request: two records with the same key are the same request,
 * fetched once (cache) and always routed to the same child (hash).
 *
 * Method + normalized URL without its fragment (never sent: `/f#a` and `/f#b`
 * are one request, as a crawled list of a page's anchors has them), plus the
 * record's own headers and body when it has them (two POSTs with different
 * bodies are different requests). Flag-level defaults (-H, -d) are the same
 * for every record, so they need not be in it.
 */
export function requestKey(spec: Pick<RequestSpec, 'method' | 'url' | 'headers' | 'body' | 'bodyEncoding'>): string {
  let key = `${spec.method} ${withoutFragment(spec.url)}`;
  if (spec.headers) {
    const names = Object.keys(spec.headers).sort();
    // A removal (null) is the bare name: no value, which cannot contain a newline, reads the same.
    for (const name of names) {
      const value = spec.headers[name];
      key += value === null ? `\n${name}` : `\n${name}: ${value}`;
    }
  }
  // A base64 body is marked by a line no header can be (no name starts with NUL), so it never
  // reads as the same request as a text body of the same characters.
  if (spec.body !== undefined) key += spec.bodyEncoding === 'base64' ? `\n\u0000base64\n\n${spec.body}` : `\n\n${spec.body}`;
  return key;
}

/**
 * 32-bit FNV-1a over the key's UTF-16 code units. Not cryptographic: it only has
 * to spread keys evenly and identically in every process and on every machine
 * (so `--shard K/N` agrees with itself across hosts).
 */
export function hashKey(key: string): number {
  // A final avalanche so that keys differing only in their last characters
  // (item/1, item/2 ...) still spread over all buckets.
  return fmix32(fnv1a(FNV_OFFSET, key, 0, key.length));
}

/**
 * hashKey(requestKey(spec)), without building the key when it is only method,
 * space and URL (a plain URL list): the parent hashes every record once in its
 * pass over the file and again to route it, and the joined key, a rope that
 * charCodeAt flattens into a copy, was most of that hash's cost.
 */
export function hashRequest(spec: Pick<RequestSpec, 'method' | 'url' | 'headers' | 'body' | 'bodyEncoding'>): number {
  if (spec.headers || spec.body !== undefined) return hashKey(requestKey(spec));
  const { method, url } = spec;
  return fmix32(fnv1a(fnv1a(fnv1a(FNV_OFFSET, method, 0, method.length), ' ', 0, 1), url, 0, fragmentStart(url)));
}

/** Where a normalized URL's fragment starts (its `#`: anywhere else one is percent-encoded), or its length. */
function fragmentStart(url: string): number {
  const hash = url.indexOf('#');
  return hash === -1 ? url.length : hash;
}

function withoutFragment(url: string): string {
  const end = fragmentStart(url);
  return end === url.length ? url : url.slice(0, end);
}

/**
 * hashKey of the text made of `text`'s characters `[from1, to1)` then `[from2, to2)`:
 * the same number, without building that string (the parent hashes a part of every URL).
 */
export function hashKeyOfParts(text: string, from1: number, to1: number, from2: number, to2: number): number {
  return fmix32(fnv1a(fnv1a(FNV_OFFSET, text, from1, to1), text, from2, to2));
}

/**
 * The hash state after a method and the space after it: what
 * hashRequestBytes starts from, the same for every plain record of a run.
 */
export function requestHashSeed(method: string): number {
  return fnv1a(fnv1a(FNV_OFFSET, method, 0, method.length), ' ', 0, 1);
}

/**
 * hashRequest of a plain record (no headers or body) whose URL is the ASCII
 * text `bytes[from, to)`, hashed off the bytes: an ASCII byte is its own
 * UTF-16 code unit, so the number is the same as for the decoded string. As
 * there, the hash ends at the fragment's `#`.
 */
export function hashRequestBytes(seed: number, bytes: Uint8Array, from: number, to: number): number {
  return fmix32(fnv1aBytes(seed, bytes, from, to, HASH_SIGN));
}

/** `#`: where a URL's fragment starts. */
const HASH_SIGN = 0x23;

/** hashKey of the ASCII text `bytes[from, to)`, without decoding it. */
export function hashKeyOfBytes(bytes: Uint8Array, from: number, to: number): number {
  return fmix32(fnv1aBytes(FNV_OFFSET, bytes, from, to));
}

const FNV_OFFSET = 0x811c9dc5;

function fnv1a(start: number, text: string, from: number, to: number): number {
  let hash = start;
  for (let i = from; i < to; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash;
}

/** fnv1a over `bytes[from, to)`, or up to the first `stop` byte in it. */
function fnv1aBytes(start: number, bytes: Uint8Array, from: number, to: number, stop = -1): number {
  let hash = start;
  for (let i = from; i < to; i++) {
    const byte = bytes[i] as number;
    if (byte === stop) break;
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash;
}

/** Which of `shards` a key hash belongs to: `--shard K/N` keeps the records whose shardOf(hash, N) is K. */
export function shardOf(hash: number, shards: number): number {
  return hash % shards;
}

/**
 * Which of `procs` children handles a key hash. It reads the high 16 bits,
 * while the shard is the hash modulo N: were both `hash % n`, a machine running
 * shard K of N with N = procs would send every record to one child.
 */
export function childOf(hash: number, procs: number): number {
  return (hash >>> 16) % procs;
}

/**
 * A second 32-bit hash, independent of hashKey (a different mixing function),
 * for when 32 bits are too few: distinct counting wants 52+ bits of identity.
 */
export function hashKey2(key: string): number {
  let hash = 0x9747b28c;
  for (let i = 0; i < key.length; i++) {
    hash = Math.imul(hash ^ key.charCodeAt(i), 0x5bd1e995);
    hash ^= hash >>> 15;
  }
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0x5bd1e995);
  hash ^= hash >>> 15;
  return hash >>> 0;
}
