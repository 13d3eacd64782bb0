import { describe, expect, it } from 'vitest';
import { splitUrl } from '../../../src/http/split-url.js';

describe('splitUrl', () => {
  it('takes a normalized href apart by its text: credentials and fragment left out, %2e segments and an empty query kept', () => {
    expect(splitUrl('http://h:8080/a/%2e%2e/b?q=1')).toEqual({ origin: 'http://h:8080', path: '/a/%2e%2e/b?q=1' });
    expect(splitUrl('http://h/a/%2e%2e/b#f/x?y')).toEqual({ origin: 'http://h', path: '/a/%2e%2e/b' });
    expect(splitUrl('https://u:p%40x@h/x/%2E/y?')).toEqual({ origin: 'https://h', path: '/x/%2E/y?' });
    expect(splitUrl('http://u@[::1]:81/?a@b#c@d')).toEqual({ origin: 'http://[::1]:81', path: '/?a@b' });
    expect(splitUrl('http://h/#')).toEqual({ origin: 'http://h', path: '/' });
  });
});
