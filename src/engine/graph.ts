// The pipeline as a DAG: every step (condition branches flattened), edges from DependsOn, from
// every `Steps.X` reference in a step's arguments, and from a condition to its branch steps.
import { DefinitionError } from '../errors.js';
import type { ConditionStep, PipelineDefinition, PipelineStep } from './definition-types.js';
import { findStepReferences } from './expressions.js';
import { type JsonValue, isJsonObject } from './json.js';

export interface StepNode {
  readonly name: string;
  readonly step: PipelineStep;
  /** JSON path of the step in the definition, e.g. `$.Steps[3].Arguments.IfSteps[0]`. */
  readonly path: string;
  /** Set for steps inside a condition's IfSteps / ElseSteps. */
  readonly branch?: { readonly condition: string; readonly outcome: 'if' | 'else' };
}

export interface GraphEdge {
  /** The upstream step. */
  readonly from: string;
  readonly to: string;
  readonly kind: 'depends-on' | 'data' | 'if' | 'else';
}

export interface PipelineGraph {
  readonly nodes: ReadonlyMap<string, StepNode>;
  readonly edges: readonly GraphEdge[];
  /** Topological order; among steps ready at the same time, definition order. */
  readonly order: readonly string[];
  /** Direct predecessors of a step, each once. */
  upstream(name: string): readonly string[];
  /** Direct successors of a step, each once. */
  downstream(name: string): readonly string[];
}

/** Builds the graph of a validated definition; throws DefinitionError `CYCLE` naming the cycle. */
export function buildGraph(definition: PipelineDefinition): PipelineGraph {
  const nodes = new Map<string, StepNode>();
  const visit = (steps: readonly PipelineStep[], path: string, branch: StepNode['branch']): void => {
    steps.forEach((step, i) => {
      const stepPath = `${path}[${i}]`;
      if (!nodes.has(step.Name)) nodes.set(step.Name, { name: step.Name, step, path: stepPath, ...(branch ? { branch } : {}) });
      if (step.Type === 'Condition') {
        const args = (step as ConditionStep).Arguments;
        visit(args.IfSteps ?? [], `${stepPath}.Arguments.IfSteps`, { condition: step.Name, outcome: 'if' });
        visit(args.ElseSteps ?? [], `${stepPath}.Arguments.ElseSteps`, { condition: step.Name, outcome: 'else' });
      }
    });
  };
  visit(definition.Steps, '$.Steps', undefined);

  const edges = collectEdges(
    [...nodes.values()].map((n) => ({ name: n.name, raw: n.step as unknown as Readonly<Record<string, JsonValue>>, branch: n.branch })),
  );
  const result = topologicalOrder([...nodes.keys()], edges);
  if ('cycle' in result) throw cycleError(result.cycle, nodes.get(result.cycle[0] as string)?.path ?? '$.Steps');

  // Sets keep each neighbour once in linear time, however wide a fan-in or fan-out is.
  const up = new Map<string, Set<string>>();
  const down = new Map<string, Set<string>>();
  for (const edge of edges) {
    addOnce(up, edge.to, edge.from);
    addOnce(down, edge.from, edge.to);
  }
  const upLists = new Map([...up].map(([name, set]) => [name, [...set]]));
  const downLists = new Map([...down].map(([name, set]) => [name, [...set]]));
  return {
    nodes,
    edges,
    order: result.order,
    upstream: (name) => upLists.get(name) ?? [],
    downstream: (name) => downLists.get(name) ?? [],
  };
}

/** The minimal view of a step that edge collection needs; works on raw JSON during validation too. */
export interface EdgeSource {
  readonly name: string;
  readonly raw: Readonly<Record<string, JsonValue>>;
  readonly branch?: { readonly condition: string; readonly outcome: 'if' | 'else' } | undefined;
}

/**
 * Edges among the given steps, each (from, to, kind) once. References to unknown steps and a
 * step's references to itself are left out: validation reports those.
 */
export function collectEdges(sources: readonly EdgeSource[]): GraphEdge[] {
  const known = new Set(sources.map((s) => s.name));
  const seen = new Set<string>();
  const edges: GraphEdge[] = [];
  const add = (from: string, to: string, kind: GraphEdge['kind']): void => {
    if (from === to || !known.has(from)) return;
    const key = `${from}\u0000${to}\u0000${kind}`;
    if (seen.has(key)) return;
    seen.add(key);
    edges.push({ from, to, kind });
  };
  for (const source of sources) {
    if (source.branch) add(source.branch.condition, source.name, source.branch.outcome);
    const dependsOn = source.raw['DependsOn'];
    if (Array.isArray(dependsOn)) for (const dep of dependsOn) if (typeof dep === 'string') add(dep, source.name, 'depends-on');
    for (const referenced of findStepReferences(referencingPart(source.raw))) add(referenced, source.name, 'data');
  }
  return edges;
}

