import { readFileSync, readlinkSync } from 'node:fs';
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
  const space = thisPidSpace();
  const start = startTimeOf(process.pid);
  return space === undefined || start === undefined ? undefined : `${space.host}/${space.boot}/${space.namespace}/${start}`;
}

const IDENTITY = /^([^/\s]+)\/([^/\s]+)\/(\d+)\/(\d+)$/;

/**
 * Whether the process that wrote `identity` (ownIdentity) beside `pid` still runs. A pid is reused, soon after
 * a reboot above all: a lock naming the pid of a run killed outright looked held by whatever daemon got that
 * pid next, and every later run was refused until a person deleted it. Judged here where it can be: on this
 * machine, after a reboot nothing of the run runs; in this boot and PID namespace, the pid must name a
 * process started when the run's did. From another machine (a shared disk) or another PID namespace (a
 * container on the same volume) the pid means nothing here, and it is taken as it was before identities: held
 * while a process with that pid runs. So is a lock without an identity, or with words of a person's.
 */
export function stillRuns(pid: number, identity: string | undefined): boolean {
  const running = isRunning(pid);
  const written = identity === undefined ? null : IDENTITY.exec(identity);
  const space = thisPidSpace();
  if (!written || space === undefined || written[1] !== space.host) return running;
  if (written[2] !== space.boot) return false;
  if (written[3] !== space.namespace || !running) return running;
  const start = startTimeOf(pid);
  return start === undefined || start === written[4];
}
