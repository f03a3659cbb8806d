// Who owns a container, written into its labels, and when a sweep may remove it. A Docker engine is
// shared: by other sagesim processes on this machine, by CI jobs in other containers (other PID
// namespaces) using the host's socket, by other machines through a remote DOCKER_HOST. A pid means
// something only on the host and in the PID namespace where it was taken, so a container is an
// orphan only when its labels prove its owner ran here, in this namespace, and is gone.
import { readFileSync } from 'node:fs';
import { type ProcessProbe, systemProcessProbe } from './process-probe.js';
import { PID_LABEL } from './container-engine.js';
/** The host name of the machine (or container) that sagesim ran on. */
export const OWNER_HOST_LABEL = 'sagesim.owner-host';
/** Its PID namespace (`pid:[4026531836]`): pids of other namespaces mean other processes. */
export const OWNER_PID_NAMESPACE_LABEL = 'sagesim.owner-pid-ns';
/** The kernel's boot id when it started: a container from before a reboot has a dead owner. */
export const OWNER_BOOT_LABEL = 'sagesim.owner-boot-id';
/** The owner's start time (clock ticks since boot): a reused pid is not taken for the owner. */
export const OWNER_START_LABEL = 'sagesim.owner-start';

/** ProcessProbe plus what places a pid: tests pass a fake. */
export interface OwnerProbe extends ProcessProbe {
  /** `pid:[inode]` of this process's PID namespace, or undefined where it cannot be read. */
  readonly pidNamespace: string | undefined;
  /** /proc/sys/kernel/random/boot_id, or undefined where it cannot be read. */
  readonly bootId: string | undefined;
}

function readOr(read: () => string): string | undefined {
  try {
    return read().trim() || undefined;
  } catch {
    return undefined;
  }
}

/** This process, as the kernel (Linux /proc) describes it; undefined fields elsewhere. */
export function systemOwnerProbe(): OwnerProbe {
  return {
    ...systemProcessProbe,
    pidNamespace: systemProcessProbe.pidNamespace,
    bootId: readOr(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8')),
  };
}

/** The labels that name this process as a container's owner. */
export function ownerLabels(probe: OwnerProbe): Record<string, string> {
  const start = probe.startOf(probe.pid);
  return {
    [PID_LABEL]: String(probe.pid),
    [OWNER_HOST_LABEL]: probe.hostname,
    ...(probe.pidNamespace === undefined ? {} : { [OWNER_PID_NAMESPACE_LABEL]: probe.pidNamespace }),
    ...(probe.bootId === undefined ? {} : { [OWNER_BOOT_LABEL]: probe.bootId }),
    ...(start === undefined ? {} : { [OWNER_START_LABEL]: start }),
  };
}

/**
 * Why a container's owner is provably gone, or undefined when it may still be running (or cannot
 * be judged from here): labels of another host or PID namespace, or labels missing (containers of
 * an older sagesim, or of a system without /proc) are never enough to remove a container.
 */
export function ownerGone(labels: Readonly<Record<string, string | undefined>>, probe: OwnerProbe): string | undefined {
  const pid = Number(labels[PID_LABEL]);
  const host = labels[OWNER_HOST_LABEL];
  const namespace = labels[OWNER_PID_NAMESPACE_LABEL];
  if (!Number.isSafeInteger(pid) || pid <= 0 || host === undefined || namespace === undefined) return undefined;
  if (host !== probe.hostname || probe.pidNamespace === undefined || namespace !== probe.pidNamespace) return undefined;
  const boot = labels[OWNER_BOOT_LABEL];
  if (boot !== undefined && probe.bootId !== undefined && boot !== probe.bootId) return `its sagesim process ${pid} ran before this machine rebooted`;
  if (pid === probe.pid) return undefined;
  if (!probe.alive(pid)) return `its sagesim process ${pid} is gone`;
  const start = labels[OWNER_START_LABEL];
  const now = probe.startOf(pid);
  // Alive with the same start, or no way to tell: it may be the owner, still at work.
  if (start === undefined || now === undefined || start === now) return undefined;
  return `its sagesim process ${pid} is gone (the pid now belongs to a process started later)`;
}
