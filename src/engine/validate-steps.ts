// Step-level checks: names, types, the fields each type needs, DependsOn, CacheConfig,
// RetryPolicies, PropertyFiles and output parameters. Steps nested in condition branches are
// flattened first so every check sees every step.
import { STEP_TYPES, type StepType } from './definition-types.js';
import { stepKind } from './step-kinds.js';
import { parseExpireAfter } from './expire-after.js';
import { type JsonObject, type JsonValue, isJsonObject } from './json.js';
import type { FlatStep, Problems, ValidationScope } from './validate-context.js';
import { checkConditions } from './validate-conditions.js';
import { checkValue, knownType, preview, processingOutputNames } from './validate-expressions.js';
import { withArticle } from '../util/article.js';

/** Step and parameter names, as the pipeline definition schema allows them. */
export const NAME_PATTERN = /^[A-Za-z0-9\-_]{1,64}$/;

/** RetryPolicies ExceptionType values SageMaker accepts (Emr.RESOURCE_LIMIT for EMR steps). */
export const RETRY_EXCEPTION_TYPES = [
  'Step.SERVICE_FAULT',
  'Step.THROTTLING',
  'SageMaker.JOB_INTERNAL_ERROR',
  'SageMaker.CAPACITY_ERROR',
  'SageMaker.RESOURCE_LIMIT',
  'Emr.RESOURCE_LIMIT',
];

const MAX_ATTEMPTS = 20;
const MAX_EXPIRE_AFTER_MIN = 14_400;
const MAX_INTERVAL_SECONDS = 43_200;
const OUTPUT_TYPES = ['String', 'Integer', 'Float', 'Boolean'];

/** Flattens Steps and every IfSteps/ElseSteps below them; reports non-object steps and bad branch lists. */
export function collectSteps(steps: JsonValue, path: string, problems: Problems): FlatStep[] {
  const out: FlatStep[] = [];
  const walk = (list: JsonValue, listPath: string, branch: FlatStep['branch']): void => {
    if (!Array.isArray(list)) return;
    list.forEach((raw, i) => {
      const stepPath = `${listPath}[${i}]`;
      if (!isJsonObject(raw)) {
        problems.add('MALFORMED_STEP', stepPath, `a step must be an object, got ${preview(raw)}`, 'give the step a Name, a Type and Arguments');
        return;
      }
      const name = typeof raw['Name'] === 'string' ? raw['Name'] : undefined;
      const type = typeof raw['Type'] === 'string' ? raw['Type'] : undefined;
      out.push({ name, raw, path: stepPath, type, ...(branch ? { branch } : {}) });
      const args = raw['Arguments'];
      // Recursion bounded by MAX_CONDITION_NESTING (checkDefinitionLimits runs first).
      if (type === 'Condition' && isJsonObject(args) && name !== undefined) {
        for (const [key, outcome] of [['IfSteps', 'if'], ['ElseSteps', 'else']] as const) {
          const nested = args[key];
          if (nested === undefined) continue;
          if (!Array.isArray(nested)) {
            problems.add('MALFORMED_CONDITION_STEP', `${stepPath}.Arguments.${key}`, `${key} must be a list of steps`, undefined, name);
            continue;
          }
          walk(nested, `${stepPath}.Arguments.${key}`, { condition: name, outcome });
        }
      }
    });
  };
  walk(steps, path, undefined);
  return out;
}

/** Names, duplicates and types of every step. */
export function checkStepIdentities(steps: readonly FlatStep[], problems: Problems): void {
  const seen = new Map<string, FlatStep>();
  for (const step of steps) {
    const { name, raw, path } = step;
    if (name === undefined) {
      problems.add('MISSING_STEP_NAME', `${path}.Name`, raw['Name'] === undefined ? 'the step has no Name' : `the step Name must be a string, got ${preview(raw['Name'])}`, 'give every step a unique Name');
    } else {
      if (!NAME_PATTERN.test(name)) {
        problems.add('INVALID_STEP_NAME', `${path}.Name`, `step name "${name}" is not allowed`, 'step names are 1 to 64 letters, digits, - and _', name);
      }
      const first = seen.get(name);
      if (first) {
        problems.add('DUPLICATE_STEP_NAME', `${path}.Name`, `step name "${name}" is used twice (first at ${first.path})`, 'step names must be unique across the pipeline, condition branches included', name);
      } else {
        seen.set(name, step);
      }
    }
    if (step.type === undefined) {
      problems.add('MISSING_STEP_TYPE', `${path}.Type`, raw['Type'] === undefined ? 'the step has no Type' : `the step Type must be a string, got ${preview(raw['Type'])}`, `step types are ${STEP_TYPES.join(', ')}`, name);
    } else if (!knownType(step)) {
      const suggestion = problems.suggest(step.type, STEP_TYPES);
      problems.add('UNKNOWN_STEP_TYPE', `${path}.Type`, `unknown step type "${step.type}"`, suggestion ? `did you mean "${suggestion}"?` : `step types are ${STEP_TYPES.join(', ')}`, name);
    }
  }
}

