import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../../helpers/scratch-dir.js';
import { inputArguments } from '../../../src/cli/input-arguments.js';
import { UsageError } from '../../../src/errors.js';

describe('inputArguments', () => {
  it('no argument or - is stdin, one other argument a file', () => {
    expect(inputArguments([])).toEqual({ path: '-' });
    expect(inputArguments(['-'])).toEqual({ path: '-' });
    expect(inputArguments(['urls.txt'])).toEqual({ path: 'urls.txt' });
  });

  it('URLs, as curl takes them, are the input; a file that exists under a URL-like name is still the file', () => {
    expect(inputArguments(['https://a.example/x'])).toEqual({ path: '-', urls: ['https://a.example/x'] });
    expect(inputArguments(['http://a/1', 'HTTPS://b/2'])).toEqual({ path: '-', urls: ['http://a/1', 'HTTPS://b/2'] });
    // Another scheme is a URL too, as with --url: its record says the scheme is not fetched, where "no such file" did not.
    expect(inputArguments(['ftp://x/a'])).toEqual({ path: '-', urls: ['ftp://x/a'] });
    expect(inputArguments(['ftp://x/a', 'http://a/1'])).toEqual({ path: '-', urls: ['ftp://x/a', 'http://a/1'] });
    // A glob of schemes, as curl expands it: it was "no such file".
    expect(inputArguments(['{http,https}://a/1'])).toEqual({ path: '-', urls: ['{http,https}://a/1'] });
    const dir = scratchDir('bulkfetch-args');
    const odd = join(dir, 'http:');
    writeFileSync(odd, '');
    expect(inputArguments([odd])).toEqual({ path: odd });
  });

  it('a missing "file" that is a URL without its scheme says to add one; a missing urls.txt stays a file', () => {
    expect(() => inputArguments(['example.com/x'])).toThrow(/needs its scheme: http:\/\/example\.com\/x/);
    expect(() => inputArguments(['localhost:8080'])).toThrow(/http:\/\/localhost:8080/);
    expect(() => inputArguments(['127.0.0.1/a'])).toThrow(/scheme/);
    expect(inputArguments(['missing-urls.txt'])).toEqual({ path: 'missing-urls.txt' });
    // Names of any script (IDN), and a userinfo before the host, as curl takes them; its password never shown.
    expect(() => inputArguments(['bücher.example/x'])).toThrow(/needs its scheme: http:\/\/bücher\.example\/x\)$/);
    expect(() => inputArguments(['user:s3cret@example.com/x'])).toThrow(/needs its scheme: http:\/\/user:\*\*\*@example\.com\/x\)$/);
    // The scheme the run would give it: --proto-default's.
    expect(() => inputArguments(['localhost:8443/x'], [], 'https')).toThrow(/needs its scheme: https:\/\/localhost:8443\/x\)$/);
    // A URL pasted with a space before it reads as a file name: the message says so.
    expect(() => inputArguments([' http://example.com/x'])).toThrow(/no such file \(a URL argument with whitespace before it: write it without\)$/);
    expect(() => inputArguments(['user:s3cret@example.com/x'])).not.toThrow(/s3cret\)/);
    expect(inputArguments(['list'])).toEqual({ path: 'list' });
  });

  it('a missing "file" called help points to --help', () => {
    expect(() => inputArguments(['help'])).toThrow(/^Cannot read input "help": no such file \(bulkfetch --help lists the options\)$/);
    expect(() => inputArguments(['usage'])).toThrow(/--help/);
  });

  it('the analyze subcommand misspelled (analyse, Analyze) is named, alone or before its file', () => {
    expect(() => inputArguments(['analyse', 'urls.txt'])).toThrow(/^Expected one input file \(or - for stdin\), or URLs, got 2 arguments: "analyse" "urls.txt" \(the subcommand is bulkfetch analyze FILE\)$/);
    expect(() => inputArguments(['Analyze', 'urls.txt'])).toThrow(/\(the subcommand is bulkfetch analyze FILE\)$/);
    expect(() => inputArguments(['analyse'])).toThrow(/^Cannot read input "analyse": no such file \(the subcommand is bulkfetch analyze FILE\)$/);
    // Spelt right, after an option (bulkfetch --procs 2 analyze urls.txt): where it goes is what is wrong.
    expect(() => inputArguments(['analyze', 'urls.txt'])).toThrow(/\(analyze is a subcommand: write it first, its options after it: bulkfetch analyze FILE --procs N\)$/);
    expect(() => inputArguments(['a.txt', 'b.txt'])).toThrow(/got 2 arguments: "a.txt" "b.txt"$/);
    // A file name with a space, split by the shell: said to be quoted.
    const spaced = join(scratchDir('input-arguments'), 'my urls.txt');
    writeFileSync(spaced, 'http://a.test/\n');
    const [head, tail] = [spaced.slice(0, spaced.lastIndexOf(' ')), 'urls.txt'];
    expect(() => inputArguments([head, tail])).toThrow(`(a file name with a space is two arguments unless quoted: bulkfetch ${JSON.stringify(spaced)})`);
  });

  it("curl's --url values are URLs whatever they look like, after the URL arguments; beside a file they are a usage error", () => {
    expect(inputArguments([], ['ftp://a/x'])).toEqual({ path: '-', urls: ['ftp://a/x'] });
    expect(inputArguments(['http://a/1'], ['http://b/2'])).toEqual({ path: '-', urls: ['http://a/1', 'http://b/2'] });
    expect(() => inputArguments(['package.json'], ['http://b/2'])).toThrow(/^Expected only URLs with --url, got "package.json": a file is read alone, so put these URLs in it$/);
    // What names no file is no file to put URLs in: a URL without its scheme, or a slip.
    expect(() => inputArguments(['missing-urls.txt'], ['http://b/2'])).toThrow(/^Expected only URLs with --url, got "missing-urls.txt", which names no file, and a URL argument needs its scheme \(http:\/\/\.\.\.\)$/);
    expect(() => inputArguments(['127.0.0.1:8443/x'], ['http://b/2'])).toThrow(/^Expected only URLs with --url, got "127.0.0.1:8443\/x" \(a URL argument needs its scheme: http:\/\/127\.0\.0\.1:8443\/x\)$/);
  });

  it('a URL on the command line that a line of input would skip or split is a usage error, as curl refuses it', () => {
    // --url "$UNSET" fetched nothing and exited 0.
    expect(() => inputArguments([], [''])).toThrow(/^Expected a URL, got --url ""$/);
    expect(() => inputArguments([], ['  '])).toThrow(UsageError);
    expect(() => inputArguments(['http://a/1'], ['#x'])).toThrow(/a # starts a comment line/);
    expect(() => inputArguments([], ['http://a/1\nhttp://b/2'])).toThrow(/with a line break in it$/);
    expect(() => inputArguments(['http://a/1\r', 'http://b/2'])).toThrow(/^Expected one URL, got URL argument/);
    // Beside URLs, a blank or # argument is named as what it is, not counted among "N arguments".
    expect(() => inputArguments(['http://a/1', ''])).toThrow(/^Expected a URL, got URL argument ""$/);
    expect(() => inputArguments(['http://a/1', '#c'])).toThrow(/^Expected a URL, got URL argument "#c": a # starts a comment line/);
    // Alone, a commented-out URL was an input file's name: "no such file".
    expect(() => inputArguments(['#http://a/1'])).toThrow(/^Expected a URL, got URL argument "#http:\/\/a\/1": a # starts a comment line/);
    expect(() => inputArguments(['# https://a/1'])).toThrow(/a # starts a comment line/);
    // A scheme mistyped: "no such file" with no word of the URL meant.
    for (const [typed, meant] of [['http:/a.test/x', 'http://a.test/x'], ['https//a.test/x', 'https://a.test/x'], ['http;//a.test', 'http://a.test'], ['//a.test/x', 'http://a.test/x'], ['HTTP:a.test', 'http://a.test']]) {
      expect(() => inputArguments([typed as string]), typed).toThrow(`Cannot read input ${JSON.stringify(typed)}: no such file (a URL argument is written with its scheme and two slashes: ${meant})`);
    }
    // Among other URLs too, where the message said only "got 2 arguments".
    expect(() => inputArguments(['https//a.test/x', 'https://a.test/y'])).toThrow(/got 2 arguments: "https\/\/a\.test\/x" "https:\/\/a\.test\/y" \(a URL argument is written with its scheme and two slashes: https:\/\/a\.test\/x\)$/);
  });

  it('a mix of URLs and files, or two files, is a usage error', () => {
    expect(() => inputArguments(['http://a/1', 'urls.txt'])).toThrow(UsageError);
    expect(() => inputArguments(['a.txt', 'b.txt'])).toThrow(/one input file/);
    expect(() => inputArguments(['a.txt', 'b.txt'])).not.toThrow(/scheme/);
    // Several URLs without their scheme: the same hint as for one.
    expect(() => inputArguments(['example.com/a', 'example.com/b'])).toThrow(/got 2 arguments: "example.com\/a" "example.com\/b" \(a URL argument needs its scheme: http:\/\/example\.com\/a\)$/);
    expect(() => inputArguments(['http://a/1', '[::1]:8080/y'])).toThrow(/needs its scheme: http:\/\/\[::1\]:8080\/y/);
    expect(() => inputArguments(['[::1]:8080/y'])).toThrow(/needs its scheme: http:\/\/\[::1\]:8080\/y/);
  });
});
