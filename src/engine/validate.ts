// Validates a pipeline definition once, at the boundary: the version first, then the shape, then
// every step, expression, condition and dependency. Reports every problem, never throws.
import type { DefinitionProblem } from '../errors.js';
import { appendKey } from './append-key.js';
import { checkDefinitionLimits } from './definition-limits.js';
import { DEFINITION_VERSION, type PipelineDefinition } from './definition-types.js';
import { parseExpireAfter } from './expire-after.js';
import { collectEdges, formatCycle, topologicalOrder } from './graph.js';
import { type JsonObject, type JsonValue, isJsonObject } from './json.js';
import { parseReference } from './reference-path.js';
import { type FlatStep, Problems, type ValidationScope } from './validate-context.js';
import { checkValue, declaredPropertyFiles, preview } from './validate-expressions.js';
import { NAME_PATTERN, checkStep, checkStepIdentities, collectSteps } from './validate-steps.js';
import { withArticle } from '../util/article.js';

export { parseExpireAfter };

export interface ValidationResult {
  /** Set only when there are no problems. */
  readonly definition?: PipelineDefinition;
  readonly problems: DefinitionProblem[];
  /** Shapes sagesim accepts but SageMaker would refuse (e.g. the legacy Not); never make it invalid. */
  readonly warnings: DefinitionProblem[];
}

const PARAMETER_TYPES = ['String', 'Integer', 'Float', 'Boolean'];

export function validateDefinition(raw: unknown): ValidationResult {
  const problems = new Problems();
  if (!isJsonObject(raw as JsonValue)) {
    problems.add('NOT_AN_OBJECT', '$', `a pipeline definition is a JSON object, got ${preview(raw)}`, 'give the JSON that pipeline.definition() returns');
    return { problems: problems.list, warnings: problems.warnings };
  }
  const def = raw as JsonObject;

  // The version decides what everything else means, so a wrong one stops here.
  const version = def['Version'];
  if (version !== DEFINITION_VERSION) {
    problems.add(
      version === undefined ? 'MISSING_VERSION' : 'UNSUPPORTED_VERSION',
      '$.Version',
      version === undefined ? 'the definition has no Version' : `unsupported definition Version ${preview(version)}`,
      `sagesim reads Version "${DEFINITION_VERSION}", the version the SageMaker Python SDK writes`,
    );
    return { problems: problems.list, warnings: problems.warnings };
  }

  // Limits next: every later check walks the document recursively, within these bounds.
  const limits = checkDefinitionLimits(def);
  if (limits.length > 0) return { problems: limits, warnings: [] };

  checkShape(def, problems);
  const parameters = checkParameters(def['Parameters'], problems);
  const steps = collectSteps(def['Steps'] ?? [], '$.Steps', problems);
  checkStepIdentities(steps, problems);

  const scope = buildScope(steps, parameters, problems);
  for (const step of steps) checkStep(step, scope);
  const experiment = def['PipelineExperimentConfig'];
  if (isJsonObject(experiment) && checkExperimentReferences(experiment, problems)) checkValue(experiment, '$.PipelineExperimentConfig', scope, undefined);
  checkCycles(scope);

  if (problems.size > 0) return { problems: problems.list, warnings: problems.warnings };
  return { definition: def as unknown as PipelineDefinition, problems: [], warnings: problems.warnings };
}

function checkShape(def: JsonObject, problems: Problems): void {
  if (def['Steps'] === undefined) {
    problems.add('MISSING_STEPS', '$.Steps', 'the definition has no Steps', 'add "Steps": [...]');
  } else if (!Array.isArray(def['Steps'])) {
    problems.add('MALFORMED_DEFINITION', '$.Steps', 'Steps must be a list', undefined);
  }
  if (def['Parameters'] !== undefined && !Array.isArray(def['Parameters'])) {
    problems.add('MALFORMED_DEFINITION', '$.Parameters', 'Parameters must be a list', undefined);
  }
  if (def['Metadata'] !== undefined && def['Metadata'] !== null && !isJsonObject(def['Metadata'])) {
    problems.add('MALFORMED_DEFINITION', '$.Metadata', 'Metadata must be an object', undefined);
  }
  const experiment = def['PipelineExperimentConfig'];
  if (experiment !== undefined && experiment !== null && !isJsonObject(experiment)) {
    problems.add('MALFORMED_DEFINITION', '$.PipelineExperimentConfig', 'PipelineExperimentConfig must be an object or null', undefined);
  }
}

