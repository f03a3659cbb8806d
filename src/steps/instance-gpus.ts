// The GPUs of a SageMaker instance type, so a job on ml.g5.12xlarge asks the container engine for
// the four GPUs it would have in the cloud (and `local_gpu` for all of them).

/** GPUs per instance type that is not one GPU, from the EC2 instance specifications. */
const MULTI_GPU: Readonly<Record<string, number>> = {
  'p2.8xlarge': 8, 'p2.16xlarge': 16,
  'p3.8xlarge': 4, 'p3.16xlarge': 8, 'p3dn.24xlarge': 8,
  'p4d.24xlarge': 8, 'p4de.24xlarge': 8,
  'p5.48xlarge': 8, 'p5e.48xlarge': 8, 'p5en.48xlarge': 8,
  'g4dn.12xlarge': 4, 'g4dn.metal': 8,
  'g4ad.16xlarge': 4,
  'g5.12xlarge': 4, 'g5.24xlarge': 4, 'g5.48xlarge': 8,
  'g6.12xlarge': 4, 'g6.24xlarge': 4, 'g6.48xlarge': 8,
  'g6e.12xlarge': 4, 'g6e.24xlarge': 4, 'g6e.48xlarge': 8,
  'g3.8xlarge': 2, 'g3.16xlarge': 4,
};

/** GPU families: `ml.g*` and `ml.p*` (gr6 and g5g included); every other size has one GPU. */
const GPU_FAMILY = /^(?:g|p)\d+[a-z]*\.[a-z0-9]+$/;

/**
 * How many GPUs a job on `instanceType` has: -1 for `local_gpu` (all the engine has), undefined for
 * instance types without GPUs (and no instance type).
 */
export function instanceGpuCount(instanceType: string | undefined): number | undefined {
  if (instanceType === 'local_gpu') return -1;
  if (instanceType === undefined || !instanceType.startsWith('ml.')) return undefined;
  const name = instanceType.slice('ml.'.length);
  if (!GPU_FAMILY.test(name)) return undefined;
  return MULTI_GPU[name] ?? 1;
}
