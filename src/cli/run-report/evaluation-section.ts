// The evaluation report: every property file a step wrote (evaluation.json, a comparison's
// winner...), flattened to `path = value` so that a user sees the JsonGet paths to write.
import type { ExecutionRecord } from '../../engine/execution-record.js';
import { isJsonObject, type JsonValue } from '../../engine/json.js';
import { type Layout, formatValue, section, wrapItems } from './layout.js';

/** Property files can be big (per-class metrics, curves); past this many values the rest is counted. */
const MAX_VALUES = 24;
/** Longer strings (S3 URIs, image names) are counted, not shown. */
const MAX_STRING = 32;

export function evaluationSection(record: Readonly<ExecutionRecord>, layout: Layout): string[] {
  const lines: string[] = [];
  for (const step of record.steps) {
    for (const [fileName, content] of Object.entries(step.propertyFiles ?? {})) {
      // "NaN" is how model-quality reports say "no standard deviation": nothing to read.
      const leaves = flattenLeaves(content).filter((leaf) => !isNaNValue(leaf.value));
      // URIs and image names would drown the numbers; `sagesim show --step` has them.
      const short = leaves.filter((leaf) => !(typeof leaf.value === 'string' && leaf.value.length > MAX_STRING)).slice(0, MAX_VALUES);
      const hidden = leaves.length - short.length;
      const more = hidden > 0 ? [`… ${hidden} more (sagesim show ${record.executionId} --step ${step.stepName})`] : [];
      const groups = groupLeaves(short);
      const title = `  ${step.stepName} / ${fileName}`;
      const [only] = groups;
      if (groups.length === 0) {
        lines.push(`${title}: ${more[0] ?? '(empty)'}`);
      } else if (groups.length === 1 && only !== undefined) {
        // One group (the usual evaluation.json): one list, its first path in full.
        const items = compactItems(only.leaves, only.path.length, false);
        lines.push(...wrapItems(`${title}:`, [...items, ...more], layout.width, 4));
      } else {
        lines.push(title);
        for (const group of groups) {
          const name = group.path.join('.');
          const items = compactItems(group.leaves, group.path.length, true);
          lines.push(...wrapItems(name === '' ? '    ' : `    ${name}:`, items, layout.width, 6));
        }
        if (more[0] !== undefined) lines.push(`    ${more[0]}`);
      }
    }
  }
  return section('Evaluation', lines, layout);
}

interface LeafGroup {
  /** The object the leaves belong to; a metric object ({"value": ...}) belongs to its parent. */
  readonly path: readonly string[];
  readonly leaves: Leaf[];
}

/** Groups leaves by the object that holds them, in document order. */
function groupLeaves(leaves: readonly Leaf[]): LeafGroup[] {
  const groups = new Map<string, LeafGroup>();
  const metricObjects = new Set(leaves.filter((leaf) => leaf.path.at(-1) === 'value').map((leaf) => leaf.path.slice(0, -1).join('\0')));
  for (const leaf of leaves) {
    const parent = leaf.path.slice(0, -1);
    const path = metricObjects.has(parent.join('\0')) ? parent.slice(0, -1) : parent;
    const key = path.join('\0');
    const group = groups.get(key) ?? { path, leaves: [] };
    group.leaves.push(leaf);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/**
 * `path = value` items relative to their group. The first keeps its full path (and `.value`), so
 * the reader sees the JsonGet path to write; the others drop the group and a trailing `.value`:
 * `regression_metrics.mse.value = 0.29, rmse = 0.54, r2 = 0.8`.
 */
function compactItems(leaves: readonly Leaf[], groupDepth: number, relativeFirst: boolean): string[] {
  return leaves.map((leaf, i) => {
    const value = formatValue(leaf.value);
    if (i === 0) return `${(relativeFirst ? leaf.path.slice(groupDepth) : leaf.path).join('.') || '(value)'} = ${value}`;
    const rest = leaf.path.slice(groupDepth);
    const shortened = rest.length > 1 && rest.at(-1) === 'value' ? rest.slice(0, -1) : rest;
    return `${shortened.join('.')} = ${value}`;
  });
}

export interface Leaf {
  /** Dotted JsonGet path: `regression_metrics.mse.value`, `models[0].name`. */
  readonly path: readonly string[];
  readonly value: JsonValue;
}

/** Every scalar (or short scalar array) of a JSON document, in document order. */
export function flattenLeaves(value: JsonValue, path: readonly string[] = []): Leaf[] {
  if (isJsonObject(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return [];
    return entries.flatMap(([key, child]) => flattenLeaves(child, [...path, key]));
  }
  if (Array.isArray(value) && value.some((item) => item !== null && typeof item === 'object')) {
    return value.flatMap((item, i) => flattenLeaves(item, [...path.slice(0, -1), `${path.at(-1) ?? ''}[${i}]`]));
  }
  return [{ path, value }];
}

function isNaNValue(value: JsonValue): boolean {
  return value === 'NaN' || (typeof value === 'number' && Number.isNaN(value));
}
