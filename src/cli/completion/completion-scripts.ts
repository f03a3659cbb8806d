// Shell completion scripts for bash, zsh and fish, generated from the command tree: subcommands
// (nested ones too: `sagesim s3 ls`), then each command's options; file names where an argument goes.
import { type CommandNode, allNodes } from './command-tree.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export function completionScript(shell: Shell, program: CommandNode, name = 'sagesim'): string {
  switch (shell) {
    case 'bash':
      return bashScript(program, name);
    case 'zsh':
      // zsh runs the bash function through its bash-completion emulation.
      return `#compdef ${name}\n# ${name} completion for zsh: eval "$(${name} completion zsh)" in ~/.zshrc\nautoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n${bashBody(program, name)}`;
    case 'fish':
      return fishScript(program, name);
  }
}

function bashScript(program: CommandNode, name: string): string {
  return `# ${name} completion for bash: eval "$(${name} completion bash)" in ~/.bashrc\n${bashBody(program, name)}`;
}

function bashBody(program: CommandNode, name: string): string {
  const fn = `_${name.replace(/\W/g, '_')}`;
  const nodes = allNodes(program);
  const subs = nodes.filter((node) => node.subcommands.length > 0).map((node) => `    ${shellWord(node.path.join(' '))}) echo ${shellWord(node.subcommands.map((sub) => sub.path.at(-1)).join(' '))} ;;`);
  const options = nodes.map((node) => `    ${shellWord(node.path.join(' '))}) echo ${shellWord([...node.options.flatMap((option) => option.flags), ...program.options.flatMap((option) => option.flags)].filter(unique).join(' '))} ;;`);
  return `${fn}_subcommands() {
  case "$1" in
${subs.join('\n')}
  esac
}
${fn}_options() {
  case "$1" in
${options.join('\n')}
  esac
}
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" i word subs
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    [[ "$word" == -* ]] && continue
    subs=" $(${fn}_subcommands "$path") "
    [[ "$subs" == *" $word "* ]] && path="\${path:+$path }$word"
  done
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(${fn}_options "$path")" -- "$cur"))
  else
    subs="$(${fn}_subcommands "$path")"
    [[ -n "$subs" ]] && COMPREPLY=($(compgen -W "$subs" -- "$cur"))
  fi
  return 0
}
complete -o default -F ${fn} ${name}
`;
}

function fishScript(program: CommandNode, name: string): string {
  const lines = [`# ${name} completion for fish: ${name} completion fish > ~/.config/fish/completions/${name}.fish`, `complete -c ${name} -f`];
  for (const node of allNodes(program)) {
    const at = condition(node);
    for (const sub of node.subcommands) lines.push(`complete -c ${name} -n ${shellWord(at)} -a ${shellWord(sub.path.at(-1) ?? '')} -d ${shellWord(firstLine(sub.description))}`);
    for (const option of node.options) {
      const long = option.flags.find((flag) => flag.startsWith('--'));
      const short = option.flags.find((flag) => /^-\w$/.test(flag));
      const flags = [long ? `-l ${long.slice(2)}` : '', short ? `-s ${short.slice(1)}` : ''].filter(Boolean).join(' ');
      if (flags) lines.push(`complete -c ${name} -n ${shellWord(node.path.length === 0 ? '__fish_use_subcommand' : condition(node, true))} ${flags} -d ${shellWord(firstLine(option.description))}`);
    }
    // Leaf commands take files (definitions, stubs, params) as arguments.
    if (node.subcommands.length === 0 && node.path.length > 0) lines.push(`complete -c ${name} -n ${shellWord(condition(node, true))} -F`);
  }
  return `${lines.join('\n')}\n`;
}

/** Fish condition: the words of `node` were typed, and (unless `inside`) none of its subcommands yet. */
function condition(node: CommandNode, inside = false): string {
  if (node.path.length === 0) return '__fish_use_subcommand';
  const seen = node.path.map((word) => `__fish_seen_subcommand_from ${word}`).join('; and ');
  if (inside || node.subcommands.length === 0) return seen;
  return `${seen}; and not __fish_seen_subcommand_from ${node.subcommands.map((sub) => sub.path.at(-1)).join(' ')}`;
}

function shellWord(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

function unique<T>(value: T, index: number, all: readonly T[]): boolean {
  return all.indexOf(value) === index;
}
