// The real SageMaker Python SDK for tests that drive or run it: a tree with `site/` and `src/` named
// by SAGESIM_TEST_SDK_DIR, or the vendored tarball `../shared/vendor/sagemaker-sdk-2.230.0.tgz`
// beside the repository (extracted once per process). Debian's /usr/bin/python3 imports it when the
// Debian packages of ../shared/tools/setup-sagemaker-sdk.sh are installed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const TARBALL = path.resolve(REPO, '../shared/vendor/sagemaker-sdk-2.230.0.tgz');
export const SDK_PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export type VendoredSdk =
  | { readonly ok: true; readonly dir: string; readonly pythonPath: readonly string[]; readonly python: string }
  | { readonly ok: false; readonly why: string };

let found: VendoredSdk | undefined;

/** The SDK, or why there is none (for a skip message). */
export function vendoredSdk(): VendoredSdk {
  found ??= locate();
  return found;
}

function locate(): VendoredSdk {
  let dir = process.env['SAGESIM_TEST_SDK_DIR'];
  if (dir === undefined || dir === '') {
    if (!existsSync(TARBALL)) return { ok: false, why: `no SageMaker SDK: set SAGESIM_TEST_SDK_DIR or provide ${TARBALL}` };
    const into = mkdtempSync(path.join(tmpdir(), 'sagesim-sdk-'));
    execFileSync('tar', ['-xzf', TARBALL, '-C', into]);
    dir = path.join(into, 'sagemaker-sdk-2.230.0');
  }
  const pythonPath = [path.join(dir, 'site'), path.join(dir, 'src')];
  try {
    execFileSync(SDK_PYTHON, ['-c', 'import sagemaker.workflow.function_step, cloudpickle'], {
      env: { ...process.env, PYTHONPATH: pythonPath.join(path.delimiter), AWS_EC2_METADATA_DISABLED: 'true', AWS_DEFAULT_REGION: 'us-east-1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim().split('\n').pop();
    return { ok: false, why: `${SDK_PYTHON} cannot import the SDK in ${dir} (${stderr}): install the Debian packages listed in ../shared/tools/setup-sagemaker-sdk.sh` };
  }
  return { ok: true, dir, pythonPath, python: SDK_PYTHON };
}
