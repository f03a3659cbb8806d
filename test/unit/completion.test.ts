// `sagesim completion`: the scripts load in their shell and complete commands, nested commands and
// options as the command line defines them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { captureIo } from './support/capture-io.js';

async function script(shell: string): Promise<string> {
  const io = captureIo(process.cwd());
  expect(await runCli(['completion', shell], io)).toBe(0);
  return io.out();
}

const hasBash = spawnSync('bash', ['--version'], { stdio: 'ignore' }).status === 0;

describe('sagesim completion bash', () => {
  /** What bash offers after `words` (the last one being completed). */
  async function complete(words: readonly string[]): Promise<string[]> {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'sagesim-completion-')), 'sagesim.bash');
    writeFileSync(file, await script('bash'));
    const quoted = words.map((word) => `'${word}'`).join(' ');
    const result = spawnSync('bash', ['--norc', '--noprofile', '-c', `set -u; source "$1" || exit 9; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _sagesim; printf '%s\\n' "\${COMPREPLY[@]}"`, 'bash', file], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    return result.stdout.split('\n').filter(Boolean);
  }

  it.skipIf(!hasBash).each<[string, string[], string[]]>([
    ['a command', ['sagesim', 'ser'], ['serve']],
    ['commands by prefix', ['sagesim', 're'], ['reproduce', 'retry']],
    ['a nested command', ['sagesim', 's3', 'l'], ['ls']],
    ['after a global option', ['sagesim', '--debug', 'ex'], ['exec']],
    ['a command option', ['sagesim', 'run', 'pipeline.json', '--stub-'], ['--stub-all']],
    ['a nested command option', ['sagesim', 'models', 'ls', '--js'], ['--json']],
    ['a global option after the command', ['sagesim', 'graph', '--deb'], ['--debug']],
    ['nothing for an argument (bash falls back to file names)', ['sagesim', 'validate', 'pip'], []],
  ])('loads without errors and completes %s', async (_label, words, expected) => {
    const offered = await complete(words);
    if (expected.length === 0) expect(offered).toEqual([]);
    else expect(offered).toEqual(expected);
  });
});

describe('sagesim completion zsh and fish', () => {
  it('zsh runs the bash completion through bashcompinit', async () => {
    const zsh = await script('zsh');
    expect(zsh).toMatch(/^#compdef sagesim\n/);
    expect(zsh).toContain('bashcompinit');
    expect(zsh).toContain('complete -o default -F _sagesim sagesim');
  });

  it('fish completes commands, nested commands and options', async () => {
    const fish = await script('fish');
    expect(fish).toContain("complete -c sagesim -n '__fish_use_subcommand' -a 'serve'");
    expect(fish).toMatch(/complete -c sagesim -n '__fish_seen_subcommand_from s3; and not __fish_seen_subcommand_from ls cat cp' -a 'ls'/);
    expect(fish).toMatch(/complete -c sagesim -n '__fish_seen_subcommand_from run' -l stub-all/);
  });

  it('an unknown shell is a usage error naming the shells', async () => {
    const io = captureIo(process.cwd());
    expect(await runCli(['completion', 'tcsh'], io)).toBe(2);
    expect(io.err()).toContain('one of bash, zsh, fish');
  });
});
