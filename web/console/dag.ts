// The execution's DAG: laid out once per execution by dagre (top to bottom, as Studio draws it), drawn as HTML nodes
// over an SVG of edges, then updated in place as steps change, so a live page keeps its scroll
// and zoom and a 1,000-step pipeline is not laid out again on every event.
import { graphlib, layout } from '@dagrejs/dagre';
import type { GraphEdgeView, StepStateView } from '../../src/console/console-views.js';
import { h, span } from './dom.js';

const NODE_WIDTH = 232;
const NODE_HEIGHT = 62;
const SVG_NS = 'http://www.w3.org/2000/svg';
/** Steps above which the layout trades crossing reduction for speed. */
const LARGE_GRAPH = 300;

export interface DagView {
  readonly element: HTMLElement;
  /** Applies new step states (statuses, badges, the branch taken) without laying out again. */
  update(steps: readonly StepStateView[]): void;
  select(stepName: string | undefined): void;
}

export function renderDag(steps: readonly StepStateView[], allEdges: readonly GraphEdgeView[], onSelect: (stepName: string) => void): DagView {
  const laid = layOut(steps, uniqueEdges(withoutRedundantBranchEdges(steps, allEdges)));
  const canvas = h('div', { class: 'dag-canvas' });
  canvas.style.width = `${laid.width}px`;
  canvas.style.height = `${laid.height}px`;
  const { svg, edgeElements } = drawEdges(laid);
  canvas.appendChild(svg);
  const nodes = drawNodes(canvas, laid.graph, steps, onSelect);
  const viewport = h('div', { class: 'dag-viewport' }, canvas);
  const toolbar = zoomControls(canvas, viewport, laid);
  const element = h('section', { class: 'dag' }, h('div', { class: 'dag-bar' }, legend(), toolbar), viewport);

  let selected: string | undefined;
  const update = (next: readonly StepStateView[]): void => {
    for (const step of next) {
      const node = nodes.get(step.name);
      if (node) paintNode(node, step, step.name === selected);
    }
    paintEdges(edgeElements, new Map(next.map((step) => [step.name, step])));
  };
  update(steps);
  return {
    element,
    update,
    select: (stepName) => {
      if (selected) nodes.get(selected)?.classList.remove('selected');
      selected = stepName;
      if (stepName) nodes.get(stepName)?.classList.add('selected');
    },
  };
}

interface LaidOut {
  readonly graph: graphlib.Graph;
  readonly edges: readonly GraphEdgeView[];
  readonly width: number;
  readonly height: number;
}

interface EdgeElement {
  readonly edge: GraphEdgeView;
  readonly path: SVGPathElement;
  readonly label?: SVGTextElement;
}

/** One line per pair of steps, whatever the kinds of dependency between them. */
function uniqueEdges(edges: readonly GraphEdgeView[]): GraphEdgeView[] {
  const edgeKey = (edge: GraphEdgeView): string => `${edge.from}\u0000${edge.to}`;
  const unique = new Map<string, GraphEdgeView>();
  for (const edge of edges) {
    // A condition's branch line keeps its kind: it carries the `if` / `else` label.
    if (!unique.has(edgeKey(edge)) || edge.kind === 'if' || edge.kind === 'else') unique.set(edgeKey(edge), edge);
  }
  return [...unique.values()];
}

function layOut(steps: readonly StepStateView[], edges: readonly GraphEdgeView[]): LaidOut {
  const graph = new graphlib.Graph();
  // Large pipelines skip the crossing-reduction sweeps and use the cheapest ranking: a 1,000-step
  // graph is laid out in a fraction of the time, and at that size crossings matter less than speed.
  const large = steps.length > LARGE_GRAPH;
  graph.setGraph({ rankdir: direction(steps, edges), nodesep: 28, ranksep: 46, marginx: 20, marginy: 20, ...(large ? { ranker: 'longest-path' } : {}) });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const step of steps) graph.setNode(step.name, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const edge of edges) graph.setEdge(edge.from, edge.to, {});
  layout(graph, large ? { disableOptimalOrderHeuristic: true } : {});
  performance.mark('sagesim:layout-done');
  const size = graph.graph() as { width?: number; height?: number };
  return { graph, edges, width: Math.max(size.width ?? 0, NODE_WIDTH), height: Math.max(size.height ?? 0, NODE_HEIGHT) };
}

