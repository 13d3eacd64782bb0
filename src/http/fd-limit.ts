import { readFileSync, readdirSync } from 'node:fs';

/**
 * The soft RLIMIT_NOFILE this process actually has, or undefined when it
 * cannot be read (not Linux) or is unlimited. Node 20 has no
 * process.getrlimit(), so it is read from /proc/self/limits; it is per
 * process, and `ulimit -n` or `prlimit` may have set it below the usual 1024.
 */
export function openFileLimit(): number | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
  const soft = /^Max open files\s+(\S+)/m.exec(text)?.[1];
  const limit = soft === undefined ? NaN : Number(soft);
  return Number.isSafeInteger(limit) && limit > 0 ? limit : undefined;
}

/** Descriptors this process has open now, or undefined when that cannot be read (not Linux, or none left to read it with). */
export function openFileCount(): number | undefined {
  try {
    // The directory's own descriptor is listed too.
    return readdirSync('/proc/self/fd').length - 1;
  } catch {
    return undefined;
  }
}
