// boto3 reads AWS_ENDPOINT_URL only from botocore 1.31 on (June 2023); older ones silently talk to
// the real AWS. `sagesim exec` asks the command's Python which botocore it has, and says so.
import { execFile } from 'node:child_process';
import path from 'node:path';

/** The first botocore that reads AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>. */
export const ENDPOINT_URL_BOTOCORE = [1, 31] as const;

/** A warning when `command` is a Python whose botocore ignores AWS_ENDPOINT_URL, else undefined. */
export async function checkBotocore(command: string, env: Record<string, string>, cwd: string): Promise<string | undefined> {
  if (!/^python(\d+(\.\d+)?)?$/.test(path.basename(command))) return undefined;
  const version = await botocoreVersion(command, env, cwd);
  if (version === undefined || !isOlder(version, ENDPOINT_URL_BOTOCORE)) return undefined;
  return (
    `${command} has botocore ${version}, which does not read AWS_ENDPOINT_URL (botocore ${ENDPOINT_URL_BOTOCORE.join('.')} or later does): ` +
    `its clients would call AWS, not sagesim. Upgrade boto3, or pass endpoint_url=os.environ["SAGESIM_ENDPOINT_URL"] to boto3.client(...)`
  );
}

/** botocore's version as that Python sees it; undefined without botocore (or without that Python). */
function botocoreVersion(python: string, env: Record<string, string>, cwd: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(python, ['-c', 'import botocore; print(botocore.__version__)'], { env, cwd, timeout: 30_000 }, (error, stdout) => {
      resolve(error ? undefined : stdout.trim() || undefined);
    });
  });
}

/** `1.26.0` is older than [1, 31]. */
export function isOlder(version: string, than: readonly number[]): boolean {
  const parts = version.split('.').map((part) => Number.parseInt(part, 10));
  for (const [index, wanted] of than.entries()) {
    const have = parts[index] ?? 0;
    if (Number.isNaN(have)) return false;
    if (have !== wanted) return have < wanted;
  }
  return false;
}
