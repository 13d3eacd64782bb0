import { describe, expect, it } from 'vitest';
import { refuseSplitCredential } from '../../../src/cli/split-credential.js';

describe('refuseSplitCredential', () => {
  it('refuses -H Authorization: and -u user: whose value the shell split off into input arguments, without the words', () => {
    const cases: Array<[string[], string]> = [
      [['http://h/x', '-H', 'Authorization:', 'Bearer', 'S3CRET1'], "-H 'Authorization:' came without its value"],
      [['http://h/x', '--header=Cookie:', 'sid=S3CRET2'], "-H 'Cookie:' came without its value"],
      [['http://h/x', '-u', 'bob:', 'S3CRET3'], "-u 'bob:' came without its value"],
      [['http://h/x', '-ubob:', 'S3CRET4'], "-u 'bob:' came without its value"],
    ];
    for (const [argv, said] of cases) {
      const positionals = argv.filter((arg, i) => !arg.startsWith('-') && !['-H', '-u'].includes(argv[i - 1] as string));
      let message = '';
      try {
        refuseSplitCredential(argv, positionals);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message, argv.join(' ')).toContain(said);
      expect(message).not.toMatch(/S3CRET/);
    }
  });

  it("leaves alone what curl means: -H 'Authorization:' removing the header before a file or URL, and -u 'key:' alone", () => {
    expect(() => refuseSplitCredential(['-H', 'Authorization:', 'http://h/x'], ['http://h/x'])).not.toThrow();
    expect(() => refuseSplitCredential(['-H', 'Authorization:', '/etc/hostname'], ['/etc/hostname'])).not.toThrow();
    expect(() => refuseSplitCredential(['-u', 'sk_live_KEY:', 'http://h/x'], ['http://h/x'])).not.toThrow();
    expect(() => refuseSplitCredential(['-H', 'X-Plain:', 'words'], ['words'])).not.toThrow();
    // Stdin named as the input, and a URL without its scheme (which gets its own hint), are no credential.
    expect(() => refuseSplitCredential(['-u', 'KEY:', '-'], ['-'])).not.toThrow();
    expect(() => refuseSplitCredential(['-H', 'Authorization:', '-'], ['-'])).not.toThrow();
    expect(() => refuseSplitCredential(['-H', 'Authorization:', 'example.com/x'], ['example.com/x'])).not.toThrow();
  });
});
