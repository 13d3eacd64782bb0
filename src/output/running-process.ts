import { readFileSync } from 'node:fs';

/** Whether a process with this pid is running (one of another user's counts: EPERM). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let bootId: string | undefined;

/**
 * Which process a pid names, for as long as the machine runs: the boot's id and the process's start time (clock
 * ticks since boot, /proc/PID/stat's 22nd field). A pid is reused, soon after a reboot or a container's restart
 * above all: a lock naming the pid of a run killed outright then looked held by whatever daemon got that pid, and
 * every later run was refused until a person deleted it. Undefined where /proc does not say (not Linux, hidepid).
 */
export function processIdentity(pid: number): string | undefined {
  try {
    bootId ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command's name, in parentheses, may hold spaces and parentheses: the fields after it are counted from its last ')'.
    const startTime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    return startTime === undefined || bootId === '' ? undefined : `${bootId}:${startTime}`;
  } catch {
    return undefined;
  }
}
