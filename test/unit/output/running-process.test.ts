import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ownIdentity, stillRuns } from '../../../src/output/running-process.js';

describe('stillRuns', () => {
  const own = ownIdentity() as string;
  const [host, boot, namespace, start] = own.split('/');
  // A pid that runs and is not this process: the parent (vitest's), started before this one.
  const other = process.ppid;

  it('is this process, by pid and identity', () => {
    expect(own).toBe(`${hostname()}/${readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()}/${namespace}/${start}`);
    expect(stillRuns(process.pid, own)).toBe(true);
  });

  it('is not a pid reused by another process, nor anything after a reboot', () => {
    expect(stillRuns(other, own)).toBe(false);
    expect(stillRuns(process.pid, `${host}/another-boot/${namespace}/${start}`)).toBe(false);
  });

  it('is the pid alone where the identity says nothing here: another machine, another PID namespace, none, a note', () => {
    for (const identity of [`other-host/${boot}/${namespace}/1`, `${host}/${boot}/1/1`, undefined, 'note', '']) {
      expect(stillRuns(other, identity), String(identity)).toBe(true);
      expect(stillRuns(2 ** 22 + 1, identity), String(identity)).toBe(false);
    }
  });
});
