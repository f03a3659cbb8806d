// Which `Steps.<S>.<path>` property paths each step type has, built from the schema its step-kind
// entry names (step-kinds.ts): the Describe* responses the SDK models the step's properties on.
// Lenient by design: where a shape is unknown the tree is left open, because rejecting valid SDK
// output is worse than missing a typo.
import { assertNever } from '../errors.js';
import type { StepType } from './definition-types.js';
import { DESCRIBE_SHAPES, type DescribeShapeName } from './property-schema-data.js';
import type { PathSegment } from './reference-path.js';
import { stepKind } from './step-kinds.js';

/** 0: a scalar; 1: anything (left open); [node]: a list; {'*': node}: a map; else a structure. */
export type PropertyNode = 0 | 1 | readonly PropertyNode[] | { readonly [member: string]: PropertyNode };

const OPEN: PropertyNode = 1;

function shape(name: DescribeShapeName): { readonly [member: string]: PropertyNode } {
  const node = DESCRIBE_SHAPES[name];
  return typeof node === 'object' && !Array.isArray(node) ? (node as { readonly [m: string]: PropertyNode }) : {};
}

// Merged once per type: validation looks a root up for every property reference.
const roots = new Map<StepType, PropertyNode>();

/**
 * The property tree of a step type, as its entry in the step-kind table names it (OutputParameters
 * and PropertyFiles are checked separately).
 */
export function propertyRoot(type: StepType): PropertyNode {
  let root = roots.get(type);
  if (root === undefined) {
    const { shapes = [], members = {} } = stepKind(type).properties;
    root = Object.assign({}, ...shapes.map(shape), members) as PropertyNode;
    roots.set(type, root);
  }
  return root;
}

export type PropertyCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly failedAt: number; readonly reason: string; readonly available: readonly string[] };

/** Whether `segments` can be followed through `root`; on failure, which segment and what exists there. */
export function checkPropertyPath(root: PropertyNode, segments: readonly PathSegment[]): PropertyCheck {
  let node = root;
  for (const [i, segment] of segments.entries()) {
    if (node === 1) return { ok: true };
    if (node === 0) return { ok: false, failedAt: i, reason: 'is a single value with no members', available: [] };
    const next = child(node, segment);
    if (next === undefined) return { ok: false, failedAt: i, reason: describeMismatch(node, segment), available: available(node) };
    node = next;
  }
  return { ok: true };
}

function isList(node: PropertyNode): node is readonly PropertyNode[] {
  return Array.isArray(node);
}

function isMap(node: PropertyNode): boolean {
  return typeof node === 'object' && !Array.isArray(node) && Object.keys(node).length === 1 && Object.hasOwn(node, '*');
}

function child(node: Exclude<PropertyNode, 0 | 1>, segment: PathSegment): PropertyNode | undefined {
  if (isList(node)) {
    // A list is indexed by position or, like Outputs['train'], selected by its element's name.
    return segment.kind === 'member' ? undefined : (node[0] ?? OPEN);
  }
  const struct = node as { readonly [m: string]: PropertyNode };
  if (isMap(node)) return segment.kind === 'index' ? undefined : struct['*'];
  switch (segment.kind) {
    case 'member':
      return Object.hasOwn(struct, segment.name) ? struct[segment.name] : undefined;
    case 'key':
      return Object.hasOwn(struct, segment.key) ? struct[segment.key] : undefined;
    case 'index':
      return undefined;
    default:
      return assertNever(segment, 'path segment');
  }
}

function describeMismatch(node: Exclude<PropertyNode, 0 | 1>, segment: PathSegment): string {
  if (isList(node)) return 'is a list: use [index] or [\'name\']';
  if (isMap(node)) return "is a map: use ['key']";
  return segment.kind === 'index' ? 'is not a list' : 'has no such property';
}

function available(node: Exclude<PropertyNode, 0 | 1>): string[] {
  if (isList(node)) return ['[0]', "['<name>']"];
  if (isMap(node)) return ["['<key>']"];
  return Object.keys(node);
}
