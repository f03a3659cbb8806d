// Pipeline parameters given at start time (--param, --params, the API) converted to their declared
// types and checked against the declarations; every problem is reported at once.
import { ParameterError, SagesimError, assertNever } from '../errors.js';
import type { ParameterDeclaration, ParameterType, ParameterValue } from './definition-types.js';
import { notJsonDetail } from './json-error-position.js';
import { isJsonObject } from './json.js';

type Provided = string | number | boolean;

/**
 * The value of every declared parameter: provided values converted to the declared type, others
 * from DefaultValue. Throws ParameterError listing all problems (unknown names, bad values, values
 * outside EnumValues, required values missing).
 */
export function resolveParameters(
  declared: readonly ParameterDeclaration[],
  provided: Readonly<Record<string, Provided>>,
): Record<string, ParameterValue> {
  const problems: { parameter: string; message: string }[] = [];
  const byName = new Map(declared.map((d) => [d.Name, d]));
  const out: Record<string, ParameterValue> = {};

  for (const name of Object.keys(provided)) {
    if (byName.has(name)) continue;
    const suggestion = didYouMean(name, [...byName.keys()]);
    problems.push({
      parameter: name,
      message: `unknown parameter "${name}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; declared: ${[...byName.keys()].join(', ') || '(none)'}`,
    });
  }

  for (const declaration of declared) {
    const name = declaration.Name;
    let value: ParameterValue | undefined;
    if (Object.hasOwn(provided, name)) {
      const converted = convertParameter(declaration.Type, provided[name] as Provided);
      if (typeof converted === 'object') {
        problems.push({ parameter: name, message: `parameter "${name}": ${converted.problem}` });
        continue;
      }
      value = converted;
    } else if (declaration.DefaultValue !== undefined) {
      value = declaration.DefaultValue;
    } else {
      problems.push({ parameter: name, message: `parameter "${name}" (${declaration.Type}) has no default value and none was given` });
      continue;
    }
    if (declaration.EnumValues && !declaration.EnumValues.some((allowed) => allowed === value)) {
      problems.push({
        parameter: name,
        message: `parameter "${name}" is ${JSON.stringify(value)}, not one of its EnumValues ${JSON.stringify(declaration.EnumValues)}`,
      });
      continue;
    }
    out[name] = value;
  }

  if (problems.length > 0) {
    const first = problems[0] as { parameter: string; message: string };
    const message =
      problems.length === 1 ? first.message : `${problems.length} parameter problems:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`;
    throw new ParameterError(first.parameter, message, 'pass parameters as --param Name=Value or --params file.json');
  }
  return out;
}

/** Converts one provided value to the declared type, or says why it cannot. */
export function convertParameter(type: ParameterType, value: Provided): ParameterValue | { problem: string } {
  switch (type) {
    case 'String':
      return String(value);
    case 'Integer': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*[-+]?\d+\s*$/.test(value) ? Number(value) : NaN;
      return Number.isSafeInteger(n) ? n : { problem: `${JSON.stringify(value)} is not an Integer` };
    }
    case 'Float': {
      const n =
        typeof value === 'number'
          ? value
          : typeof value === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value)
            ? Number(value)
            : NaN;
      return Number.isFinite(n) ? n : { problem: `${JSON.stringify(value)} is not a Float` };
    }
    case 'Boolean':
      // The SDK sends str(value): pipeline.start(parameters={"Flag": True}) arrives as "True".
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string' && /^true$/i.test(value)) return true;
      if (typeof value === 'string' && /^false$/i.test(value)) return false;
      return { problem: `${JSON.stringify(value)} is not a Boolean (use true or false, or True or False as the SDK sends them)` };
    default:
      return assertNever(type, 'parameter type');
  }
}

/** Parses repeatable `--param Name=Value` arguments; the value may itself contain `=`. */
export function parseParamAssignments(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) {
      throw new SagesimError('INVALID_PARAM_ARGUMENT', `--param ${JSON.stringify(arg)} is not Name=Value`, {
        source: 'user',
        hint: 'write --param InstanceCount=2 (repeat --param for each parameter)',
      });
    }
    out[arg.slice(0, eq)] = arg.slice(eq + 1);
  }
  return out;
}

/**
 * Parses the text of `--params file.json` (`file` names it in errors): a JSON object
 * `{"Name": value}`, or the API's list `[{"Name": "...", "Value": "..."}]` as
 * StartPipelineExecution takes it. The file is read by the caller (app/params-file.ts).
 */
export function parseParamsText(text: string, file: string): Record<string, string | number | boolean> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new SagesimError('NOT_JSON', `parameters file ${file} is not JSON${notJsonDetail(text, error)}`, {
      source: 'user',
      cause: error,
      hint: 'write {"Name": value, ...} or [{"Name": "...", "Value": "..."}, ...]',
    });
  }
  const out: Record<string, string | number | boolean> = {};
  const bad = (detail: string): SagesimError =>
    new SagesimError('INVALID_PARAMS_FILE', `parameters file ${file}: ${detail}`, {
      source: 'user',
      hint: 'write {"Name": value, ...} or [{"Name": "...", "Value": "..."}, ...]',
    });
  if (Array.isArray(raw)) {
    raw.forEach((entry, i) => {
      if (!isJsonObject(entry) || typeof entry['Name'] !== 'string' || !isScalar(entry['Value'])) {
        throw bad(`entry ${i} is not {"Name": string, "Value": value}`);
      }
      out[entry['Name']] = entry['Value'];
    });
    return out;
  }
  if (!isJsonObject(raw)) throw bad('it holds neither an object nor a list');
  for (const [name, value] of Object.entries(raw)) {
    if (!isScalar(value)) throw bad(`the value of "${name}" is not a string, number or boolean`);
    out[name] = value;
  }
  return out;
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** The closest candidate by edit distance (case-insensitive), when it is close enough to be a typo. */
export function didYouMean(name: string, candidates: readonly string[]): string | undefined {
  const wanted = name.toLowerCase();
  const threshold = Math.max(2, Math.floor(name.length / 3));
  let best: string | undefined;
  // Only distances up to the threshold matter, and only ones below the best so far: the search
  // stays cheap when a hostile definition has thousands of unknown names and thousands of steps.
  let bound = threshold;
  for (const candidate of candidates) {
    if (Math.abs(candidate.length - wanted.length) > bound) continue;
    const d = boundedEditDistance(wanted, candidate.toLowerCase(), bound);
    if (d <= bound) {
      best = candidate;
      if (d === 0) break;
      bound = d - 1;
    }
  }
  return best;
}

/** Edit distance of a and b, or bound + 1 as soon as it must exceed `bound`. */
function boundedEditDistance(a: string, b: string, bound: number): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
      current[j] = value;
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > bound) return bound + 1;
    previous = current;
  }
  return previous[b.length] as number;
}
