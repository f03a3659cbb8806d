// Renders a pipeline graph as text, Mermaid, Graphviz DOT or JSON, with condition branches
// labelled True / False.
import { assertNever } from '../errors.js';
import type { GraphEdge, PipelineGraph, StepNode } from './graph.js';

export type GraphFormat = 'text' | 'mermaid' | 'dot' | 'json';
export const GRAPH_FORMATS: readonly GraphFormat[] = ['text', 'mermaid', 'dot', 'json'];

export function renderGraph(graph: PipelineGraph, format: GraphFormat): string {
  switch (format) {
    case 'text':
      return renderText(graph);
    case 'mermaid':
      return renderMermaid(graph);
    case 'dot':
      return renderDot(graph);
    case 'json':
      return `${JSON.stringify(graphJson(graph), null, 2)}\n`;
    default:
      return assertNever(format, 'graph format');
  }
}

const OUTCOME_LABEL = { if: 'True', else: 'False' } as const;

/** One edge per (from, to): branch edges win over data, data over depends-on. */
function mergedEdges(graph: PipelineGraph): GraphEdge[] {
  const rank: Record<GraphEdge['kind'], number> = { if: 3, else: 3, data: 2, 'depends-on': 1 };
  const byPair = new Map<string, GraphEdge>();
  for (const edge of graph.edges) {
    const key = `${edge.from}\u0000${edge.to}`;
    const existing = byPair.get(key);
    if (!existing || rank[edge.kind] > rank[existing.kind]) byPair.set(key, edge);
  }
  return [...byPair.values()];
}

function renderText(graph: PipelineGraph): string {
  const lines: string[] = [];
  const branchCount = [...graph.nodes.values()].filter((n) => n.branch).length;
  lines.push(`${graph.nodes.size} steps${branchCount ? ` (${branchCount} in condition branches)` : ''}, in run order:`);
  for (const name of graph.order) {
    const node = graph.nodes.get(name) as StepNode;
    const after = graph.edges.filter((e) => e.to === name && e.kind !== 'if' && e.kind !== 'else').map((e) => e.from);
    const parts = [`  ${name} [${node.step.Type}]`];
    if (after.length) parts.push(`after ${[...new Set(after)].join(', ')}`);
    if (node.branch) parts.push(`when ${node.branch.condition} is ${OUTCOME_LABEL[node.branch.outcome]}`);
    lines.push(parts.join('  '));
    if (node.step.Type === 'Condition') {
      for (const outcome of ['if', 'else'] as const) {
        const targets = graph.edges.filter((e) => e.from === name && e.kind === outcome).map((e) => e.to);
        lines.push(`    ${OUTCOME_LABEL[outcome]} -> ${targets.length ? targets.join(', ') : '(nothing)'}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

function renderMermaid(graph: PipelineGraph): string {
  const ids = new Map([...graph.nodes.keys()].map((name, i) => [name, `s${i}`]));
  const lines = ['flowchart TD'];
  for (const name of graph.order) {
    const node = graph.nodes.get(name) as StepNode;
    const id = ids.get(name) as string;
    const label = mermaidText(`${name}<br/>${node.step.Type}`);
    lines.push(node.step.Type === 'Condition' ? `  ${id}{"${label}"}` : `  ${id}["${label}"]`);
  }
  for (const edge of mergedEdges(graph)) {
    const from = ids.get(edge.from) as string;
    const to = ids.get(edge.to) as string;
    switch (edge.kind) {
      case 'if':
      case 'else':
        lines.push(`  ${from} -->|${OUTCOME_LABEL[edge.kind]}| ${to}`);
        break;
      case 'data':
        lines.push(`  ${from} --> ${to}`);
        break;
      case 'depends-on':
        lines.push(`  ${from} -.-> ${to}`);
        break;
      default:
        assertNever(edge.kind, 'edge kind');
    }
  }
  return `${lines.join('\n')}\n`;
}

function renderDot(graph: PipelineGraph): string {
  const lines = ['digraph pipeline {', '  rankdir=TB;', '  node [shape=box, style=rounded];'];
  for (const name of graph.order) {
    const node = graph.nodes.get(name) as StepNode;
    const shape = node.step.Type === 'Condition' ? ', shape=diamond, style=""' : '';
    lines.push(`  ${dotId(name)} [label=${dotString(`${name}\n${node.step.Type}`)}${shape}];`);
  }
  for (const edge of mergedEdges(graph)) {
    const attrs =
      edge.kind === 'if' || edge.kind === 'else'
        ? ` [label=${dotString(OUTCOME_LABEL[edge.kind])}]`
        : edge.kind === 'depends-on'
          ? ' [style=dashed]'
          : '';
    lines.push(`  ${dotId(edge.from)} -> ${dotId(edge.to)}${attrs};`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

function mermaidText(text: string): string {
  return text.replace(/"/g, '#quot;');
}

function dotId(name: string): string {
  return dotString(name);
}

function dotString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** For scripts: steps in run order with their direct upstream steps, and every edge with its kind. */
function graphJson(graph: PipelineGraph): unknown {
  return {
    Steps: graph.order.map((name) => {
      const node = graph.nodes.get(name);
      return {
        Name: name,
        Type: node?.step.Type,
        ...(node?.branch ? { Branch: { Condition: node.branch.condition, Outcome: OUTCOME_LABEL[node.branch.outcome] } } : {}),
        Upstream: graph.upstream(name),
      };
    }),
    Edges: mergedEdges(graph).map((edge) => ({ From: edge.from, To: edge.to, Kind: edge.kind })),
  };
}
