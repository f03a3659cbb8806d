// The memory of a SageMaker instance type, so a job's container gets what the cloud would give it:
// a job that runs out of memory on ml.t3.medium in SageMaker runs out locally too.

const GIB = 1024 ** 3;

/**
 * Memory in GiB of the instance types SageMaker jobs commonly ask for, from the EC2 instance
 * specifications. Families whose memory is not a whole multiple of their vCPUs (c4, c5n, p2, p3)
 * and the GPU/accelerator families are listed size by size; so are the burstable t2/t3.
 */
const INSTANCE_GIB: Readonly<Record<string, number>> = {
  // Burstable.
  't2.medium': 4, 't2.large': 8, 't2.xlarge': 16, 't2.2xlarge': 32,
  't3.medium': 4, 't3.large': 8, 't3.xlarge': 16, 't3.2xlarge': 32,
  // General purpose.
  'm4.xlarge': 16, 'm4.2xlarge': 32, 'm4.4xlarge': 64, 'm4.10xlarge': 160, 'm4.16xlarge': 256,
  'm5.large': 8, 'm5.xlarge': 16, 'm5.2xlarge': 32, 'm5.4xlarge': 64, 'm5.12xlarge': 192, 'm5.24xlarge': 384,
  'm5d.large': 8, 'm5d.xlarge': 16, 'm5d.2xlarge': 32, 'm5d.4xlarge': 64, 'm5d.12xlarge': 192, 'm5d.24xlarge': 384,
  'm6i.large': 8, 'm6i.xlarge': 16, 'm6i.2xlarge': 32, 'm6i.4xlarge': 64, 'm6i.8xlarge': 128, 'm6i.12xlarge': 192, 'm6i.16xlarge': 256, 'm6i.24xlarge': 384, 'm6i.32xlarge': 512,
  'm6g.large': 8, 'm6g.xlarge': 16, 'm6g.2xlarge': 32, 'm6g.4xlarge': 64, 'm6g.8xlarge': 128, 'm6g.12xlarge': 192, 'm6g.16xlarge': 256,
  'm7i.large': 8, 'm7i.xlarge': 16, 'm7i.2xlarge': 32, 'm7i.4xlarge': 64, 'm7i.8xlarge': 128, 'm7i.12xlarge': 192, 'm7i.16xlarge': 256, 'm7i.24xlarge': 384, 'm7i.48xlarge': 768,
  // Compute optimized.
  'c4.large': 3.75, 'c4.xlarge': 7.5, 'c4.2xlarge': 15, 'c4.4xlarge': 30, 'c4.8xlarge': 60,
  'c5.large': 4, 'c5.xlarge': 8, 'c5.2xlarge': 16, 'c5.4xlarge': 32, 'c5.9xlarge': 72, 'c5.18xlarge': 144,
  'c5d.large': 4, 'c5d.xlarge': 8, 'c5d.2xlarge': 16, 'c5d.4xlarge': 32, 'c5d.9xlarge': 72, 'c5d.18xlarge': 144,
  'c5n.large': 5.25, 'c5n.xlarge': 10.5, 'c5n.2xlarge': 21, 'c5n.4xlarge': 42, 'c5n.9xlarge': 96, 'c5n.18xlarge': 192,
  'c6i.large': 4, 'c6i.xlarge': 8, 'c6i.2xlarge': 16, 'c6i.4xlarge': 32, 'c6i.8xlarge': 64, 'c6i.12xlarge': 96, 'c6i.16xlarge': 128, 'c6i.24xlarge': 192, 'c6i.32xlarge': 256,
  // Memory optimized.
  'r5.large': 16, 'r5.xlarge': 32, 'r5.2xlarge': 64, 'r5.4xlarge': 128, 'r5.12xlarge': 384, 'r5.24xlarge': 768,
  'r5d.large': 16, 'r5d.xlarge': 32, 'r5d.2xlarge': 64, 'r5d.4xlarge': 128, 'r5d.12xlarge': 384, 'r5d.24xlarge': 768,
  // Accelerated.
  'p2.xlarge': 61, 'p2.8xlarge': 488, 'p2.16xlarge': 732,
  'p3.2xlarge': 61, 'p3.8xlarge': 244, 'p3.16xlarge': 488,
  'p3dn.24xlarge': 768,
  'p4d.24xlarge': 1152,
  'g4dn.xlarge': 16, 'g4dn.2xlarge': 32, 'g4dn.4xlarge': 64, 'g4dn.8xlarge': 128, 'g4dn.12xlarge': 192, 'g4dn.16xlarge': 256,
  'g5.xlarge': 16, 'g5.2xlarge': 32, 'g5.4xlarge': 64, 'g5.8xlarge': 128, 'g5.12xlarge': 192, 'g5.16xlarge': 256, 'g5.24xlarge': 384, 'g5.48xlarge': 768,
  'inf1.xlarge': 8, 'inf1.2xlarge': 16, 'inf1.6xlarge': 48, 'inf1.24xlarge': 192,
};

/** GiB per vCPU of the m, c and r families from generation 5 on. */
const GIB_PER_VCPU: Readonly<Record<string, number>> = { m: 4, c: 2, r: 8 };

/** Families of those that are sized otherwise; every size of theirs is in the table. */
const NOT_BY_VCPU: ReadonlySet<string> = new Set(['c5n']);

/** `m6id.8xlarge` -> family letter, generation, size; sizes as EC2 names them. */
const FALLBACK_PATTERN = /^(([mcr])(\d+)[a-z]*)\.(medium|large|xlarge|(\d+)xlarge)$/;

/**
 * The memory in bytes of an `ml.*` instance type, or undefined (no limit) for `local`,
 * `local_gpu`, no instance type and types this table does not know.
 *
 * Types not in the table fall back, for the m, c and r families of generation 5 and later, to
 * their vCPU count (medium = 1, large = 2, xlarge = 4, Nxlarge = 4N) times 4 GiB (m), 2 GiB (c)
 * or 8 GiB (r), which is how those families are sized: `ml.m6id.8xlarge` gets 128 GiB.
 */
export function instanceMemoryBytes(instanceType: string | undefined): number | undefined {
  if (instanceType === undefined || !instanceType.startsWith('ml.')) return undefined;
  const name = instanceType.slice('ml.'.length);
  const gib = INSTANCE_GIB[name] ?? fallbackGib(name);
  return gib === undefined ? undefined : gib * GIB;
}

function fallbackGib(name: string): number | undefined {
  const match = FALLBACK_PATTERN.exec(name);
  if (!match) return undefined;
  const [, familyName = '', family = '', generation = '', size = '', multiple] = match;
  // Older generations (c4, m3, r4...) are not sized in whole GiB per vCPU.
  if (Number(generation) < 5 || NOT_BY_VCPU.has(familyName)) return undefined;
  const perVcpu = GIB_PER_VCPU[family];
  if (perVcpu === undefined) return undefined;
  const vcpus = size === 'medium' ? 1 : size === 'large' ? 2 : 4 * (multiple === undefined ? 1 : Number(multiple));
  if (!Number.isSafeInteger(vcpus) || vcpus < 1) return undefined;
  return vcpus * perVcpu;
}
