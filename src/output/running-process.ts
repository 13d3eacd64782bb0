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

/** Where a holder runs, said beside its pid when that is not here: `on HOST`, `in another PID namespace`. */
export function elsewhere(identity: string | undefined): string | undefined {
  const written = identity === undefined ? null : IDENTITY.exec(identity);
  const space = thisPidSpace();
  if (!written || space === undefined) return undefined;
  if (written[1] !== space.host) return `on ${written[1]}`;
  return written[3] !== space.namespace ? 'in another PID namespace' : undefined;
}

/**
 * Whether the process that wrote `identity` (ownIdentity) beside `pid` still runs. A pid is reused, soon after
 * a reboot above all: a lock naming the pid of a run killed outright looked held by whatever daemon got that
 * pid next, and every later run was refused until a person deleted it. Judged here where it can be: on this
 * machine, after a reboot nothing of the run runs; in this boot and PID namespace, the pid must name a process
 * started when the run's did; in another PID namespace seen from the first one, where every process is in view,
 * the run may run while any process is in that namespace. Where nothing can be seen (another machine on a shared
 * disk, a namespace outside a container's), it is held: a run there may write the file now (two containers with
 * bulkfetch as pid 1 each took the other's lock as their own, and wrote one file at once). A lock without an
 * identity, or with words of a person's, is held while a process with its pid runs, as before identities.
 */
export function stillRuns(pid: number, identity: string | undefined): boolean {
  const written = identity === undefined ? null : IDENTITY.exec(identity);
  const space = thisPidSpace();
  if (!written || space === undefined) return isRunning(pid);
  if (written[1] !== space.host) return true;
  if (written[2] !== space.boot) return false;
  if (written[3] !== space.namespace) return space.namespace !== INIT_PID_NAMESPACE || (pidNamespaceLives(written[3] as string) ?? isRunning(pid));
  if (!isRunning(pid)) return false;
  const start = startTimeOf(pid);
  return start === undefined || start === written[4];
}

/** Whether any process is in PID namespace `namespace` (undefined when some process's namespace could not be read). */
function pidNamespaceLives(namespace: string): boolean | undefined {
  const link = `pid:[${namespace}]`;
  let unknown = false;
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readlinkSync(`/proc/${entry}/ns/pid`) === link) return true;
      } catch (error) {
        // Gone since the listing (ENOENT) says nothing; another user's process, unreadable, leaves it open.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') unknown = true;
      }
    }
  } catch {
    return undefined;
  }
  return unknown ? undefined : false;
}