/** Every per-step check that does not depend on other steps' identities being valid. */
export function checkStep(step: FlatStep, scope: ValidationScope): void {
  const { raw, path, name } = step;
  const { problems } = scope;
  for (const field of ['DisplayName', 'Description'] as const) {
    if (raw[field] !== undefined && typeof raw[field] !== 'string') {
      problems.add('MALFORMED_STEP', `${path}.${field}`, `${field} must be a string`, undefined, name);
    }
  }
  checkDependsOn(step, scope);
  if (raw['CacheConfig'] !== undefined) checkCacheConfig(raw['CacheConfig'], `${path}.CacheConfig`, problems, name);
  if (raw['RetryPolicies'] !== undefined) checkRetryPolicies(step, problems);
  if (raw['PropertyFiles'] !== undefined) checkPropertyFiles(step, problems);
  if (raw['OutputParameters'] !== undefined) checkOutputParameters(step, problems);

  const type = knownType(step);
  if (!type) return;
  const args = raw['Arguments'];
  if (type === 'Condition') {
    if (!isJsonObject(args)) {
      problems.add('MISSING_ARGUMENTS', `${path}.Arguments`, 'a Condition step needs Arguments with Conditions, IfSteps and ElseSteps', undefined, name);
      return;
    }
    checkConditions(args['Conditions'], `${path}.Arguments.Conditions`, scope, name);
    return;
  }
  if (type === 'Fail') {
    if (args !== undefined && !isJsonObject(args)) {
      problems.add('MISSING_ARGUMENTS', `${path}.Arguments`, 'Fail step Arguments must be an object', 'write "Arguments": {"ErrorMessage": "..."}', name);
    } else if (args !== undefined) {
      checkValue(args, `${path}.Arguments`, scope, name);
    }
    return;
  }
  if (!isJsonObject(args)) {
    problems.add('MISSING_ARGUMENTS', `${path}.Arguments`, `${withArticle(type)} step needs an Arguments object`, `give the request the SDK builds for ${withArticle(type)} step`, name);
  } else {
    checkValue(args, `${path}.Arguments`, scope, name);
  }
  if (type === 'Lambda' && typeof raw['FunctionArn'] !== 'string') {
    problems.add('MISSING_FIELD', `${path}.FunctionArn`, 'a Lambda step needs a FunctionArn string', 'give the ARN of the Lambda function to invoke', name);
  }
  if (type === 'Callback' && typeof raw['SqsQueueUrl'] !== 'string') {
    problems.add('MISSING_FIELD', `${path}.SqsQueueUrl`, 'a Callback step needs an SqsQueueUrl string', 'give the URL of the SQS queue the callback token is sent to', name);
  }
}

function checkDependsOn(step: FlatStep, scope: ValidationScope): void {
  const { raw, path, name } = step;
  const { problems, steps } = scope;
  const dependsOn = raw['DependsOn'];
  if (dependsOn === undefined) return;
  if (!Array.isArray(dependsOn)) {
    problems.add('MALFORMED_DEPENDS_ON', `${path}.DependsOn`, 'DependsOn must be a list of step names', undefined, name);
    return;
  }
  dependsOn.forEach((dep, i) => {
    const depPath = `${path}.DependsOn[${i}]`;
    if (typeof dep !== 'string') {
      problems.add('MALFORMED_DEPENDS_ON', depPath, `DependsOn entries are step names, got ${preview(dep)}`, undefined, name);
    } else if (dep === name) {
      problems.add('SELF_DEPENDENCY', depPath, `step "${dep}" depends on itself`, 'remove it from its own DependsOn', name);
    } else if (!steps.has(dep)) {
      const suggestion = problems.suggest(dep, steps);
      problems.add('UNKNOWN_DEPENDENCY', depPath, `DependsOn names step "${dep}", which the pipeline does not have`, suggestion ? `did you mean "${suggestion}"?` : 'name one of the pipeline\'s steps', name);
    }
  });
}

