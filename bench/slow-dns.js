// @ts-check
// A DNS server for the bench's `dns` scenario: answers every A query with 127.0.0.1 after a fixed delay
// (TTL 0, so nothing is cached on the way), and AAAA queries with no records. It stands in for a
// resolver that has not cached the names of a list: real lookups of names a resolver has not seen
// take tens of milliseconds. It listens on a loopback address of its own, port 53, which only root
// may bind; the contenders reach it through a mount namespace whose /etc/resolv.conf names it
// (withResolver), so nothing else on the machine asks it anything, and it never asks anyone.
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { DATA_DIR } from './inputs.js';

const TYPE_A = 1;

/**
 * @param {{ address: string, delayMs: number }} o
 * @returns {Promise<{ queries: () => number, stop: () => Promise<void> }>}
 */
export function startSlowDns({ address, delayMs }) {
  const socket = dgram.createSocket('udp4');
  let queries = 0;
  socket.on('message', (msg, peer) => {
    if (msg.length < 17) return;
    queries++;
    // The question: labels from byte 12, then its type and class.
    let i = 12;
    while (i < msg.length && msg[i] !== 0) i += /** @type {number} */ (msg[i]) + 1;
    const end = i + 5;
    if (end > msg.length) return;
    const type = msg.readUInt16BE(i + 1);
    const header = Buffer.from(msg.subarray(0, 12));
    header.writeUInt16BE(0x8180, 2); // a response, recursion desired and available, no error
    header.writeUInt16BE(1, 4); // one question
    header.writeUInt16BE(type === TYPE_A ? 1 : 0, 6); // one answer for A, none otherwise
    header.writeUInt32BE(0, 8); // no authority or additional records
    const parts = [header, msg.subarray(12, end)];
    // A pointer to the name at byte 12, type A, class IN, TTL 0, 4 bytes: 127.0.0.1.
    if (type === TYPE_A) parts.push(Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 127, 0, 0, 1]));
    setTimeout(() => socket.send(Buffer.concat(parts), peer.port, peer.address), delayMs);
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(53, address, () => resolve({
      queries: () => queries,
      stop: () => new Promise((done) => socket.close(() => done(undefined))),
    }));
  });
}

/**
 * A command prefix that runs a command in a mount namespace of its own where /etc/resolv.conf
 * names only `address` (unshare -m, root only). Returns the reason when this machine cannot.
 * @param {string} address
 * @returns {{ via: string[] } | { reason: string }}
 */
export function withResolver(address) {
  if (process.getuid?.() !== 0) return { reason: 'needs root (port 53 and a mount namespace)' };
  // One file, rewritten by every run (like the input lists beside it), not a temporary directory per run.
  fs.mkdirSync(DATA_DIR, { recursive: true });
  const file = path.join(DATA_DIR, `resolv-${address}.conf`);
  fs.writeFileSync(file, `nameserver ${address}\noptions attempts:1 timeout:5\n`);
  const via = ['unshare', '-m', 'sh', '-c', 'mount --bind "$0" /etc/resolv.conf && exec "$@"', file];
  const probe = spawnSync(via[0] ?? 'unshare', [...via.slice(1), 'cat', '/etc/resolv.conf'], { encoding: 'utf8' });
  if (probe.status !== 0 || !probe.stdout.includes(address)) return { reason: `unshare -m failed: ${(probe.stderr || '').trim().split('\n')[0]}` };
  return { via };
}
