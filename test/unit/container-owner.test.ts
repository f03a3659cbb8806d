// A sweep removes a container only when its labels prove the owner ran on this host, in this PID
// namespace, and is gone: never another live sagesim's, never another host's or namespace's.
import { describe, expect, it } from 'vitest';
import { type OwnerProbe, ownerGone, ownerLabels, systemOwnerProbe } from '../../src/ports/container-owner.js';

/** Host `laptop`, namespace `pid:[1]`, boot `boot-a`, where only the pids in `alive` run (with their start ticks). */
function probe(alive: Readonly<Record<number, string | undefined>>, overrides: Partial<OwnerProbe> = {}): OwnerProbe {
  return {
    hostname: 'laptop',
    pid: 1,
    alive: (pid) => pid in alive,
    startOf: (pid) => alive[pid],
    pidNamespace: 'pid:[1]',
    bootId: 'boot-a',
    ...overrides,
  };
}

const OWNER = {
  'sagesim.pid': '4242',
  'sagesim.owner-host': 'laptop',
  'sagesim.owner-pid-ns': 'pid:[1]',
  'sagesim.owner-boot-id': 'boot-a',
  'sagesim.owner-start': '9001',
};

describe('ownerGone', () => {
  it.each<[string, Record<string, string>, OwnerProbe, RegExp | undefined]>([
    ['same host and namespace, owner pid gone', OWNER, probe({}), /process 4242 is gone/],
    ['owner pid reused by a process started later', OWNER, probe({ 4242: '12345' }), /started later/],
    ['owner before a reboot', OWNER, probe({ 4242: '9001' }, { bootId: 'boot-b' }), /rebooted/],
    ['owner alive with the same start: spared', OWNER, probe({ 4242: '9001' }), undefined],
    ['owner alive, start unknown: spared', OWNER, probe({ 4242: undefined }), undefined],
    ['another host (a remote DOCKER_HOST user): spared', { ...OWNER, 'sagesim.owner-host': 'ci-runner' }, probe({}), undefined],
    ['another PID namespace (a CI job container on the host socket): spared', { ...OWNER, 'sagesim.owner-pid-ns': 'pid:[2]' }, probe({}), undefined],
    ['this process cannot read its namespace: spared', OWNER, probe({}, { pidNamespace: undefined }), undefined],
    ['a pid label only (an older sagesim): spared', { 'sagesim.pid': '4242' }, probe({}), undefined],
    ['no labels: spared', {}, probe({}), undefined],
    ['this very process: spared', { ...OWNER, 'sagesim.pid': '1' }, probe({}), undefined],
  ])('%s', (_label, labels, p, expected) => {
    const reason = ownerGone(labels, p);
    if (expected === undefined) expect(reason).toBeUndefined();
    else expect(reason).toMatch(expected);
  });
});

describe('ownerLabels', () => {
  it('names the pid, host, namespace, boot and start of the process', () => {
    expect(ownerLabels(probe({ 1: '77' }))).toEqual({ ...OWNER, 'sagesim.pid': '1', 'sagesim.owner-start': '77' });
  });

  it('on this machine, labels this process so that it is never its own orphan', () => {
    const system = systemOwnerProbe();
    const labels = ownerLabels(system);
    expect(labels['sagesim.owner-pid-ns']).toMatch(/^pid:\[\d+\]$/);
    expect(ownerGone(labels, system)).toBeUndefined();
  });
});
