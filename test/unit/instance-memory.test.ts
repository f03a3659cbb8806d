// The memory a job's container gets from its instance type: what the instance has in the cloud.
import { describe, expect, it } from 'vitest';
import { instanceMemoryBytes } from '../../src/steps/instance-memory.js';

const GIB = 1024 ** 3;

describe('instanceMemoryBytes', () => {
  it.each([
    ['ml.t3.medium', 4],
    ['ml.t2.2xlarge', 32],
    ['ml.m4.10xlarge', 160],
    ['ml.m5.large', 8],
    ['ml.m5.xlarge', 16],
    ['ml.m5d.24xlarge', 384],
    ['ml.m6g.16xlarge', 256],
    ['ml.m7i.48xlarge', 768],
    ['ml.c4.xlarge', 7.5],
    ['ml.c4.large', 3.75],
    ['ml.c5.9xlarge', 72],
    ['ml.c5n.large', 5.25],
    ['ml.c5n.9xlarge', 96],
    ['ml.c6i.32xlarge', 256],
    ['ml.r5.large', 16],
    ['ml.r5d.12xlarge', 384],
    ['ml.p2.xlarge', 61],
    ['ml.p2.16xlarge', 732],
    ['ml.p3.2xlarge', 61],
    ['ml.p3.8xlarge', 244],
    ['ml.p3dn.24xlarge', 768],
    ['ml.p4d.24xlarge', 1152],
    ['ml.g4dn.xlarge', 16],
    ['ml.g5.48xlarge', 768],
    ['ml.inf1.6xlarge', 48],
  ])('%s has %s GiB, as in the cloud', (type, gib) => {
    expect(instanceMemoryBytes(type)).toBe(gib * GIB);
  });

  it('gives whole bytes for fractional GiB, as Docker needs', () => {
    expect(instanceMemoryBytes('ml.c4.large')).toBe(4_026_531_840);
    expect(instanceMemoryBytes('ml.c5n.large')).toBe(5_637_144_576);
  });

  it.each([
    ['an m size not in the table: 4 GiB per vCPU', 'ml.m5.8xlarge', 128],
    ['a newer m family', 'ml.m6id.large', 8],
    ['a Graviton medium (1 vCPU)', 'ml.m6g.medium', 4],
    ['a c family: 2 GiB per vCPU', 'ml.c7i.xlarge', 8],
    ['a c size not in the table', 'ml.c5.12xlarge', 96],
    ['an r family: 8 GiB per vCPU', 'ml.r6i.4xlarge', 128],
    ['an r size not in the table', 'ml.r5.8xlarge', 256],
  ])('falls back to the vCPU count for %s (%s: %s GiB)', (_label, type, gib) => {
    expect(instanceMemoryBytes(type)).toBe(gib * GIB);
  });

  it.each([
    ['no instance type', undefined],
    ['local mode', 'local'],
    ['local GPU mode', 'local_gpu'],
    ['an unknown family', 'ml.x1.32xlarge'],
    ['an unknown size of a tabled family', 'ml.p3.4xlarge'],
    ['a c5n size the cloud does not have (not sized by vCPU)', 'ml.c5n.12xlarge'],
    ['an older generation outside the table', 'ml.r4.large'],
    ['an EC2 name without ml.', 'm5.xlarge'],
    ['a malformed size', 'ml.m5.hugexlarge'],
    ['an empty string', ''],
  ])('sets no limit for %s (%s)', (_label, type) => {
    expect(instanceMemoryBytes(type)).toBeUndefined();
  });
});
