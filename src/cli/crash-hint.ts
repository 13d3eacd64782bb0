/** What a child's death says about memory, for the crash notice: what the user can change. */

/**
 * The hint a child's crash gets when memory explains it, or '' when it does not:
 * - a SIGKILL nobody sent on purpose is the kernel's out-of-memory killer, most often under a container's memory
 *   limit, where children died again and again and nothing said why;
 * - a SIGABRT (how V8 and libuv end a process that could not get memory, with an "Allocation failed" trace or
 *   without one) under an address-space limit (`ulimit -v`): V8 and zlib reserve far more address space than
 *   they use, and under about 1.2 GB every compressed body killed its child where curl decoded it.
 */
export function memoryHint(reason: string, trace: string, addressSpaceLimitBytes: number | undefined): string {
  if (reason.includes('SIGKILL')) return '; a SIGKILL is most often the out-of-memory killer: under a memory limit give fewer --procs, a lower --concurrency, or a smaller --cache-bytes';
  if (addressSpaceLimitBytes === undefined || !(reason.includes('SIGABRT') || /Allocation failed|out of memory/i.test(trace))) return '';
  return `; this process runs under an address-space limit (ulimit -v) of ${(addressSpaceLimitBytes / 2 ** 30).toFixed(1)} GiB, and a child reserves much more address space than it uses: give it at least 2 GiB (ulimit -v 2097152), or none`;
}
