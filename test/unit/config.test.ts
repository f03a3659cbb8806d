// Configuration resolved at the edge: the `instanceMemory` setting (job containers limited to their
// instance type's memory), from its default, the config file and the caller's overrides.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CONFIG_FILE_NAME, DEFAULT_TIMEOUTS, resolveConfig } from '../../src/config.js';
import { SagesimError } from '../../src/errors.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A working directory whose sagesim.config.json holds `content` (none when undefined). */
function cwdWith(content?: unknown): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sagesim-config-'));
  dirs.push(dir);
  if (content !== undefined) writeFileSync(path.join(dir, CONFIG_FILE_NAME), JSON.stringify(content));
  return dir;
}

function configError(run: () => unknown): SagesimError {
  try {
    run();
  } catch (error) {
    if (error instanceof SagesimError) return error;
    throw error;
  }
  throw new Error('expected a SagesimError');
}

describe('instanceMemory', () => {
  it('is on by default', () => {
    expect(resolveConfig({ cwd: cwdWith() }).instanceMemory).toBe(true);
  });

  it.each([
    ['false in the config file turns it off', { instanceMemory: false }, {}, false],
    ['true in the config file keeps it on', { instanceMemory: true }, {}, true],
    ['--no-instance-memory wins over the config file', { instanceMemory: true }, { instanceMemory: false }, false],
    ['an override turns it back on over the config file', { instanceMemory: false }, { instanceMemory: true }, true],
  ])('%s', (_label, file, overrides, expected) => {
    expect(resolveConfig({ cwd: cwdWith(file), ...overrides }).instanceMemory).toBe(expected);
  });

  it('rejects a value that is not true or false, naming the key', () => {
    const error = configError(() => resolveConfig({ cwd: cwdWith({ instanceMemory: 'no' }) }));
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.message).toContain('$.instanceMemory must be true or false, got "no"');
  });

  it('suggests the key for a misspelling', () => {
    const error = configError(() => resolveConfig({ cwd: cwdWith({ instanceMemmory: false }) }));
    expect(error.message).toContain('$.instanceMemmory is not a setting (did you mean "instanceMemory"?)');
  });
});

describe('gpu', () => {
  it.each([
    ['on by default', {}, {}, {}, true],
    ['"gpu": false in the config file', { gpu: false }, {}, {}, false],
    ['SAGESIM_GPU=0 over the config file', { gpu: true }, {}, { SAGESIM_GPU: '0' }, false],
    ['--no-gpu over everything', {}, { gpu: false }, { SAGESIM_GPU: '1' }, false],
  ])('%s', (_label, file, overrides, env, expected) => {
    expect(resolveConfig({ cwd: cwdWith(file), ...overrides }, env).gpu).toBe(expected);
  });
});

describe('sagemakerSdk', () => {
  it('defaults to python3 with nothing added to its PYTHONPATH', () => {
    expect(resolveConfig({ cwd: cwdWith() }).sagemakerSdk).toEqual({ python: 'python3', pythonPath: [] });
  });

  it('reads the config file, paths relative to the working directory; the environment wins', () => {
    const cwd = cwdWith({ sagemakerSdk: { python: '/venv/bin/python', pythonPath: ['sdk/site', 'sdk/src'] } });
    expect(resolveConfig({ cwd }).sagemakerSdk).toEqual({ python: '/venv/bin/python', pythonPath: [path.join(cwd, 'sdk/site'), path.join(cwd, 'sdk/src')] });
    expect(resolveConfig({ cwd }, { SAGESIM_SDK_PYTHON: '/usr/bin/python3', SAGESIM_SDK_PYTHONPATH: ['/a', '/b'].join(path.delimiter) }).sagemakerSdk).toEqual({ python: '/usr/bin/python3', pythonPath: ['/a', '/b'] });
  });

  it('reports every problem of the setting with its path', () => {
    const error = configError(() => resolveConfig({ cwd: cwdWith({ sagemakerSdk: { python: '', pythonPath: 'site', venv: 'x' } }) }));
    expect(error.message).toContain('$.sagemakerSdk.python must be a non-empty string');
    expect(error.message).toContain('$.sagemakerSdk.pythonPath must be a list of folders');
    expect(error.message).toContain('$.sagemakerSdk.venv is not a setting (settings are python, pythonPath)');
  });
});

describe('timeouts', () => {
  it('defaults to DEFAULT_TIMEOUTS; the file sets any of them; overrides win', () => {
    expect(resolveConfig({ cwd: cwdWith() }).timeouts).toEqual(DEFAULT_TIMEOUTS);
    const config = resolveConfig({ cwd: cwdWith({ timeouts: { s3IdleMs: 120_000, dockerPingMs: 5000 } }), timeouts: { dockerPingMs: 1000 } });
    expect(config.timeouts).toEqual({ ...DEFAULT_TIMEOUTS, s3IdleMs: 120_000, dockerPingMs: 1000 });
  });

  it('rejects an unknown timeout and a value that is not a whole number of milliseconds, naming each', () => {
    const error = configError(() => resolveConfig({ cwd: cwdWith({ timeouts: { s3IdelMs: 5, dockerApiMs: -1 } }) }));
    expect(error.message).toContain('$.timeouts.s3IdelMs is not a timeout');
    expect(error.message).toContain('$.timeouts.dockerApiMs must be a whole number of milliseconds');
  });
});