/** The part of a step whose references it consumes: a condition's own conditions, not its branch steps. */
function referencingPart(raw: Readonly<Record<string, JsonValue>>): JsonValue {
  const args = raw['Arguments'];
  if (raw['Type'] === 'Condition') return isJsonObject(args) ? (args['Conditions'] ?? null) : null;
  return args ?? null;
}

/** Kahn's algorithm; on a cycle, returns one cycle as [A, B, ..., A]. */
export function topologicalOrder(names: readonly string[], edges: readonly GraphEdge[]): { order: string[] } | { cycle: string[] } {
  const position = new Map(names.map((n, i) => [n, i]));
  const indegree = new Map(names.map((n) => [n, 0]));
  const successors = new Map<string, string[]>();
  const linked = new Set<string>();
  for (const edge of edges) {
    if (!position.has(edge.from) || !position.has(edge.to)) continue;
    // Edges of different kinds between the same two steps count once.
    const key = `${edge.from}\u0000${edge.to}`;
    if (linked.has(key)) continue;
    linked.add(key);
    const list = successors.get(edge.from);
    if (list) list.push(edge.to);
    else successors.set(edge.from, [edge.to]);
    indegree.set(edge.to, (indegree.get(edge.to) ?? 0) + 1);
  }
  // Ready steps come out in definition order, so the order is stable and reads naturally.
  const ready = new MinQueue((a: string, b: string) => (position.get(a) ?? 0) - (position.get(b) ?? 0));
  for (const name of names) if (indegree.get(name) === 0) ready.push(name);
  const order: string[] = [];
  while (ready.size > 0) {
    const name = ready.pop() as string;
    order.push(name);
    for (const next of successors.get(name) ?? []) {
      const d = (indegree.get(next) ?? 0) - 1;
      indegree.set(next, d);
      if (d === 0) ready.push(next);
    }
  }
  if (order.length === names.length) return { order };
  const remaining = new Set(names.filter((n) => (indegree.get(n) ?? 0) > 0));
  return { cycle: findCycle(remaining, successors) };
}

function findCycle(remaining: ReadonlySet<string>, successors: ReadonlyMap<string, readonly string[]>): string[] {
  // The nodes Kahn's algorithm could not order lie on or downstream of a cycle: a depth-first
  // search among them meets one. The search keeps its own stack (a chain of any length).
  const done = new Set<string>();
  for (const root of remaining) {
    if (done.has(root)) continue;
    const path: string[] = [];
    const onPath = new Map<string, number>();
    const frames: { readonly node: string; next: number }[] = [];
    const enter = (node: string): void => {
      onPath.set(node, path.length);
      path.push(node);
      frames.push({ node, next: 0 });
    };
    enter(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1] as (typeof frames)[number];
      const next = (successors.get(frame.node) ?? [])[frame.next++];
      if (next === undefined) {
        frames.pop();
        path.pop();
        onPath.delete(frame.node);
        done.add(frame.node);
        continue;
      }
      if (!remaining.has(next) || done.has(next)) continue;
      const at = onPath.get(next);
      if (at !== undefined) return [...path.slice(at), next];
      enter(next);
    }
  }
  const first = [...remaining][0] as string;
  return [first, first];
}

export function formatCycle(cycle: readonly string[]): string {
  return cycle.join(' -> ');
}

function cycleError(cycle: readonly string[], path: string): DefinitionError {
  return new DefinitionError([
    {
      code: 'CYCLE',
      path,
      message: `dependency cycle: ${formatCycle(cycle)}`,
      hint: 'remove one of these dependencies (DependsOn or a Steps.<name> reference)',
      step: cycle[0],
    },
  ]);
}

function addOnce(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
}

/** A small binary heap: the topological sort stays O(E log V) on 1,000-step pipelines. */
class MinQueue<T> {
  private readonly items: T[] = [];
  constructor(private readonly compare: (a: T, b: T) => number) {}

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.compare(items[i] as T, items[parent] as T) >= 0) break;
      [items[i], items[parent]] = [items[parent] as T, items[i] as T];
      i = parent;
    }
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let smallest = i;
        if (l < items.length && this.compare(items[l] as T, items[smallest] as T) < 0) smallest = l;
        if (r < items.length && this.compare(items[r] as T, items[smallest] as T) < 0) smallest = r;
        if (smallest === i) break;
        [items[i], items[smallest]] = [items[smallest] as T, items[i] as T];
        i = smallest;
      }
    }
    return top;
  }
}
