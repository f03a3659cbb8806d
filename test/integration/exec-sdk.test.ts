// `sagesim exec` with the real SageMaker Python SDK (2.230, vendored for this machine): a
// PipelineSession script upserts, starts, waits for and lists its pipeline, and the code the SDK
// uploaded lands in the local S3 where the definition points.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, ensureBuilt, runCli } from './support/real-cli.js';

/** The SDK as a tarball of pure-Python trees (`site/`, `src/`), see its README; SAGESIM_SDK_TGZ overrides. */
const SDK_TGZ = process.env['SAGESIM_SDK_TGZ'] ?? path.resolve(REPO, '../shared/vendor/sagemaker-sdk-2.230.0.tgz');
const PYTHON = '/usr/bin/python3';
const AVAILABLE = existsSync(SDK_TGZ) && existsSync(PYTHON);
const SKIPPED = AVAILABLE ? '' : ` (skipped: no SageMaker SDK tarball at ${SDK_TGZ} or no ${PYTHON}; set SAGESIM_SDK_TGZ)`;

describe.skipIf(!AVAILABLE)(`sagesim exec with the SageMaker Python SDK${SKIPPED}`, { timeout: 300_000 }, () => {
  let dir: string;
  let pythonPath: string;
  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(path.join(tmpdir(), 'sagesim-exec-sdk-'));
    expect(spawnSync('tar', ['xzf', SDK_TGZ, '-C', dir]).status).toBe(0);
    const root = path.join(dir, path.basename(SDK_TGZ, '.tgz'));
    pythonPath = `${path.join(root, 'site')}:${path.join(root, 'src')}`;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('an unchanged PipelineSession script runs its pipeline locally; its code upload is in the local S3', async () => {
    const home = path.join(dir, 'home');
    const script = path.join(REPO, 'test/integration/exec/sdk_pipeline.py');
    const result = await runCli(['exec', '--stub-all', '--home', home, '--', PYTHON, script], { cwd: dir, env: { PYTHONPATH: pythonPath } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("[('Preprocess', 'Succeeded')]");
    const listed = await runCli(['s3', 'ls', 's3://my-ml-bucket/sdk-demo/code/', '--recursive', '--home', home], { cwd: dir });
    expect(listed.stdout).toMatch(/sdk-demo\/code\/[0-9a-f]{32}\/preprocess\.py/);
  });
});
