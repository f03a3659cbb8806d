// `sagesim completion bash|zsh|fish`: prints the shell's completion script for every command and
// option, generated from the command line itself.
import type { Command } from 'commander';
import { SagesimError } from '../../errors.js';
import type { CliIo } from '../cli-io.js';
import { commandTree } from '../completion/command-tree.js';
import { SHELLS, type Shell, completionScript } from '../completion/completion-scripts.js';
import type { CommandModule } from './index.js';

export const completionCommand: CommandModule = {
  register(program: Command, io: CliIo): void {
    program
      .command('completion')
      .description('print a shell completion script: eval "$(sagesim completion bash)" in ~/.bashrc (zsh alike; fish: > ~/.config/fish/completions/sagesim.fish)')
      .argument('<shell>', SHELLS.join(', '))
      .action((shell: string) => {
        if (!(SHELLS as readonly string[]).includes(shell)) {
          throw new SagesimError('INVALID_ARGUMENT', `unknown shell ${JSON.stringify(shell)}`, { source: 'user', hint: `one of ${SHELLS.join(', ')}` });
        }
        io.stdout.write(completionScript(shell as Shell, commandTree(program)));
      });
  },
};