function drawEdges({ graph, edges, width, height }: LaidOut): { svg: SVGSVGElement; edgeElements: EdgeElement[] } {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.classList.add('dag-edges');
  svg.innerHTML =
    '<defs>' +
    ['plain', 'taken', 'muted'].map((kind) => `<marker id="arrow-${kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrow-${kind}"/></marker>`).join('') +
    '</defs>';
  const edgeElements: EdgeElement[] = [];
  const fragment = document.createDocumentFragment();
  for (const edge of edges) {
    const points = (graph.edge(edge.from, edge.to) as { points?: { x: number; y: number }[] } | undefined)?.points ?? [];
    if (points.length === 0) continue;
    const path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('d', smoothPath(points));
    path.classList.add('edge', `edge-${edge.kind}`);
    fragment.appendChild(path);
    const label = edge.kind === 'if' || edge.kind === 'else' ? branchLabel(edge.kind, points) : undefined;
    if (label) fragment.appendChild(label);
    edgeElements.push({ edge, path, ...(label ? { label } : {}) });
  }
  svg.appendChild(fragment);
  return { svg, edgeElements };
}

/** The `if true` / `else` text half-way along a condition's branch line. */
function branchLabel(kind: 'if' | 'else', points: readonly { x: number; y: number }[]): SVGTextElement {
  const middle = points[Math.floor(points.length / 2)] ?? points[0];
  const label = document.createElementNS(SVG_NS, 'text');
  label.textContent = kind === 'if' ? 'if true' : 'else';
  label.setAttribute('x', String((middle?.x ?? 0) + 6));
  label.setAttribute('y', String((middle?.y ?? 0) + 4));
  label.classList.add('edge-label');
  return label;
}

function drawNodes(canvas: HTMLElement, graph: graphlib.Graph, steps: readonly StepStateView[], onSelect: (stepName: string) => void): Map<string, HTMLElement> {
  const nodes = new Map<string, HTMLElement>();
  const fragment = document.createDocumentFragment();
  for (const step of steps) {
    const position = graph.node(step.name) as { x: number; y: number };
    const node = h('button', { class: 'dag-node', type: 'button', 'data-step': step.name, title: step.name, onclick: () => onSelect(step.name) });
    node.style.left = `${position.x - NODE_WIDTH / 2}px`;
    node.style.top = `${position.y - NODE_HEIGHT / 2}px`;
    nodes.set(step.name, node);
    fragment.appendChild(node);
  }
  canvas.appendChild(fragment);
  return nodes;
}

