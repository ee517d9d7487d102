import { readFile, readlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { readThrownProperty } from '../errors/thrown.js';

/**
 * Who a process is, as far as another process may be able to check it: its pid, its host (host
 * name, and on Linux the kernel's boot id and the pid namespace, so that a pid is only compared
 * within the pid space it belongs to), and on Linux its start time (to tell a live process from
 * another that was given the same pid later).
 */
export interface ProcessIdentity {
  readonly pid: number;
  readonly hostname: string;
  /** `/proc/sys/kernel/random/boot_id` (Linux): changes at every boot. */
  readonly bootId?: string | undefined;
  /** `readlink /proc/self/ns/pid` (Linux), e.g. `pid:[4026531836]`: each container has its own. */
  readonly pidNamespace?: string | undefined;
  /** Field 22 of `/proc/<pid>/stat` (Linux): start time in clock ticks since boot. */
  readonly processStart?: string | undefined;
}

let self: Promise<ProcessIdentity> | undefined;

/** This process's identity (read once; the Linux parts are left out where /proc cannot be read). */
export function thisProcess(): Promise<ProcessIdentity> {
  self ??= (async () => {
    const [bootId, pidNamespace, processStart] = await Promise.all([
      readFile('/proc/sys/kernel/random/boot_id', 'utf8').then(
        (text) => text.trim() || undefined,
        () => undefined,
      ),
      readlink('/proc/self/ns/pid').catch(() => undefined),
      startTimeOf(process.pid),
    ]);
    return { pid: process.pid, hostname: hostname(), bootId, pidNamespace, processStart };
  })();
  return self;
}

/**
 * The start time of process `pid` (Linux, in clock ticks since boot), or undefined when it cannot
 * be read (no such process, no /proc, or /proc mounted with `hidepid`).
 */
export async function startTimeOf(pid: number): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // `pid (comm) state ppid ...`: comm may hold spaces and parentheses, so fields are counted from
  // the last ')'. Field 3 (state) is the first after it; starttime is field 22.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const start = fields[22 - 3];
  return start !== undefined && /^\d+$/.test(start) ? start : undefined;
}

/**
 * True when a process `pid` exists in this process's pid space (signal 0: EPERM means it exists but
 * belongs to another user). `pid` must be a positive integer: 0 and negative numbers name process
 * groups.
 */
export function pidExists(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return readThrownProperty(error, 'code') === 'EPERM';
  }
}
