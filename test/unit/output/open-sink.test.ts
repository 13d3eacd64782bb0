import { describe, expect, it } from 'vitest';
import { whyNotWritable } from '../../../src/output/open-sink.js';

const enoent = Object.assign(new Error('ENOENT'), { code: 'ENOENT' });

describe('whyNotWritable', () => {
  it('names the directory to make only when it is not there', () => {
    expect(whyNotWritable(enoent, '/nonexistent-dir/out.ndjson')).toBe('ENOENT: no such directory (mkdir -p "/nonexistent-dir" first)');
    // /proc is there and takes no file (root's access() says it is writable): "mkdir -p /proc first" was the hint.
    expect(whyNotWritable(enoent, '/proc/out.ndjson')).toBe('ENOENT: this directory takes no new file');
    expect(whyNotWritable(Object.assign(new Error('x'), { code: 'EACCES' }), '/proc/out.ndjson')).toBe('EACCES');
  });
});
