import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { posix } from 'node:path';

let cpus: number | undefined;

/**
 * The CPUs this process may use: the ones it may run on (availableParallelism: the affinity mask), and no
 * more than its cgroup's CPU quota allows, rounded up. Node 20 reads no quota: in a container limited to half a
 * CPU on a 64-core node, --procs defaulted to 64 processes of about 100 MB each (and 2 here under 0.1 CPU,
 * slower than 1). The quota is cgroup v2's cpu.max or v1's cpu.cfs_quota_us over cpu.cfs_period_us, the
 * smallest of this process's cgroup and its ancestors' (a container sees its own as the root).
 */
export function cpusAvailable(): number {
  cpus ??= Math.max(1, Math.min(availableParallelism(), cpuQuota() ?? Number.POSITIVE_INFINITY));
  return cpus;
}

/** The cgroup CPU quota in CPUs, rounded up; undefined when there is none, or no cgroup to read. */
function cpuQuota(): number | undefined {
  let membership: string;
  try {
    membership = readFileSync('/proc/self/cgroup', 'utf8');
  } catch {
    return undefined;
  }
  let smallest: number | undefined;
  for (const line of membership.split('\n')) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (path === undefined) continue;
    const quota = controllers === '' ? quotaAlong(path, '/sys/fs/cgroup', readV2) : controllers?.split(',').includes('cpu') ? quotaAlong(path, v1Mount(controllers), readV1) : undefined;
    if (quota !== undefined) smallest = Math.min(smallest ?? quota, quota);
  }
  return smallest === undefined ? undefined : Math.ceil(smallest);
}

/** Where cgroup v1 mounts a hierarchy of these controllers: `cpu,cpuacct`, or `cpu` where that is how it is mounted. */
function v1Mount(controllers: string): string {
  for (const name of [controllers, 'cpu,cpuacct', 'cpuacct,cpu', 'cpu']) {
    try {
      readFileSync(`/sys/fs/cgroup/${name}/cpu.cfs_period_us`);
      return `/sys/fs/cgroup/${name}`;
    } catch {
      // not mounted under this name
    }
  }
  return '/sys/fs/cgroup/cpu';
}

/** The smallest quota from the cgroup at `path` up to its hierarchy's root. */
function quotaAlong(path: string, mount: string, read: (dir: string) => number | undefined): number | undefined {
  let smallest: number | undefined;
  for (let dir = posix.normalize(`/${path}`); ; dir = posix.dirname(dir)) {
    const quota = read(posix.join(mount, dir));
    if (quota !== undefined) smallest = Math.min(smallest ?? quota, quota);
    if (dir === '/') return smallest;
  }
}

/** cgroup v2's cpu.max: `QUOTA PERIOD`, or `max PERIOD` for none. */
function readV2(dir: string): number | undefined {
  try {
    const [quota, period] = readFileSync(`${dir}/cpu.max`, 'utf8').trim().split(/\s+/);
    return quota === 'max' || !(Number(period) > 0) || !(Number(quota) > 0) ? undefined : Number(quota) / Number(period);
  } catch {
    return undefined;
  }
}

/** cgroup v1's cpu.cfs_quota_us over cpu.cfs_period_us; a quota of -1 is none. */
function readV1(dir: string): number | undefined {
  try {
    const quota = Number(readFileSync(`${dir}/cpu.cfs_quota_us`, 'utf8'));
    const period = Number(readFileSync(`${dir}/cpu.cfs_period_us`, 'utf8'));
    return quota > 0 && period > 0 ? quota / period : undefined;
  } catch {
    return undefined;
  }
}