export function checkCacheConfig(config: JsonValue, path: string, problems: Problems, step: string | undefined): void {
  if (!isJsonObject(config)) {
    problems.add('INVALID_CACHE_CONFIG', path, 'CacheConfig must be an object', 'write {"Enabled": true, "ExpireAfter": "P30D"}', step);
    return;
  }
  if (typeof config['Enabled'] !== 'boolean') {
    problems.add('INVALID_CACHE_CONFIG', `${path}.Enabled`, config['Enabled'] === undefined ? 'CacheConfig has no Enabled' : 'CacheConfig Enabled must be true or false', 'write "Enabled": true', step);
  }
  const expire = config['ExpireAfter'];
  if (expire !== undefined && (typeof expire !== 'string' || parseExpireAfter(expire) === undefined)) {
    problems.add(
      'INVALID_EXPIRE_AFTER',
      `${path}.ExpireAfter`,
      `CacheConfig ExpireAfter ${preview(expire)} is not a duration`,
      'use an ISO-8601 duration such as P30D, PT1H or P1DT12H (or the short forms 30d, T16m, 30dT5h)',
      step,
    );
  }
}

function checkRetryPolicies(step: FlatStep, problems: Problems): void {
  const { raw, path, name, type } = step;
  const policies = raw['RetryPolicies'];
  const base = `${path}.RetryPolicies`;
  // The SDK's steps that take retry_policies are the retryable kinds; others cannot carry RetryPolicies.
  if (type && isStepType(type) && !stepKind(type).retryable) {
    problems.add('RETRY_NOT_SUPPORTED', base, `${type} steps cannot have RetryPolicies`, 'retry policies apply to job steps (Processing, Training, Tuning, Transform, Model, RegisterModel, AutoML)', name);
    return;
  }
  if (!Array.isArray(policies)) {
    problems.add('INVALID_RETRY_POLICY', base, 'RetryPolicies must be a list', undefined, name);
    return;
  }
  policies.forEach((policy, i) => checkRetryPolicy(policy, `${base}[${i}]`, problems, name));
}

function checkRetryPolicy(policy: JsonValue, path: string, problems: Problems, step: string | undefined): void {
  if (!isJsonObject(policy)) {
    problems.add('INVALID_RETRY_POLICY', path, 'a retry policy must be an object', undefined, step);
    return;
  }
  const types = policy['ExceptionType'];
  if (!Array.isArray(types) || types.length === 0) {
    problems.add('INVALID_RETRY_POLICY', `${path}.ExceptionType`, 'a retry policy needs a non-empty ExceptionType list', `exception types: ${RETRY_EXCEPTION_TYPES.join(', ')}`, step);
  } else {
    types.forEach((t, j) => {
      if (typeof t !== 'string' || !RETRY_EXCEPTION_TYPES.includes(t)) {
        const suggestion = typeof t === 'string' ? problems.suggest(t, RETRY_EXCEPTION_TYPES) : undefined;
        problems.add('UNKNOWN_EXCEPTION_TYPE', `${path}.ExceptionType[${j}]`, `unknown retry exception type ${preview(t)}`, suggestion ? `did you mean "${suggestion}"?` : `exception types: ${RETRY_EXCEPTION_TYPES.join(', ')}`, step);
      }
    });
  }
  const max = policy['MaxAttempts'];
  const expire = policy['ExpireAfterMin'];
  if (max !== undefined && expire !== undefined) {
    problems.add('INVALID_RETRY_POLICY', path, 'a retry policy has both MaxAttempts and ExpireAfterMin', 'keep exactly one of them', step);
  } else if (max === undefined && expire === undefined) {
    problems.add('INVALID_RETRY_POLICY', path, 'a retry policy needs MaxAttempts or ExpireAfterMin', `add "MaxAttempts": 1..${MAX_ATTEMPTS} or "ExpireAfterMin": 1..${MAX_EXPIRE_AFTER_MIN}`, step);
  }
  checkIntegerRange(max, `${path}.MaxAttempts`, 1, MAX_ATTEMPTS, problems, step);
  checkIntegerRange(expire, `${path}.ExpireAfterMin`, 1, MAX_EXPIRE_AFTER_MIN, problems, step);
  checkIntegerRange(policy['IntervalSeconds'], `${path}.IntervalSeconds`, 1, MAX_INTERVAL_SECONDS, problems, step);
  const backoff = policy['BackoffRate'];
  if (backoff !== undefined && (typeof backoff !== 'number' || !Number.isFinite(backoff) || backoff < 0)) {
    problems.add('INVALID_RETRY_POLICY', `${path}.BackoffRate`, `BackoffRate ${preview(backoff)} must be a number >= 0`, 'the default is 2.0', step);
  }
}

