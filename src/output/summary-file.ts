/**
 * The --summary FILE on disk: an earlier run's taken away as a run starts, and this run's written at its end,
 * through a symlink or a descriptor's name (/dev/stderr) as the user pointed it.
 */
import { writeFileSync } from 'node:fs';
import { readlink, rm, truncate, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { descriptorNamed, regularFileDescriptor } from '../input/descriptor-name.js';
import { isRegularFile } from '../input/input-size.js';

/**
 * A summary file a run before left: one must not pass for this run's (which may write none: its output failed, its
 * reader went, it was killed). A regular file only. Through a symlink (`--summary latest.json`), the file it names
 * is emptied and the link kept: rm removed the link itself. Never one that goes through /dev or /proc: `--summary
 * /dev/stderr 2>>run.log` names the log, and rm made /dev/stderr a file of its own.
 */
export async function dropEarlierSummary(path: unknown): Promise<void> {
  if (typeof path !== 'string' || !isRegularFile(path)) return;
  const leadsTo = await symlinkLeadsTo(path);
  if (leadsTo === 'no link') await rm(path, { force: true }).catch(() => undefined);
  else if (leadsTo === 'file') await truncate(path, 0).catch(() => undefined);
}

/**
 * Writes the summary. Through /dev/stderr or /proc/self/fd/N it is added to what the descriptor holds: written
 * 'w', it emptied the log that `2>>run.log` was adding the run's messages to.
 */
export async function writeSummaryFile(path: string, json: string): Promise<void> {
  // `--summary /dev/stderr 2>run.log`: through fd 2 itself, after the human summary, not over it.
  const writtenThrough = regularFileDescriptor(path);
  if (writtenThrough !== undefined) return writeFileSync(writtenThrough, json);
  const leadsTo = await symlinkLeadsTo(path);
  try {
    await writeFile(path, json, { flag: leadsTo === 'descriptor' ? 'a' : 'w' });
  } catch (error) {
    // A full disk left the file made and empty, or cut: a script that checks it is there took it for this run's.
    // A regular file only: --summary /dev/full is no file to remove.
    if (leadsTo === 'no link' && isRegularFile(path)) await rm(path, { force: true }).catch(() => undefined);
    throw error;
  }
}

/**
 * Whether `path` is a symlink, and where its links lead: to a file, or to a descriptor's name (/dev/stderr,
 * /proc/self/fd/2), the path itself or any link on the way. The path was not looked at itself: `--summary
 * /proc/self/fd/2 2>>run.log` read as a link to a file, and the log was emptied.
 */
async function symlinkLeadsTo(path: string): Promise<'no link' | 'file' | 'descriptor'> {
  let at = path;
  for (let hop = 0; hop < 40; hop++) {
    if (descriptorNamed(at) !== undefined) return 'descriptor';
    const target = await readlink(at).catch(() => undefined);
    if (target === undefined) return hop === 0 ? 'no link' : 'file';
    at = resolve(dirname(at), target);
  }
  return 'descriptor';
}
