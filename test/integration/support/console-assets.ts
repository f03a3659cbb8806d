// Builds the console's page and bundle into a temporary folder, as `npm run build` does into
// dist/console-ui, so browser tests and the bench use the sources they run against.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export function buildConsoleAssets(): string {
  const out = mkdtempSync(path.join(tmpdir(), 'sagesim-console-ui-'));
  execFileSync(process.execPath, [path.resolve('scripts/build-console.mjs'), '--out', out], { stdio: 'inherit' });
  return out;
}
