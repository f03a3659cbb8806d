// Executions, newest first: status, pipeline, when, how long, how far. Live.
import type { ExecutionSummaryView } from '../../src/console/console-views.js';
import { getJson } from './api.js';
import { formatTime, h, span, statusPill } from './dom.js';
import type { Page } from './main.js';
import { refresher } from './refresher.js';

export function executionsPage(): Page {
  const body = h('tbody');
  const table = h(
    'table',
    { class: 'table executions' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Status'), h('th', {}, 'Execution'), h('th', {}, 'Pipeline'), h('th', {}, 'Started'), h('th', {}, 'Duration'), h('th', {}, 'Steps'))),
    body,
  );
  const empty = h('p', { class: 'empty', hidden: true }, 'No executions yet. Start one from ', h('a', { href: '#/pipelines' }, 'Pipelines'), ', with ', h('code', {}, 'sagesim run'), ', or through the SageMaker API.');
  const element = h('section', { class: 'page' }, h('header', { class: 'page-head' }, h('h1', {}, 'Executions')), table, empty);
  let shown: ExecutionSummaryView[] = [];
  const paint = (): void => {
    empty.hidden = shown.length > 0;
    table.hidden = shown.length === 0;
    body.replaceChildren(...shown.map(row));
  };
  const live = refresher(async () => {
    shown = await getJson<ExecutionSummaryView[]>('executions');
    paint();
  });
  // Running executions' durations grow: repaint (without fetching) each second.
  const ticker = window.setInterval(() => {
    if (shown.some((e) => e.status === 'Executing' || e.status === 'Stopping')) paint();
  }, 1000);
  return { element, changed: () => live.refresh(), dispose: () => window.clearInterval(ticker) };
}

function row(execution: ExecutionSummaryView): HTMLElement {
  const done = (execution.stepCounts.Succeeded ?? 0) + (execution.stepCounts.Skipped ?? 0);
  const failed = execution.stepCounts.Failed ?? 0;
  const href = `#/executions/${encodeURIComponent(execution.executionId)}`;
  return h(
    'tr',
    { 'data-execution': execution.executionId, 'data-status': execution.status },
    h('td', {}, statusPill(execution.status)),
    h('td', {}, h('a', { href, class: 'mono' }, execution.executionId), execution.displayName ? h('div', { class: 'sub' }, execution.displayName) : null),
    h('td', {}, execution.pipelineName, execution.mode === 'remote' ? h('span', { class: 'tag' }, 'remote') : null),
    h('td', {}, formatTime(execution.startTime)),
    h('td', {}, span(execution.startTime, execution.endTime)),
    h(
      'td',
      {},
      h('div', { class: 'progress', title: `${done} of ${execution.stepTotal} done${failed ? `, ${failed} failed` : ''}` }, h('i', { class: 'ok', style: `width:${pct(done, execution.stepTotal)}%` }), h('i', { class: 'bad', style: `width:${pct(failed, execution.stepTotal)}%` })),
      h('span', { class: 'sub' }, `${done}/${execution.stepTotal}`),
    ),
  );
}

function pct(part: number, total: number): number {
  return total === 0 ? 0 : Math.round((part / total) * 100);
}
