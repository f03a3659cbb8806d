// The step panel: what a step was given (resolved arguments), what it produced (properties,
// metrics, property files, output parameters), why it failed (reason and log tail), and its whole
// log, followed while the step runs.
import type { StepDetailView } from '../../src/console/console-views.js';
import { getJson } from './api.js';
import { formatTime, h, jsonBlock, shortArn, span, statusPill } from './dom.js';
import { refresher } from './refresher.js';

export interface StepPanel {
  readonly element: HTMLElement;
  refresh(): void;
  dispose(): void;
}

export function stepPanel(executionId: string, stepName: string, onClose: () => void): StepPanel {
  const base = `executions/${encodeURIComponent(executionId)}/steps/${encodeURIComponent(stepName)}`;
  const head = h('header', { class: 'panel-head' }, h('h2', {}, stepName), h('button', { type: 'button', class: 'close', title: 'close', onclick: onClose }, '×'));
  const content = h('div', { class: 'panel-content' }, h('p', { class: 'empty' }, 'Loading...'));
  const logText = h('pre', { class: 'log', 'data-role': 'log' });
  const logSection = h('details', { class: 'section', open: true }, h('summary', {}, 'Log'), logText);
  const element = h('div', { class: 'panel', 'data-role': 'step-panel', 'data-step': stepName }, head, content, logSection);
  let logEnd = 0;
  let logDone = false;
  let disposed = false;
  let logTimer: number | undefined;

  const loadLog = async (): Promise<void> => {
    if (logDone) return;
    for (;;) {
      const chunk = await getJson<{ text: string; end: number; done: boolean }>(`${base}/log?from=${logEnd}`);
      if (disposed) return;
      if (chunk.text) {
        const follow = logText.scrollTop + logText.clientHeight >= logText.scrollHeight - 8;
        logText.append(chunk.text);
        if (follow) logText.scrollTop = logText.scrollHeight;
      }
      logEnd = chunk.end;
      logDone = chunk.done;
      // A long log comes in pieces.
      if (!chunk.text || chunk.done) break;
    }
    if (logText.textContent === '') logText.textContent = logDone ? '(no output)' : '';
    // Lines land in the log file a moment after the event that announced them: while the step
    // runs, look at the file again (as `sagesim logs --follow` does).
    window.clearTimeout(logTimer);
    if (!logDone) logTimer = window.setTimeout(() => live.refresh(), 1000);
  };

  const live = refresher(async () => {
    const detail = await getJson<StepDetailView>(base);
    if (disposed) return;
    paint(head, content, detail, onClose);
    await loadLog();
  });
  live.ready.catch(() => undefined);
  return {
    element,
    refresh: () => live.refresh(),
    dispose: () => {
      disposed = true;
      window.clearTimeout(logTimer);
    },
  };
}

function paint(head: HTMLElement, content: HTMLElement, detail: StepDetailView, onClose: () => void): void {
  const { state } = detail;
  head.replaceChildren(
    h('div', {}, h('h2', {}, state.displayName ?? state.name), h('div', { class: 'sub' }, state.type, state.displayName ? ` · ${state.name}` : '')),
    statusPill(state.status),
    h('button', { type: 'button', class: 'close', title: 'close', onclick: onClose }, '×'),
  );
  const facts: [string, Node | string][] = [];
  if (state.startTime) facts.push(['Started', formatTime(state.startTime)]);
  if (state.startTime) facts.push(['Duration', span(state.startTime, state.endTime)]);
  if (state.attemptCount > 0) facts.push(['Attempts', String(state.attemptCount)]);
  if (state.conditionOutcome) facts.push(['Outcome', state.conditionOutcome === 'True' ? 'True: the if branch ran' : 'False: the else branch ran']);
  if (state.branch) facts.push(['Branch', `${state.branch.outcome} branch of ${state.branch.condition}`]);
  if (state.cacheHit) {
    facts.push(['Cache hit', h('span', {}, `${state.cacheHit.sourceStepName} of `, h('a', { href: `#/executions/${shortArn(state.cacheHit.sourcePipelineExecutionArn)}/${encodeURIComponent(state.cacheHit.sourceStepName)}`, class: 'mono' }, shortArn(state.cacheHit.sourcePipelineExecutionArn)))]);
  }
  if (state.cacheMissReason) facts.push(['Cache miss', state.cacheMissReason]);
  if (state.reusedFrom) facts.push(['Reused from', h('a', { href: `#/executions/${shortArn(state.reusedFrom)}`, class: 'mono' }, shortArn(state.reusedFrom))]);
  if (state.stubbed) facts.push(['Stub', 'ran as a stub, without a container']);
  if (state.skipReason) facts.push(['Skipped', state.skipReason]);
  const sections: HTMLElement[] = [];
  if (state.failureReason) {
    sections.push(
      h(
        'div',
        { class: 'failure', 'data-role': 'failure' },
        h('strong', {}, 'Failure reason'),
        h('p', {}, state.failureReason),
        detail.logTail ? h('pre', { class: 'log tail' }, detail.logTail) : null,
      ),
    );
  }
  if (detail.metrics.length > 0) {
    const rows = detail.metrics.map((m) => h('tr', {}, h('td', {}, m.name), h('td', { class: 'num' }, formatValue(m.value))));
    sections.push(section('Metrics', h('table', { class: 'table compact', 'data-role': 'metrics' }, h('tbody', {}, ...rows)), true));
  }
  if (detail.resolvedArguments !== undefined) sections.push(section('Resolved arguments', jsonBlock(detail.resolvedArguments), true));
  if (detail.properties !== undefined) sections.push(section('Properties', jsonBlock(detail.properties)));
  if (detail.propertyFiles && Object.keys(detail.propertyFiles).length > 0) sections.push(section('Property files', jsonBlock(detail.propertyFiles), true));
  if (detail.outputParameters && Object.keys(detail.outputParameters).length > 0) sections.push(section('Output parameters', jsonBlock(detail.outputParameters), true));
  if (detail.metadata && typeof detail.metadata === 'object' && Object.keys(detail.metadata).length > 0) sections.push(section('Metadata', jsonBlock(detail.metadata)));
  if (detail.definition !== undefined) sections.push(section('Definition', jsonBlock(detail.definition)));
  // Keep which sections the user opened across live repaints.
  const open = new Set([...content.querySelectorAll('details[open] > summary')].map((s) => s.textContent));
  const closed = new Set([...content.querySelectorAll('details:not([open]) > summary')].map((s) => s.textContent));
  for (const s of sections) {
    const title = s.querySelector(':scope > summary')?.textContent;
    if (s instanceof HTMLDetailsElement && title) {
      if (open.has(title)) s.open = true;
      if (closed.has(title)) s.open = false;
    }
  }
  content.replaceChildren(facts.length > 0 ? h('dl', { class: 'fact-list' }, ...facts.flatMap(([name, value]) => [h('dt', {}, name), h('dd', {}, value)])) : '', ...sections);
}

function section(title: string, body: HTMLElement, open = false): HTMLElement {
  return h('details', { class: 'section', open }, h('summary', {}, title), body);
}

function formatValue(value: unknown): string {
  return typeof value === 'number' ? String(Number(value.toPrecision(6))) : JSON.stringify(value);
}