function checkIntegerRange(value: JsonValue | undefined, path: string, min: number, max: number, problems: Problems, step: string | undefined): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const field = path.slice(path.lastIndexOf('.') + 1);
    problems.add('INVALID_RETRY_POLICY', path, `${field} ${preview(value)} must be an integer from ${min} to ${max}`, undefined, step);
  }
}

function checkPropertyFiles(step: FlatStep, problems: Problems): void {
  const { raw, path, name, type } = step;
  const base = `${path}.PropertyFiles`;
  if (type !== 'Processing') {
    problems.add('PROPERTY_FILES_NOT_SUPPORTED', base, `${type ?? 'this'} step cannot have PropertyFiles`, 'only Processing steps write property files', name);
    return;
  }
  const list = raw['PropertyFiles'];
  if (!Array.isArray(list)) {
    problems.add('INVALID_PROPERTY_FILE', base, 'PropertyFiles must be a list', undefined, name);
    return;
  }
  const outputs = processingOutputNames(raw);
  const seen = new Set<string>();
  list.forEach((entry, i) => {
    const p = `${base}[${i}]`;
    if (!isJsonObject(entry)) {
      problems.add('INVALID_PROPERTY_FILE', p, 'a property file must be {"PropertyFileName", "OutputName", "FilePath"}', undefined, name);
      return;
    }
    for (const field of ['PropertyFileName', 'OutputName', 'FilePath'] as const) {
      if (typeof entry[field] !== 'string' || entry[field] === '') {
        problems.add('INVALID_PROPERTY_FILE', `${p}.${field}`, `the property file has no ${field} string`, undefined, name);
      }
    }
    const fileName = entry['PropertyFileName'];
    if (typeof fileName === 'string') {
      if (seen.has(fileName)) problems.add('DUPLICATE_PROPERTY_FILE', `${p}.PropertyFileName`, `property file "${fileName}" is declared twice`, undefined, name);
      seen.add(fileName);
    }
    const output = entry['OutputName'];
    if (typeof output === 'string' && outputs !== undefined && !outputs.includes(output)) {
      const suggestion = problems.suggest(output, outputs);
      problems.add(
        'UNKNOWN_PROCESSING_OUTPUT',
        `${p}.OutputName`,
        `property file "${String(fileName)}" is written to output "${output}", which the step's ProcessingOutputConfig does not have`,
        suggestion ? `did you mean "${suggestion}"?` : `its outputs: ${outputs.join(', ') || '(none)'}`,
        name,
      );
    }
  });
}

function checkOutputParameters(step: FlatStep, problems: Problems): void {
  const { raw, path, name, type } = step;
  const base = `${path}.OutputParameters`;
  if (type !== 'Lambda' && type !== 'Callback') {
    problems.add('OUTPUT_PARAMETERS_NOT_SUPPORTED', base, `${type ?? 'this'} step cannot have OutputParameters`, 'only Lambda and Callback steps have output parameters', name);
    return;
  }
  const list = raw['OutputParameters'];
  if (!Array.isArray(list)) {
    problems.add('INVALID_OUTPUT_PARAMETER', base, 'OutputParameters must be a list', undefined, name);
    return;
  }
  const seen = new Set<string>();
  list.forEach((entry: JsonValue, i) => {
    const p = `${base}[${i}]`;
    const output = isJsonObject(entry) ? (entry as JsonObject) : undefined;
    if (!output || typeof output['OutputName'] !== 'string' || output['OutputName'] === '') {
      problems.add('INVALID_OUTPUT_PARAMETER', `${p}.OutputName`, 'an output parameter needs an OutputName string', undefined, name);
      return;
    }
    if (seen.has(output['OutputName'])) problems.add('DUPLICATE_OUTPUT_PARAMETER', `${p}.OutputName`, `output parameter "${output['OutputName']}" is declared twice`, undefined, name);
    seen.add(output['OutputName']);
    const outputType = output['OutputType'];
    if (outputType !== undefined && (typeof outputType !== 'string' || !OUTPUT_TYPES.includes(outputType))) {
      problems.add('INVALID_OUTPUT_PARAMETER', `${p}.OutputType`, `unknown OutputType ${preview(outputType)}`, `output types are ${OUTPUT_TYPES.join(', ')}`, name);
    }
  });
}

function isStepType(type: string): type is StepType {
  return (STEP_TYPES as readonly string[]).includes(type);
}
