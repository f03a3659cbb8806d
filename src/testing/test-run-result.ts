// What a test asserts on after a run: the execution's status and failure, and per step its status,
// attempts, properties, condition outcome, property files and output parameters. Unknown names
// throw with the list of known ones, so a typo fails loudly instead of reading `undefined`.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { StepType } from '../engine/definition-types.js';
import type { ExecutionRecord, ExecutionStatus, StepRecord, StepStatus } from '../engine/execution-record.js';
import { walkProperties } from '../engine/expressions.js';
import { hintInMessage } from './hint-in-message.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../engine/json.js';
import { parsePropertyPath } from '../engine/reference-path.js';
import { SagesimError } from '../errors.js';
import { withArticle } from '../util/article.js';

/** One step of a finished test run. */
export interface TestStep {
  readonly name: string;
  readonly type: StepType;
  /** `Skipped` for steps that did not run (branch not taken, upstream failed, not selected). */
  readonly status: StepStatus;
  /** Attempts made (retries included); 0 for a step that did not run. */
  readonly attempts: number;
  readonly failureReason: string | undefined;
  /** Why a skipped step did not run. */
  readonly skipReason: string | undefined;
  /** The step's arguments after every expression was resolved: what the job was given. */
  readonly resolvedArguments: JsonObject | undefined;
  /** Describe*-shaped properties (`Steps.<name>.*` references read these); `{}` when none. */
  readonly properties: JsonObject;
  /** A Condition step's outcome; undefined for other steps and conditions that did not run. */
  readonly outcome: boolean | undefined;
  /** Lambda / Callback output parameters; `{}` when none. */
  readonly outputParameters: Readonly<Record<string, JsonValue>>;
  /** The result came from the cache (CacheConfig). */
  readonly cacheHit: boolean;
  /** The result was copied from another execution (selective execution). */
  readonly reused: boolean;
  /** A parsed property file (PropertyFileName); throws when the step has no such file. */
  propertyFile(name: string): JsonValue;
  /**
   * A property by the path a `Steps.<name>.` reference would use, e.g.
   * `ModelArtifacts.S3ModelArtifacts` or `ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri`.
   * Throws when the path does not exist.
   */
  property(propertyPath: string): JsonValue;
  /** The step's log (container output, stub and fault lines); empty when it wrote none. */
  log(): Promise<string>;
  /** The record as the store keeps it. */
  readonly record: Readonly<StepRecord>;
}

/** A finished test run. */
export interface TestRunResult {
  readonly executionId: string;
  readonly executionArn: string;
  readonly status: ExecutionStatus;
  /** The execution's FailureReason (`Step failure: ...`); a Fail step's message is on that step. */
  readonly failureReason: string | undefined;
  /** Every step, in the order they were recorded. */
  readonly steps: readonly TestStep[];
  /** One step by name; throws listing the step names when there is no such step. */
  step(name: string): TestStep;
  /** A Condition step's outcome (true / false), or undefined when it did not run. */
  conditionOutcome(name: string): boolean | undefined;
  /** The execution record as the store keeps it. */
  readonly record: Readonly<ExecutionRecord>;
}

export function testRunResult(record: ExecutionRecord, executionDir: string): TestRunResult {
  const steps = record.steps.map((step) => testStep(step, executionDir));
  const step = (name: string): TestStep => {
    const found = steps.find((s) => s.name === name);
    if (!found) {
      throw hintInMessage(
        new SagesimError('TEST_UNKNOWN_STEP', `execution ${record.executionId} has no step "${name}"`, {
          source: 'user',
          hint: `steps are: ${steps.map((s) => s.name).join(', ')}`,
        }),
      );
    }
    return found;
  };
  return {
    executionId: record.executionId,
    executionArn: record.executionArn,
    status: record.status,
    failureReason: record.failureReason,
    steps,
    step,
    conditionOutcome: (name) => {
      const found = step(name);
      if (found.type !== 'Condition') {
        throw new SagesimError('TEST_NOT_A_CONDITION', `step "${name}" is ${withArticle(found.type)} step, not a Condition`, { source: 'user' });
      }
      return found.outcome;
    },
    record,
  };
}

function testStep(record: StepRecord, executionDir: string): TestStep {
  const properties = record.properties ?? {};
  const outcome = record.metadata.Condition?.Outcome;
  return {
    name: record.stepName,
    type: record.stepType,
    status: record.status,
    attempts: record.attemptCount,
    failureReason: record.failureReason,
    skipReason: record.skipReason,
    resolvedArguments: isJsonObject(record.resolvedArguments ?? null) ? (record.resolvedArguments as JsonObject) : undefined,
    properties,
    outcome: outcome === undefined ? undefined : outcome === 'True',
    outputParameters: record.outputParameters ?? {},
    cacheHit: record.cacheHit !== undefined,
    reused: record.reusedFrom !== undefined,
    propertyFile: (name) => {
      const files = record.propertyFiles ?? {};
      if (!Object.hasOwn(files, name)) {
        const known = Object.keys(files);
        throw hintInMessage(new SagesimError('TEST_UNKNOWN_PROPERTY_FILE', `step "${record.stepName}" has no property file "${name}" (status ${record.status})`, {
          source: 'user',
          hint: known.length > 0 ? `its property files are: ${known.join(', ')}` : 'it read no property file: did it succeed, and does it declare PropertyFiles?',
        }));
      }
      return files[name] as JsonValue;
    },
    property: (propertyPath) => {
      const segments = parsePropertyPath(/^[.[]/.test(propertyPath) ? propertyPath : `.${propertyPath}`);
      if (typeof segments === 'string') throw new SagesimError('TEST_BAD_PROPERTY_PATH', `"${propertyPath}": ${segments}`, { source: 'user' });
      return walkProperties(properties, segments, `Steps.${record.stepName}.${propertyPath}`, `Steps.${record.stepName}`);
    },
    log: async () => {
      if (record.logFile === undefined) return '';
      try {
        return await readFile(path.join(executionDir, record.logFile), 'utf8');
      } catch {
        return '';
      }
    },
    record,
  };
}
