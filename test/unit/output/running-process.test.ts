import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { isOwn, ownIdentity, stillRuns } from '../../../src/output/running-process.js';

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

  it('is the pid alone without an identity, or with a note', () => {
    for (const identity of [undefined, 'note', '']) {
      expect(stillRuns(other, identity), String(identity)).toBe(true);
      expect(stillRuns(2 ** 22 + 1, identity), String(identity)).toBe(false);
    }
  });

  it('is held where nothing can be seen (another machine: another boot and name), and in another PID namespace while its process runs', () => {
    expect(stillRuns(2 ** 22 + 1, `other-host/another-boot/${namespace}/1`)).toBe(true);
    // A host name of its own (a container's UTS namespace) in this boot is this machine: it was held for good.
    expect(stillRuns(2 ** 22 + 1, `web-7f9c/${boot}/${namespace}/${start}`)).toBe(false);
    expect(stillRuns(process.pid, `web-7f9c/${boot}/${namespace}/${start}`)).toBe(true);
    // From the first namespace every process is in view: no process started at that time, no run (a namespace's number is reused).
    expect(stillRuns(2 ** 22 + 1, `${host}/${boot}/1/1`)).toBe(namespace !== '4026531836');
  });

  it('tells its own lock by pid and identity, not by pid alone (bulkfetch is pid 1 in each of two containers)', () => {
    expect(isOwn(process.pid, own)).toBe(true);
    expect(isOwn(process.pid, undefined)).toBe(true);
    expect(isOwn(process.pid, `${host}/${boot}/1/${start}`)).toBe(false);
    expect(isOwn(other, own)).toBe(false);
  });
});
