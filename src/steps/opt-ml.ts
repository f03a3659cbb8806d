// The /opt/ml contract of SageMaker containers: which host folders are mounted where, and the
// config files SageMaker writes before a job's container starts.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { JsonObject, JsonValue } from '../engine/json.js';
import type { ContainerMount } from '../ports/container-engine.js';

/** SageMaker's name for the single host of a one-instance job. */
export const CURRENT_HOST = 'algo-1';
const GROUP_NAME = 'homogeneousCluster';

/** `/opt/ml/input/config/resourceconfig.json` (training) and `/opt/ml/config/resourceconfig.json` (processing). */
export function resourceConfig(instanceType: string | undefined): JsonObject {
  const type = instanceType ?? 'ml.m5.xlarge';
  return {
    current_host: CURRENT_HOST,
    current_instance_type: type,
    current_group_name: GROUP_NAME,
    hosts: [CURRENT_HOST],
    instance_groups: [{ instance_group_name: GROUP_NAME, instance_type: type, hosts: [CURRENT_HOST] }],
    network_interface_name: 'eth0',
  };
}

export async function writeJson(file: string, value: JsonValue): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Host side of a training job's /opt/ml. */
export interface TrainingLayout {
  readonly root: string;
  /** /opt/ml/input/config */
  readonly configDir: string;
  /** /opt/ml/input/data/<channel> */
  channelDir(channel: string): string;
  /** /opt/ml/model */
  readonly modelDir: string;
  /** /opt/ml/output (holds `failure`) */
  readonly outputDir: string;
  /** /opt/ml/output/data */
  readonly outputDataDir: string;
  /** /opt/ml/output/failure */
  readonly failureFile: string;
  /** CheckpointConfig.LocalPath (default /opt/ml/checkpoints), when checkpoints are configured. */
  readonly checkpointDir: string | undefined;
  readonly mounts: readonly ContainerMount[];
}

export const TRAINING_PATHS = {
  input: '/opt/ml/input',
  config: '/opt/ml/input/config',
  data: '/opt/ml/input/data',
  model: '/opt/ml/model',
  output: '/opt/ml/output',
  checkpoints: '/opt/ml/checkpoints',
} as const;

/**
 * Creates the host folders of a training job under `<workDir>/opt-ml`. /opt/ml itself is not
 * mounted whole, so whatever an image ships under /opt/ml (e.g. /opt/ml/code) stays visible.
 */
export async function prepareTrainingLayout(workDir: string, checkpointLocalPath?: string): Promise<TrainingLayout> {
  const root = path.join(workDir, 'opt-ml');
  const input = path.join(root, 'input');
  const configDir = path.join(input, 'config');
  const modelDir = path.join(root, 'model');
  const outputDir = path.join(root, 'output');
  const outputDataDir = path.join(outputDir, 'data');
  const checkpointDir = checkpointLocalPath === undefined ? undefined : path.join(root, 'checkpoints');
  for (const dir of [configDir, path.join(input, 'data'), modelDir, outputDataDir, checkpointDir]) {
    if (dir !== undefined) await mkdir(dir, { recursive: true });
  }
  const mounts: ContainerMount[] = [
    { hostPath: input, containerPath: TRAINING_PATHS.input },
    { hostPath: modelDir, containerPath: TRAINING_PATHS.model },
    { hostPath: outputDir, containerPath: TRAINING_PATHS.output },
  ];
  if (checkpointDir !== undefined && checkpointLocalPath !== undefined) {
    mounts.push({ hostPath: checkpointDir, containerPath: checkpointLocalPath });
  }
  return {
    root,
    configDir,
    channelDir: (channel) => path.join(input, 'data', channel),
    modelDir,
    outputDir,
    outputDataDir,
    failureFile: path.join(outputDir, 'failure'),
    checkpointDir,
    mounts,
  };
}

/** Host side of a processing job: /opt/ml/config plus one folder per input and output LocalPath. */
export interface ProcessingLayout {
  readonly root: string;
  /** /opt/ml/config */
  readonly configDir: string;
  /** Host folder of each input, in declaration order. */
  readonly inputDirs: readonly string[];
  /** Host folder of each output, in declaration order. */
  readonly outputDirs: readonly string[];
  /** Parents before children, so nested LocalPaths mount in the right order. */
  readonly mounts: readonly ContainerMount[];
}

export const PROCESSING_CONFIG_PATH = '/opt/ml/config';

export async function prepareProcessingLayout(
  workDir: string,
  inputLocalPaths: readonly string[],
  outputLocalPaths: readonly string[],
): Promise<ProcessingLayout> {
  const root = path.join(workDir, 'opt-ml');
  const configDir = path.join(root, 'config');
  await mkdir(configDir, { recursive: true });
  const inputDirs = inputLocalPaths.map((_, index) => path.join(root, 'inputs', String(index)));
  const outputDirs = outputLocalPaths.map((_, index) => path.join(root, 'outputs', String(index)));
  for (const dir of [...inputDirs, ...outputDirs]) await mkdir(dir, { recursive: true });
  const mounts: ContainerMount[] = [
    { hostPath: configDir, containerPath: PROCESSING_CONFIG_PATH },
    ...inputLocalPaths.map((localPath, index) => ({ hostPath: inputDirs[index] ?? '', containerPath: localPath })),
    ...outputLocalPaths.map((localPath, index) => ({ hostPath: outputDirs[index] ?? '', containerPath: localPath })),
  ];
  mounts.sort((a, b) => depth(a.containerPath) - depth(b.containerPath));
  return { root, configDir, inputDirs, outputDirs, mounts };
}

function depth(containerPath: string): number {
  return path.posix.normalize(containerPath).split('/').filter(Boolean).length;
}
