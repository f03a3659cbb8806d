import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { detectInvocation, withInvocation } from '../../src/cli/invocation.js';
import { captureIo } from './support/capture-io.js';

describe('how the user started sagesim', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sagesim-invocation-'));
  const script = path.join(dir, 'pkg/bin/sagesim.js');
  mkdirSync(path.dirname(script), { recursive: true });
  writeFileSync(script, '');
  chmodSync(script, 0o755);
  const globalBin = path.join(dir, 'global-bin');
  mkdirSync(globalBin);
  symlinkSync(script, path.join(globalBin, 'sagesim'));

  it.each([
    ['npx (npm exec)', { npm_command: 'exec', PATH: globalBin }, 'npx sagesim'],
    ['an npm script', { npm_lifecycle_event: 'demo', PATH: globalBin }, 'npx sagesim'],
    ['a global install on the PATH', { PATH: `/usr/bin${path.delimiter}${globalBin}` }, 'sagesim'],
    ['node bin/sagesim.js, not on the PATH', { PATH: '/usr/bin' }, 'npx sagesim'],
  ])('%s -> %s', (_label, env, expected) => {
    expect(detectInvocation(env, script)).toBe(expected);
  });
});

describe('suggested commands carry the invocation', () => {
  const rewrite = (text: string): string => {
    let written = '';
    withInvocation({ write: (chunk: string) => (written += chunk) }, 'npx sagesim').write(text);
    return written;
  };

  it.each([
    ['a Next line', '  sagesim show abc --home /x\n', '  npx sagesim show abc --home /x\n'],
    ['a hint in backticks', 'hint: run `sagesim logs abc Train`\n', 'hint: run `npx sagesim logs abc Train`\n'],
    ['an image name', 'sagesim/sklearn: up to date\n', 'sagesim/sklearn: up to date\n'],
    ['the serve banner', 'sagesim serve: SageMaker API and S3 on http://127.0.0.1:1\n', 'sagesim serve: SageMaker API and S3 on http://127.0.0.1:1\n'],
    ['prose', 'sagesim keeps executions under its home\n', 'sagesim keeps executions under its home\n'],
  ])('%s', (_label, text, expected) => {
    expect(rewrite(text)).toBe(expected);
  });

  it('a usage error points at `npx sagesim <command> --help` when started through npx', async () => {
    const io = captureIo(process.cwd());
    const code = await runCli(['show'], { ...io, invocation: 'npx sagesim' });
    expect(code).toBe(2);
    expect(io.err()).toContain('`npx sagesim show --help`');
  });
});