function checkParameters(list: JsonValue | undefined, problems: Problems): Map<string, { type: string | undefined }> {
  const declared = new Map<string, { type: string | undefined }>();
  if (!Array.isArray(list)) return declared;
  list.forEach((param, i) => {
    const path = `$.Parameters[${i}]`;
    if (!isJsonObject(param)) {
      problems.add('MALFORMED_PARAMETER', path, `a parameter must be an object, got ${preview(param)}`, 'write {"Name": "...", "Type": "String", "DefaultValue": "..."}');
      return;
    }
    const name = param['Name'];
    const type = typeof param['Type'] === 'string' ? param['Type'] : undefined;
    if (typeof name !== 'string') {
      problems.add('MALFORMED_PARAMETER', `${path}.Name`, 'the parameter has no Name string', undefined);
    } else {
      if (!NAME_PATTERN.test(name)) {
        problems.add('INVALID_PARAMETER_NAME', `${path}.Name`, `parameter name "${name}" is not allowed`, 'parameter names are 1 to 64 letters, digits, - and _');
      }
      if (declared.has(name)) problems.add('DUPLICATE_PARAMETER', `${path}.Name`, `parameter "${name}" is declared twice`, 'parameter names must be unique');
      else declared.set(name, { type });
    }
    const label = typeof name === 'string' ? `parameter "${name}"` : 'the parameter';
    if (!type || !PARAMETER_TYPES.includes(type)) {
      problems.add('UNKNOWN_PARAMETER_TYPE', `${path}.Type`, `${label} has ${type ? `unknown Type "${type}"` : 'no Type'}`, `parameter types are ${PARAMETER_TYPES.join(', ')}`);
      return;
    }
    const defaultValue = param['DefaultValue'];
    if (defaultValue !== undefined && !hasType(defaultValue, type)) {
      problems.add('INVALID_DEFAULT_VALUE', `${path}.DefaultValue`, `${label} is ${type} but its DefaultValue is ${preview(defaultValue)}`, `give ${withArticle(type)} DefaultValue`);
    }
    const enumValues = param['EnumValues'];
    if (enumValues !== undefined) {
      if (!Array.isArray(enumValues) || enumValues.length === 0) {
        problems.add('INVALID_ENUM_VALUES', `${path}.EnumValues`, `${label} EnumValues must be a non-empty list`, undefined);
      } else {
        enumValues.forEach((v, j) => {
          if (!hasType(v, type)) problems.add('INVALID_ENUM_VALUES', `${path}.EnumValues[${j}]`, `${label} is ${type} but EnumValues holds ${preview(v)}`, undefined);
        });
        if (defaultValue !== undefined && !enumValues.some((v) => v === defaultValue)) {
          problems.add('DEFAULT_NOT_IN_ENUM', `${path}.DefaultValue`, `${label} DefaultValue ${preview(defaultValue)} is not one of its EnumValues ${preview(enumValues)}`, 'pick a default among the EnumValues');
        }
      }
    }
  });
  return declared;
}

function hasType(value: JsonValue, type: string): boolean {
  switch (type) {
    case 'String':
      return typeof value === 'string';
    case 'Integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'Float':
      return typeof value === 'number' && Number.isFinite(value);
    case 'Boolean':
      return typeof value === 'boolean';
    default:
      return false;
  }
}

function buildScope(steps: readonly FlatStep[], parameters: ValidationScope['parameters'], problems: Problems): ValidationScope {
  const byName = new Map<string, FlatStep>();
  const owners = new Map<string, string[]>();
  for (const step of steps) {
    if (step.name === undefined || byName.has(step.name)) continue;
    byName.set(step.name, step);
    for (const file of declaredPropertyFiles(step.raw)) {
      const list = owners.get(file);
      if (list) list.push(step.name);
      else owners.set(file, [step.name]);
    }
  }
  return { parameters, steps: byName, propertyFileOwners: owners, problems };
}

function checkCycles(scope: ValidationScope): void {
  const named = [...scope.steps.values()].filter((s): s is FlatStep & { name: string } => s.name !== undefined);
  const edges = collectEdges(named.map((s) => ({ name: s.name, raw: s.raw, branch: s.branch })));
  const result = topologicalOrder(
    named.map((s) => s.name),
    edges,
  );
  if (!('cycle' in result)) return;
  const first = scope.steps.get(result.cycle[0] as string);
  scope.problems.add(
    'CYCLE',
    first?.path ?? '$.Steps',
    `dependency cycle: ${formatCycle(result.cycle)}`,
    'remove one of these dependencies (DependsOn or a Steps.<name> reference)',
    first?.name,
  );
}

/**
 * PipelineExperimentConfig is resolved as the execution starts: it can use parameters, execution
 * variables and joins of them, not step properties, JsonGet, itself or a job's name. Returns
 * whether it is free of such references.
 */
function checkExperimentReferences(experiment: JsonObject, problems: Problems): boolean {
  const before = problems.size;
  const add = (path: string, what: string): void =>
    problems.add('INVALID_EXPERIMENT_CONFIG', path, `PipelineExperimentConfig cannot use ${what}: it is resolved when the execution starts`, 'use parameters, execution variables (Execution.PipelineName, Execution.PipelineExecutionId, ...) and Std:Join of them');
  // Recursion bounded by MAX_VALUE_DEPTH (checkDefinitionLimits ran first).
  const visit = (value: JsonValue, path: string): void => {
    if (Array.isArray(value)) {
      value.forEach((item, i) => visit(item, `${path}[${i}]`));
      return;
    }
    if (!isJsonObject(value)) return;
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === 'Std:JsonGet') return add(appendKey(path, 'Std:JsonGet'), 'Std:JsonGet');
    const get = value['Get'];
    if (keys.length === 1 && typeof get === 'string') {
      const reference = parseReference(get);
      if (reference.kind === 'step') add(`${path}.Get`, `a property of step "${reference.step}"`);
      else if (reference.kind === 'experiment') add(`${path}.Get`, 'its own fields');
      else if (reference.kind === 'execution' && (reference.variable === 'TrainingJobName' || reference.variable === 'ProcessingJobName')) add(`${path}.Get`, `Execution.${reference.variable}`);
      return;
    }
    for (const [key, child] of Object.entries(value)) visit(child, appendKey(path, key));
  };
  visit(experiment, '$.PipelineExperimentConfig');
  return problems.size === before;
}
