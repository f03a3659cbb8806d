// The `pipWheels` folder: mounted into training containers with pip pointed at it, so a source
// directory's requirements.txt installs offline.
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { PIP_WHEELS_DIR, pipWheelsSetup } from '../../src/steps/job-container.js';
import { TrainingExecutor } from '../../src/steps/training-executor.js';
import { executorContext } from './support/executor-context.js';
import { TEST_CONFIG, jobDeps } from './support/job-deps.js';
import { trainingStep } from './support/pipeline-builders.js';

describe('pipWheels', () => {
  it('is read from SAGESIM_PIP_WHEELS (relative to cwd), else unset', () => {
    expect(resolveConfig({ cwd: '/work' }, { SAGESIM_PIP_WHEELS: 'wheels' }).pipWheels).toBe('/work/wheels');
    expect(resolveConfig({ cwd: '/work' }, {}).pipWheels).toBeUndefined();
  });

  it.each([
    ['no index named: pip looks only in the folder', {}, { PIP_FIND_LINKS: PIP_WHEELS_DIR, PIP_NO_INDEX: '1' }],
    ['the step names an index: pip may use it too', { PIP_INDEX_URL: 'http://127.0.0.1:8080/simple' }, { PIP_FIND_LINKS: PIP_WHEELS_DIR }],
  ])('%s', (_label, stepEnv, expected) => {
    expect(pipWheelsSetup({ pipWheels: '/host/wheels' }, stepEnv)).toEqual({
      mounts: [{ hostPath: '/host/wheels', containerPath: PIP_WHEELS_DIR, readOnly: true }],
      env: expected,
    });
  });

  it('a training container gets the folder read-only and PIP_FIND_LINKS; the step\'s own PIP_* win', async () => {
    const deps = jobDeps(undefined, { config: { ...TEST_CONFIG, pipWheels: '/host/wheels' } });
    const step = trainingStep('Train', { args: { Environment: { PIP_NO_INDEX: '0' } } });
    await new TrainingExecutor(deps).execute(await executorContext(step));
    const spec = deps.runtime.specs[0];
    expect(spec?.mounts).toContainEqual({ hostPath: '/host/wheels', containerPath: PIP_WHEELS_DIR, readOnly: true });
    expect(spec?.env).toMatchObject({ PIP_FIND_LINKS: PIP_WHEELS_DIR, PIP_NO_INDEX: '0' });
  });

  it('without it, nothing is mounted', async () => {
    const deps = jobDeps();
    await new TrainingExecutor(deps).execute(await executorContext(trainingStep('Train')));
    expect(deps.runtime.specs[0]?.env['PIP_FIND_LINKS']).toBeUndefined();
  });
});