/** The zoom toolbar; until the user zooms, the view fits the graph, and again when it resizes. */
function zoomControls(canvas: HTMLElement, viewport: HTMLElement, { width, height }: LaidOut): HTMLElement {
  let zoom = 1;
  const zoomLabel = h('span', { class: 'zoom-label' }, '100%');
  const setZoom = (value: number): void => {
    zoom = Math.min(2, Math.max(0.1, value));
    canvas.style.transform = `scale(${zoom})`;
    canvas.style.marginRight = `${width * (zoom - 1)}px`;
    canvas.style.marginBottom = `${height * (zoom - 1)}px`;
    zoomLabel.textContent = `${Math.round(zoom * 100)}%`;
  };
  // Fits whole when that keeps the graph readable, else its width.
  let userZoomed = false;
  const fit = (): void => {
    const availableWidth = viewport.clientWidth - 16;
    const availableHeight = viewport.clientHeight - 16;
    if (availableWidth <= 0) return;
    const whole = Math.min(1, availableWidth / width, availableHeight > 0 ? availableHeight / height : 1);
    setZoom(whole >= 0.6 ? whole : Math.min(1, availableWidth / width));
  };
  const zoomBy = (factor: number): void => {
    userZoomed = true;
    setZoom(zoom * factor);
  };
  // Fit once the view is in the page, and again when it changes size (the step panel opens).
  new ResizeObserver(() => {
    if (!userZoomed) fit();
  }).observe(viewport);
  return h(
    'div',
    { class: 'dag-toolbar' },
    h('button', { type: 'button', title: 'zoom out', onclick: () => zoomBy(1 / 1.25) }, '−'),
    zoomLabel,
    h('button', { type: 'button', title: 'zoom in', onclick: () => zoomBy(1.25) }, '+'),
    h('button', { type: 'button', title: 'fit the graph to the view', onclick: () => ((userZoomed = false), fit()) }, 'fit'),
  );
}

function legend(): HTMLElement {
  return h(
    'div',
    { class: 'dag-legend' },
    ...['Succeeded', 'Executing', 'Failed', 'Skipped', 'Pending'].map((status) => h('span', { class: `legend-item status-${status.toLowerCase()}` }, h('i'), status)),
    h('span', { class: 'legend-item' }, h('b', { class: 'badge badge-cache' }, 'cache'), 'result reused'),
    h('span', { class: 'legend-item' }, h('b', { class: 'badge badge-stub' }, 'stub'), 'no container'),
  );
}

/** Lines into skipped steps and untaken branches are muted; lines that carried a run are taken. */
function paintEdges(edgeElements: readonly EdgeElement[], byName: ReadonlyMap<string, StepStateView>): void {
  for (const { edge, path, label } of edgeElements) {
    const from = byName.get(edge.from);
    const to = byName.get(edge.to);
    const branchTaken = from?.conditionOutcome === undefined ? undefined : (edge.kind === 'if') === (from.conditionOutcome === 'True');
    const muted = to?.status === 'Skipped' || branchTaken === false;
    const taken = !muted && (branchTaken === true || (from?.status === 'Succeeded' && to !== undefined && to.status !== 'Pending'));
    path.classList.toggle('edge-muted', muted);
    path.classList.toggle('edge-taken', taken);
    path.setAttribute('marker-end', `url(#arrow-${muted ? 'muted' : taken ? 'taken' : 'plain'})`);
    label?.classList.toggle('edge-muted', muted);
    label?.classList.toggle('edge-taken', taken);
  }
}

/** One node's face: status, name, type, and what is special about its run. */
function paintNode(node: HTMLElement, step: StepStateView, selected: boolean): void {
  const key = JSON.stringify([step, selected, step.status === 'Executing' ? Math.floor(Date.now() / 1000) : 0]);
  if (node.dataset['key'] === key) return;
  node.dataset['key'] = key;
  node.dataset['status'] = step.status;
  node.className = `dag-node status-${step.status.toLowerCase()}${selected ? ' selected' : ''}${step.type === 'Condition' ? ' condition' : ''}`;
  const badges: HTMLElement[] = [];
  if (step.cacheHit) badges.push(h('b', { class: 'badge badge-cache', title: `cache hit: ${step.cacheHit.sourceStepName} of ${step.cacheHit.sourcePipelineExecutionArn}` }, 'cache'));
  if (step.reusedFrom) badges.push(h('b', { class: 'badge badge-cache', title: `reused from ${step.reusedFrom}` }, 'reused'));
  if (step.attemptCount > 1) badges.push(h('b', { class: 'badge badge-retry', title: `${step.attemptCount} attempts` }, `×${step.attemptCount}`));
  if (step.stubbed) badges.push(h('b', { class: 'badge badge-stub', title: 'ran as a stub, without a container' }, 'stub'));
  if (step.conditionOutcome) badges.push(h('b', { class: `badge badge-outcome outcome-${step.conditionOutcome.toLowerCase()}` }, step.conditionOutcome === 'True' ? 'if → true' : 'else → false'));
  if (step.branch) badges.push(h('b', { class: 'badge badge-branch', title: `in the ${step.branch.outcome} branch of ${step.branch.condition}` }, step.branch.outcome === 'if' ? 'if' : 'else'));
  const time = step.status === 'Pending' || step.status === 'Skipped' ? '' : span(step.startTime, step.endTime);
  node.replaceChildren(
    h('span', { class: 'node-status' }, statusIcon(step.status)),
    h(
      'span',
      { class: 'node-body' },
      h('span', { class: 'node-name' }, step.displayName ?? step.name),
      h('span', { class: 'node-meta' }, h('span', { class: 'node-type' }, step.type), time ? h('span', { class: 'node-time' }, time) : null, ...badges),
    ),
  );
}

