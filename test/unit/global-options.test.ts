// Global options (--home, --config, --debug) stand before or after the command, as with aws,
// kubectl and docker.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { captureIo } from './support/capture-io.js';

const ABALONE = path.resolve(import.meta.dirname, '../../fixtures/definitions/abalone.json');

describe('global options', { timeout: 30_000 }, () => {
  it.each([
    ['--home before the command', (home: string) => ['--home', home, 'run', ABALONE, '--stub-all', '--json']],
    ['--home after the command', (home: string) => ['run', ABALONE, '--stub-all', '--json', '--home', home]],
  ])('%s puts the execution in that home', async (_label, args) => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'sagesim-global-'));
    const home = path.join(cwd, 'elsewhere');
    expect(await runCli(args(home), captureIo(cwd))).toBe(0);
    const listed = captureIo(cwd);
    expect(await runCli(['ls', '--json', '--home', home], listed)).toBe(0);
    expect(JSON.parse(listed.out())).toHaveLength(1);
    const defaultHome = captureIo(cwd);
    await runCli(['ls', '--json'], defaultHome);
    expect(JSON.parse(defaultHome.out())).toHaveLength(0);
  });

  it('--config before the command reaches it', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'sagesim-global-'));
    writeFileSync(path.join(cwd, 'other.json'), JSON.stringify({ home: path.join(cwd, 'configured-home') }));
    const io = captureIo(cwd);
    await runCli(['--config', 'other.json', 'run', ABALONE, '--stub-all', '--json'], io);
    const listed = captureIo(cwd);
    expect(await runCli(['ls', '--json', '--home', path.join(cwd, 'configured-home')], listed)).toBe(0);
    expect(JSON.parse(listed.out())).toHaveLength(1);
  });

  it('--debug after the command is the global --debug', async () => {
    const io = captureIo(process.cwd());
    expect(await runCli(['validate', 'no/such/file.json', '--debug'], io)).toBe(2);
    expect(io.err()).toContain('definition file not found');
  });
});
