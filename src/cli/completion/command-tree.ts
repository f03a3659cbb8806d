// The command line as data (commands, their subcommands and options), read from commander, so the
// completion scripts follow the commands as they are and are never edited by hand.
import type { Command } from 'commander';

export interface CommandNode {
  /** Words from the program to here: [] for the program, ['s3', 'ls'] for `sagesim s3 ls`. */
  readonly path: readonly string[];
  readonly description: string;
  readonly subcommands: readonly CommandNode[];
  readonly options: readonly { readonly flags: readonly string[]; readonly description: string }[];
}

export function commandTree(command: Command, path: readonly string[] = []): CommandNode {
  return {
    path,
    description: command.description(),
    subcommands: command.commands.filter((sub) => !(sub as unknown as { _hidden?: boolean })._hidden).map((sub) => commandTree(sub, [...path, sub.name()])),
    options: [
      ...command.options.map((option) => ({ flags: [option.long, option.short].filter((flag): flag is string => flag !== undefined), description: option.description })),
      { flags: ['--help', '-h'], description: 'display help' },
    ],
  };
}

/** Every node, the program first. */
export function allNodes(node: CommandNode): CommandNode[] {
  return [node, ...node.subcommands.flatMap(allNodes)];
}