function statusIcon(status: StepStateView['status']): string {
  switch (status) {
    case 'Succeeded':
      return '✓';
    case 'Failed':
      return '✕';
    case 'Executing':
    case 'Starting':
      return '●';
    case 'Stopping':
    case 'Stopped':
      return '■';
    case 'Skipped':
      return '↷';
    case 'Pending':
      return '○';
  }
}

/**
 * Top to bottom, as Studio draws pipelines; but a graph wider than it is deep (a fan-out of
 * hundreds of parallel steps) goes left to right, so that the page scrolls down its long side.
 */
function direction(steps: readonly StepStateView[], edges: readonly GraphEdgeView[]): 'TB' | 'LR' {
  const upstream = new Map<string, string[]>();
  for (const edge of edges) upstream.set(edge.to, [...(upstream.get(edge.to) ?? []), edge.from]);
  // `steps` come in topological order, so every step's predecessors have their level already.
  const level = new Map<string, number>();
  const width = new Map<number, number>();
  for (const step of steps) {
    const own = Math.max(-1, ...(upstream.get(step.name) ?? []).map((name) => level.get(name) ?? 0)) + 1;
    level.set(step.name, own);
    width.set(own, (width.get(own) ?? 0) + 1);
  }
  return Math.max(0, ...width.values()) > width.size ? 'LR' : 'TB';
}

/**
 * The graph links a condition to every step of its branches; a branch step that also follows
 * another step of the same branch is reached through that one, so its direct line only clutters.
 */
function withoutRedundantBranchEdges(steps: readonly StepStateView[], edges: readonly GraphEdgeView[]): GraphEdgeView[] {
  const branchOf = new Map(steps.map((step) => [step.name, step.branch ? `${step.branch.condition}/${step.branch.outcome}` : undefined]));
  const reachedInBranch = new Set<string>();
  for (const edge of edges) {
    if (edge.kind === 'if' || edge.kind === 'else') continue;
    const branch = branchOf.get(edge.to);
    if (branch !== undefined && branchOf.get(edge.from) === branch) reachedInBranch.add(edge.to);
  }
  return edges.filter((edge) => !((edge.kind === 'if' || edge.kind === 'else') && reachedInBranch.has(edge.to)));
}

/** A path through dagre's points, rounded at the bends. */
function smoothPath(points: readonly { x: number; y: number }[]): string {
  const [first, ...rest] = points;
  if (!first) return '';
  let d = `M${first.x},${first.y}`;
  if (rest.length === 1) return `${d} L${rest[0]?.x},${rest[0]?.y}`;
  for (let i = 0; i < rest.length - 1; i++) {
    const control = rest[i] as { x: number; y: number };
    const next = rest[i + 1] as { x: number; y: number };
    const end = i === rest.length - 2 ? next : { x: (control.x + next.x) / 2, y: (control.y + next.y) / 2 };
    d += ` Q${control.x},${control.y} ${end.x},${end.y}`;
  }
  return d;
}
