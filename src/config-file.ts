// Checks what sagesim.config.json holds before anything uses it: a misspelt key or a value of the
// wrong type is reported with its JSON path, all at once, instead of being ignored or failing later.
import { type ConfigFile, DEFAULT_TIMEOUTS } from './config.js';
import { didYouMean } from './engine/parameters.js';
import { SagesimError } from './errors.js';

type Check = (value: unknown, at: string, problems: string[]) => void;

const nonEmptyString: Check = (value, at, problems) => {
  if (typeof value !== 'string' || value === '') problems.push(`${at} must be a non-empty string, got ${describe(value)}`);
};

const trueOrFalse: Check = (value, at, problems) => {
  if (typeof value !== 'boolean') problems.push(`${at} must be true or false, got ${describe(value)}`);
};

const CHECKS: Readonly<Record<keyof ConfigFile, Check>> = {
  home: nonEmptyString,
  region: nonEmptyString,
  accountId: (value, at, problems) => {
    if (typeof value !== 'string' || !/^\d{12}$/.test(value)) problems.push(`${at} must be a 12-digit account id string, got ${describe(value)}`);
  },
  maxParallel: (value, at, problems) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) problems.push(`${at} must be a whole number of at least 1, got ${describe(value)}`);
  },
  cache: trueOrFalse,
  cacheLikeCloud: trueOrFalse,
  instanceMemory: trueOrFalse,
  gpu: trueOrFalse,
  s3Endpoint: (value, at, problems) => {
    if (typeof value !== 'string' || !/^https?:\/\/\S+$/.test(value)) problems.push(`${at} must be an http(s) URL such as "http://127.0.0.1:4566", got ${describe(value)}`);
  },
  dockerSocket: nonEmptyString,
  s3StaleUploadHours: (value, at, problems) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) problems.push(`${at} must be a number of hours above 0, got ${describe(value)}`);
  },
  pipWheels: nonEmptyString,
  timeouts: (value, at, problems) => {
    if (!isObject(value)) return void problems.push(`${at} must be an object {"dockerPingMs": 3000, ...}, got ${describe(value)}`);
    const known = Object.keys(DEFAULT_TIMEOUTS);
    for (const [key, ms] of Object.entries(value)) {
      if (!known.includes(key)) problems.push(`${at}.${key} is not a timeout (${known.join(', ')})`);
      else if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < 1) problems.push(`${at}.${key} must be a whole number of milliseconds of at least 1, got ${describe(ms)}`);
    }
  },
  images: (value, at, problems) => {
    if (!isObject(value)) return void problems.push(`${at} must be an object {"<image URI or /regex/>": "<local image tag>"}, got ${describe(value)}`);
    for (const [uri, tag] of Object.entries(value)) nonEmptyString(tag, `${at}[${JSON.stringify(uri)}]`, problems);
  },
  sagemakerSdk: (value, at, problems) => {
    if (!isObject(value)) return void problems.push(`${at} must be an object {"python": "<python>", "pythonPath": ["<dir>", ...]}, got ${describe(value)}`);
    for (const [key, entry] of Object.entries(value)) {
      if (key === 'python') nonEmptyString(entry, `${at}.python`, problems);
      else if (key === 'pythonPath') {
        if (!Array.isArray(entry) || !entry.every((dir) => typeof dir === 'string' && dir !== '')) problems.push(`${at}.pythonPath must be a list of folders, got ${describe(entry)}`);
      } else problems.push(`${at}.${key} is not a setting (settings are python, pythonPath)`);
    }
  },
  lambdas: (value, at, problems) => {
    if (!isObject(value)) return void problems.push(`${at} must be an object {"<FunctionArn or name>": {"kind": "command" | "python", ...}}, got ${describe(value)}`);
    for (const [name, handler] of Object.entries(value)) checkLambda(handler, `${at}[${JSON.stringify(name)}]`, problems);
  },
};

function checkLambda(handler: unknown, at: string, problems: string[]): void {
  if (!isObject(handler)) return void problems.push(`${at} must be an object with "kind": "command" or "python", got ${describe(handler)}`);
  const kind = handler['kind'];
  if (kind === 'command') {
    const command = handler['command'];
    if (!Array.isArray(command) || command.length === 0 || !command.every((part) => typeof part === 'string')) {
      problems.push(`${at}.command must be a non-empty list of strings, e.g. ["python3", "handler.py"], got ${describe(command)}`);
    }
  } else if (kind === 'python') {
    nonEmptyString(handler['file'], `${at}.file`, problems);
    for (const key of ['handler', 'image'] as const) if (handler[key] !== undefined) nonEmptyString(handler[key], `${at}.${key}`, problems);
  } else {
    problems.push(`${at}.kind must be "command" or "python", got ${describe(kind)}`);
  }
}

/** The config file's content, checked; throws INVALID_CONFIG listing every problem with its path. */
export function parseConfigFile(raw: unknown, file: string): ConfigFile {
  if (!isObject(raw)) {
    throw invalidConfig(file, [`$ must be a JSON object, got ${describe(raw)}`]);
  }
  const problems: string[] = [];
  const known = Object.keys(CHECKS);
  for (const [key, value] of Object.entries(raw)) {
    // "$comment" and the like document the file; they are not settings.
    if (key.startsWith('$')) continue;
    const check = CHECKS[key as keyof ConfigFile] as Check | undefined;
    if (check) {
      check(value, `$.${key}`, problems);
    } else {
      const suggestion = didYouMean(key, known);
      problems.push(`$.${key} is not a setting${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`);
    }
  }
  if (problems.length > 0) throw invalidConfig(file, problems);
  return raw as ConfigFile;
}

function invalidConfig(file: string, problems: readonly string[]): SagesimError {
  const message = problems.length === 1 ? `config file ${file}: ${problems[0]}` : `config file ${file} has ${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`;
  return new SagesimError('INVALID_CONFIG', message, {
    source: 'user',
    hint: `settings are ${Object.keys(CHECKS).join(', ')}; e.g. {"images": {"<ecr uri>": "my/image:tag"}, "maxParallel": 2}`,
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : JSON.stringify(value);
}
