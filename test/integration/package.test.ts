// sagesim as a user gets it: `npm pack` of this checkout installed into a fresh project with
// `npm install --save-dev <tarball>`, then used through npx and `import('sagesim/testing')`.
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, ensureBuilt, ensureConsoleBuilt } from './support/real-cli.js';

/** The project's own pipeline: what its `pipeline.definition()` wrote (a copy of the abalone example). */
const DEFINITION = path.join(REPO, 'fixtures/definitions/abalone.json');

/** npm's own failures to reach its registry: the test says it cannot run here, instead of failing. */
const OFFLINE = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH/;

describe('the packed package, installed in a fresh project', { timeout: 900_000 }, () => {
  let dir: string;
  let project: string;
  let files: string[] = [];
  let offline: string | undefined;

  const sh = (command: string, args: readonly string[], cwd: string, env: Record<string, string> = {}): SpawnSyncReturns<string> => {
    const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...cleanEnv(), ...env }, timeout: 600_000 });
    if (result.error) throw result.error;
    return result;
  };

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sagesim-package-'));
    // Built here, packed without `prepare`: its clean build would empty dist/ under any other CLI
    // test (or user) of this checkout meanwhile. `prepare` runs the same tsc and console build.
    ensureBuilt();
    ensureConsoleBuilt();
    const packed = sh('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], REPO);
    expect(packed.status, packed.stderr).toBe(0);
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as [{ filename: string; files: { path: string }[] }];
    files = info.files.map((file) => file.path);
    project = path.join(dir, 'my-project');
    cpSync(DEFINITION, path.join(project, 'pipeline.json'));
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'my-project', version: '1.0.0', private: true, type: 'module' }));
    const installed = sh('npm', ['install', '--save-dev', '--no-audit', '--no-fund', '--prefer-offline', path.join(dir, info.filename)], project);
    if (installed.status !== 0 && OFFLINE.test(installed.stderr)) offline = `npm cannot reach its registry for sagesim's dependencies: ${installed.stderr.split('\n').find((line) => OFFLINE.test(line)) ?? ''}`;
    else expect(installed.status, installed.stderr).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ships the LICENSE, the CLI, the compiled library, the console, the examples and the code catalogue, and no source maps or test data', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'LICENSE',
        'README.md',
        'package.json',
        'bin/sagesim.js',
        'dist/cli/main.js',
        'dist/testing.js',
        'dist/testing.d.ts',
        'dist/console-ui/index.html',
        'containers/images.json',
        'fixtures/housing/pipeline.json',
        'step-scripts/housing/preprocess.py',
        'examples/housing-pipeline.test.ts',
        'docs/ERROR-CODES.md',
      ]),
    );
    expect(files.filter((file) => file.endsWith('.map'))).toEqual([]);
    expect(files.filter((file) => file.startsWith('src/') || file.startsWith('test/') || file.startsWith('fixtures/definitions/'))).toEqual([]);
    // Test-only modules: the in-memory container engine, the renderer of docs/ERROR-CODES.md.
    expect(files.filter((file) => /^dist\/(ports\/fake-container-engine|errors\/code-catalogue-doc)\./.test(file))).toEqual([]);
  });

  it('npx sagesim validate and run --stub-all work on the project\'s own definition, and suggest npx commands', (ctx) => {
    if (offline) ctx.skip(offline);
    const validated = sh('npx', ['sagesim', 'validate', 'pipeline.json'], project);
    expect(validated.stdout).toContain('valid: pipeline with 8 steps');
    expect(validated.status).toBe(0);
    const ran = sh('npx', ['sagesim', 'run', 'pipeline.json', '--stub-all', '--param', 'MseThreshold=100'], project);
    expect(ran.status, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/Execution [a-z0-9]{12} Succeeded/);
    expect(ran.stdout).toMatch(/^ {2}npx sagesim show [a-z0-9]{12}/m);
    // The run landed in the project's own .sagesim, not in the package.
    expect(readdirSync(path.join(project, '.sagesim'))).toContain('executions');
  });

  it("import('sagesim/testing') runs the project's pipeline from the project", (ctx) => {
    if (offline) ctx.skip(offline);
    const code = `
      const { createTestEnvironment } = await import('sagesim/testing');
      const env = await createTestEnvironment();
      try {
        const result = await env.run('pipeline.json', { parameters: { MseThreshold: 100 } });
        console.log(JSON.stringify({ status: result.status, gate: result.conditionOutcome('AbaloneMSECond') }));
      } finally {
        await env.dispose();
      }`;
    writeFileSync(path.join(project, 'check.mjs'), code);
    const result = sh(process.execPath, ['check.mjs'], project);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ status: 'Succeeded', gate: true });
  });

  it('npx sagesim exec -- python3 runs an unchanged boto3 script against the local endpoint', (ctx) => {
    if (offline) ctx.skip(offline);
    if (spawnSync('python3', ['-c', 'import boto3'], { stdio: 'ignore' }).status !== 0) ctx.skip('python3 has no boto3');
    cpSync(path.join(REPO, 'test/integration/exec/pipeline_script.py'), path.join(project, 'script.py'));
    const result = sh('npx', ['sagesim', 'exec', '--stub-all', '--', 'python3', 'script.py', 'pipeline.json', 'my-bucket'], project);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '')).toMatchObject({ status: 'Succeeded', objects: ['code/preprocess.py'] });
  });
});

/** This process's environment without what would point the installed CLI elsewhere. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || name.startsWith('npm_') || name.startsWith('AWS_') || name.startsWith('SAGESIM_') || name === 'INIT_CWD') continue;
    env[name] = value;
  }
  // npx and npm scripts put this checkout's node_modules/.bin first: the project must use its own.
  env['PATH'] = (env['PATH'] ?? '').split(path.delimiter).filter((dir) => !dir.includes(`node_modules${path.sep}.bin`)).join(path.delimiter);
  return env;
}
