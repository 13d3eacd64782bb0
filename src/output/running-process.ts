import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

/** Whether a process with this pid is running (one of another user's counts: EPERM). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Where a pid means something: this machine, its boot, and the PID namespace (a container has its own). */
interface PidSpace {
  host: string;
  boot: string;
  namespace: string;
}

let here: PidSpace | null | undefined;

function thisPidSpace(): PidSpace | undefined {
  if (here === undefined) {
    try {
      const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
      const namespace = /\d+/.exec(readlinkSync('/proc/self/ns/pid'))?.[0];
      here = boot !== '' && namespace !== undefined && !/[\s/]/.test(hostname()) ? { host: hostname(), boot, namespace } : null;
    } catch {
      here = null;
    }
  }
  return here ?? undefined;
}

/**
 * A short word for where this process's pid means something (machine, boot, PID namespace), for names that carry
 * a pid: a process elsewhere with the same pid writes the same directory under another word. Where /proc does not
 * say, the host name alone.
 */
export function pidSpaceTag(): string {
  if (tag === undefined) {
    const space = thisPidSpace();
    tag = createHash('sha256').update(space === undefined ? hostname() : `${space.host}/${space.boot}/${space.namespace}`).digest('hex').slice(0, 8);
  }
  return tag;
}

let tag: string | undefined;

/** A process's start time, clock ticks since boot (/proc/PID/stat's 22nd field). */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command's name, in parentheses, may hold spaces and parentheses: the fields after it are counted from its last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * Which process this is, for as long as anything can tell: `HOST/BOOT/PIDNS/START` (one word), or undefined
 * where /proc does not say (not Linux). Written beside the pid in a lock, so that a pid reused by another
 * process does not hold it (see stillRuns).
 */
export function ownIdentity(): string | undefined {
  if (own === undefined) {
    const space = thisPidSpace();
    const start = startTimeOf(process.pid);
    own = space === undefined || start === undefined ? null : `${space.host}/${space.boot}/${space.namespace}/${start}`;
  }
  return own ?? undefined;
}

let own: string | null | undefined;

/** The PID namespace every Linux system starts in (the kernel's PROC_PID_INIT_INO): from it, every process is in view. */
const INIT_PID_NAMESPACE = '4026531836';

const IDENTITY = /^([^/\s]+)\/([^/\s]+)\/(\d+)\/(\d+)$/;

/** Whether `identity` (ownIdentity) is this process's: its pid alone says nothing in another PID namespace. */
export function isOwn(pid: number, identity: string | undefined): boolean {
  return pid === process.pid && (identity === undefined || identity === ownIdentity());
}

/** Where the process that wrote an identity (ownIdentity) ran, as seen from this one. */
type Place =
  | { kind: 'unknown' } // no identity (by hand, an older bulkfetch), or no /proc here: its pid alone says
  | { kind: 'rebooted' } // this machine, an earlier boot
  | { kind: 'here'; start: string } // this boot, this PID namespace
  | { kind: 'namespace'; namespace: string; start: string; seen: boolean } // this boot, another PID namespace
  | { kind: 'machine'; host: string }; // another machine (another boot and name: a shared disk)

function placeOf(identity: string | undefined): Place {
  const written = identity === undefined ? null : IDENTITY.exec(identity);
  const space = thisPidSpace();
  if (!written || space === undefined) return { kind: 'unknown' };
  const [, host, boot, namespace, start] = written as unknown as [string, string, string, string, string];
  // A container's own host name in this boot does not make it another machine (it was held for good).
  if (boot !== space.boot) return host === space.host ? { kind: 'rebooted' } : { kind: 'machine', host };
  if (namespace === space.namespace) return { kind: 'here', start };
  // From the first namespace every process is in view; from inside another one, nothing of a third.
  return { kind: 'namespace', namespace, start, seen: space.namespace === INIT_PID_NAMESPACE };
}

/**
 * Where a lock's holder runs, when that is not here: `on HOST, another machine` or `in another PID namespace`,
 * and whether it can be seen from here (another namespace can, from the first one).
 */
export function elsewhere(identity: string | undefined): { where: string; seen: boolean } | undefined {
  const place = placeOf(identity);
  if (place.kind === 'machine') return { where: `on ${place.host}, another machine`, seen: false };
  return place.kind === 'namespace' ? { where: 'in another PID namespace', seen: place.seen } : undefined;
}

/**
 * Whether the process that wrote `identity` (ownIdentity) beside `pid` still runs. A pid is reused, soon after
 * a reboot above all: a lock naming the pid of a run killed outright looked held by whatever daemon got that
 * pid next, and every later run was refused until a person deleted it. Judged here where it can be:
 * - an earlier boot of this machine: nothing of that run runs; another machine: nothing of it can be seen, and
 *   it is held (a run there may write the file now);
 * - this boot, this PID namespace: the pid must name a process started when the run's did;
 * - this boot, another PID namespace (a container on the same volume): seen from the first namespace, the run
 *   runs while a process started at its start time does (in that namespace, where that can be read: a start
 *   time is counted from the boot, whatever the namespace, where a namespace's number is reused); seen from
 *   inside another one, it is held (two containers with bulkfetch as pid 1 each took the other's lock as their
 *   own, and wrote one file at once).
 * A lock without an identity, or with words of a person's, is held while a process with its pid runs, as
 * before identities.
 */
export function stillRuns(pid: number, identity: string | undefined): boolean {
  const place = placeOf(identity);
  switch (place.kind) {
    case 'unknown':
      return isRunning(pid);
    case 'rebooted':
      return false;
    case 'machine':
      return true;
    case 'here': {
      if (!isRunning(pid)) return false;
      const now = startTimeOf(pid);
      return now === undefined || now === place.start;
    }
    case 'namespace':
      return !place.seen || processStartedAt(place.start, place.namespace);
  }
}

/** Whether a process that started at `start` (clock ticks since boot) runs, in PID namespace `namespace` where that can be read. */
function processStartedAt(start: string, namespace: string): boolean {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || startTimeOf(Number(entry)) !== start) continue;
    try {
      if (readlinkSync(`/proc/${entry}/ns/pid`) === `pid:[${namespace}]`) return true;
    } catch (error) {
      // Another user's process, whose namespace cannot be read: it may be the run. Gone since the listing: not.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return true;
    }
  }
  return false;
}
