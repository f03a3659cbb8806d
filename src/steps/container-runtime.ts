// Moved to ports/container-engine.ts (the container-engine port). Kept while branches written
// against the old path land; import from ports/container-engine.ts in new code.
export {
  EXECUTION_ID_LABEL,
  LineTail,
  LOG_TAIL_LINES,
  PID_LABEL,
  STEP_LABEL,
  type ContainerExit,
  type ContainerLabels,
  type ContainerMount,
  type ContainerRuntime,
  type ContainerSpec,
  type GpuSupport,
  type RunningContainer,
  type RunOptions,
  type SweepFilter,
} from '../ports/container-engine.js';
