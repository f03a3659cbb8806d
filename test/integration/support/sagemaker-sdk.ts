// The real SageMaker Python SDK for tests that drive it: a tree with `site/` and `src/` named by
// SAGESIM_TEST_SDK_DIR, or the vendored `../shared/vendor/sagemaker-sdk-2.230.0.tgz` beside the
// repository, extracted to a temporary folder. Debian's /usr/bin/python3 imports it once the Debian
// packages listed in ../shared/tools/setup-sagemaker-sdk.sh are installed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const REPO = path.resolve(import.meta.dirname, '../../..');
const TARBALL = path.resolve(REPO, '../shared/vendor/sagemaker-sdk-2.230.0.tgz');
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export type SdkTree =
  | { readonly ok: true; readonly python: string; readonly pythonPath: string; release(): void }
  | { readonly ok: false; readonly why: string };

/** The SDK ready to import, or why there is none (the test's skip message). */
export function findSagemakerSdk(): SdkTree {
  let dir = process.env['SAGESIM_TEST_SDK_DIR'];
  let temporary: string | undefined;
  if (dir === undefined || dir === '') {
    if (!existsSync(TARBALL)) return { ok: false, why: `no SageMaker SDK: set SAGESIM_TEST_SDK_DIR to a tree with site/ and src/, or provide ${TARBALL}` };
    temporary = mkdtempSync(path.join(tmpdir(), 'sagesim-sdk-'));
    execFileSync('tar', ['-xzf', TARBALL, '-C', temporary]);
    dir = path.join(temporary, 'sagemaker-sdk-2.230.0');
  }
  const pythonPath = [path.join(dir, 'site'), path.join(dir, 'src')].join(path.delimiter);
  const release = (): void => {
    if (temporary !== undefined) rmSync(temporary, { recursive: true, force: true });
  };
  try {
    execFileSync(PYTHON, ['-c', 'import sagemaker.workflow.pipeline, sagemaker.workflow.function_step, cloudpickle'], {
      env: { ...process.env, PYTHONPATH: pythonPath, AWS_EC2_METADATA_DISABLED: 'true', AWS_DEFAULT_REGION: 'us-east-1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (error) {
    release();
    const last = String((error as { stderr?: Buffer }).stderr ?? '').trim().split('\n').pop();
    return { ok: false, why: `${PYTHON} cannot import the SageMaker SDK in ${dir} (${last}): install the Debian packages listed in ../shared/tools/setup-sagemaker-sdk.sh` };
  }
  return { ok: true, python: PYTHON, pythonPath, release };
}
