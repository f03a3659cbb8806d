// What this host knows about its processes: who runs an execution or holds a lock, and whether
// that process is still there. The engine judges an owner through this port; the system probe
// reads the kernel (process.kill(pid, 0), Linux /proc), tests pass a fake.
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

export interface ProcessProbe {
  readonly hostname: string;
  readonly pid: number;
  /** `pid:[inode]` of this process's PID namespace, when it can be read. */
  readonly pidNamespace?: string | undefined;
  /** Whether a process with this pid exists on this host (whoever owns it). */
  alive(pid: number): boolean;
  /** The kernel's start time of a process, when cheap to read: tells a reused pid from the owner. */
  startOf(pid: number): string | undefined;
}

export const systemProcessProbe: ProcessProbe = {
  hostname: hostname(),
  pid: process.pid,
  pidNamespace: ownPidNamespace(),
  alive(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      // EPERM: it exists but belongs to another user.
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
  startOf(pid) {
    try {
      // Field 22 (starttime, in clock ticks since boot), counted after the parenthesised command
      // name, which may itself hold spaces and parentheses.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    } catch {
      return undefined;
    }
  },
};

function ownPidNamespace(): string | undefined {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
}
