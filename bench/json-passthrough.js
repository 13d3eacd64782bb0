#!/usr/bin/env node
// @ts-check
// The cost of a JSON body in the result line: the old way (JSON.parse, then
// JSON.stringify of the line) against passthrough (decode the bytes, scan and
// minify the text, splice it in). Run after `npm run build`:
//   node bench/json-passthrough.js
import { decodeBody } from '../dist/http/decode-body.js';
import { resultOf, serializeResult } from '../dist/wire/result-line.js';

const spec = { line: 1, method: 'GET', url: 'http://127.0.0.1/x' };
/** @param {number} i */
const item = (i) => ({ id: i, name: `item ${i}`, price: i * 1.25, tags: ['a', 'b', 'c'], nested: { ok: true, n: null } });
const bodies = {
  'small (100 B)': JSON.stringify({ id: 7, name: 'seven', ok: true, tags: ['x', 'y'] }),
  'medium (10 KB, pretty)': JSON.stringify(Array.from({ length: 80 }, (_, i) => item(i)), null, 2),
  'large (1 MB)': JSON.stringify(Array.from({ length: 9000 }, (_, i) => item(i))),
};

/**
 * @param {(bytes: Buffer) => string} fn
 * @param {Buffer} bytes
 */
function measure(fn, bytes) {
  const deadline = performance.now() + 1500;
  let runs = 0;
  let sink = 0;
  const started = performance.now();
  while (performance.now() < deadline) {
    sink += fn(bytes).length;
    runs += 1;
  }
  return { perSecond: runs / ((performance.now() - started) / 1000), sink };
}

/**
 * @param {any} body
 * @param {any} bodyEncoding
 * @param {number} bytes
 * @returns {any}
 */
const outcome = (body, bodyEncoding, bytes) => ({ status: 200, body, ...(bodyEncoding ? { bodyEncoding } : {}), bytes, attempts: 1, ms: 1, error: null });
/** @param {Buffer} bytes */
const parseAndStringify = (bytes) => `${JSON.stringify({ ...resultOf(spec, outcome(null, undefined, bytes.length), false, 1), body: JSON.parse(bytes.toString('utf8')) })}\n`;
/** @param {Buffer} bytes */
const passthrough = (bytes) => {
  const decoded = decodeBody(bytes, 'application/json', 'auto', false);
  return serializeResult(resultOf(spec, outcome(decoded.body, decoded.bodyEncoding, bytes.length), false, 1));
};

console.log('| body | parse + stringify (lines/s) | passthrough (lines/s) | ratio |');
console.log('| --- | --- | --- | --- |');
for (const [name, text] of Object.entries(bodies)) {
  const bytes = Buffer.from(text);
  const old = measure(parseAndStringify, bytes);
  const now = measure(passthrough, bytes);
  console.log(`| ${name} | ${Math.round(old.perSecond).toLocaleString('en')} | ${Math.round(now.perSecond).toLocaleString('en')} | ${(now.perSecond / old.perSecond).toFixed(2)}x |`);
}
