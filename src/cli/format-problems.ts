// Renders definition problems one per line: code, JSON path, message and hint.
import type { DefinitionProblem } from '../errors.js';

export function formatProblems(headline: string, problems: readonly DefinitionProblem[]): string {
  const lines = [`${headline}`];
  for (const problem of problems) {
    const where = problem.step ? `${problem.path} (step ${problem.step})` : problem.path;
    lines.push(`  ${problem.code}  ${where}`);
    lines.push(`    ${problem.message}`);
    if (problem.hint) lines.push(`    hint: ${problem.hint}`);
  }
  return `${lines.join('\n')}\n`;
}
