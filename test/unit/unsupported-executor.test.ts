import { describe, expect, it } from 'vitest';
import { UNSUPPORTED_STEP_TYPES, createUnsupportedExecutors, isUnsupportedStepType } from '../../src/steps/unsupported-executor.js';
import { executorContext } from './support/executor-context.js';

/** How each type reads in a sentence, with its article. */
const SPOKEN: Readonly<Record<(typeof UNSUPPORTED_STEP_TYPES)[number], string>> = {
  EMR: 'an EMR',
  QualityCheck: 'a QualityCheck',
  ClarifyCheck: 'a ClarifyCheck',
  AutoML: 'an AutoML',
};

describe('step types that do not run locally', () => {
  it.each(UNSUPPORTED_STEP_TYPES)('%s fails with STEP_TYPE_NOT_LOCAL and says how to stub it', async (type) => {
    const executor = createUnsupportedExecutors().find((e) => e.stepType === type);
    expect(executor).toBeDefined();
    const context = await executorContext({ Name: `My${type}`, Type: type, Arguments: {} });
    const failure = executor!.execute(context);
    await expect(failure).rejects.toMatchObject({ name: 'StepFailure', code: 'STEP_TYPE_NOT_LOCAL', source: 'user' });
    await expect(failure).rejects.toThrow(`--stub My${type}`);
    await expect(failure).rejects.toThrow('--stubs stubs.json');
    await expect(failure).rejects.toThrow(`is ${SPOKEN[type]} step, which does not run locally`);
  });

  it('knows which types are unsupported', () => {
    expect(isUnsupportedStepType('EMR')).toBe(true);
    expect(isUnsupportedStepType('Training')).toBe(false);
  });
});
