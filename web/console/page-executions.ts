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
  const list = liveList();
  const paint = (): void => {
    empty.hidden = list.shown.length > 0;
    table.hidden = list.shown.length === 0;
    body.replaceChildren(...list.shown.map(row));
  };
  const live = refresher(async () => {
    await list.load();
    paint();
  });
  // Running executions' durations grow: repaint (without fetching) each second.
  const ticker = window.setInterval(() => {
    if (list.shown.some((e) => e.status === 'Executing' || e.status === 'Stopping')) paint();
  }, 1000);
  return {
    element,
    changed: (ids) => {
      list.changed(ids);
      live.refresh();
    },
    dispose: () => window.clearInterval(ticker),
  };
}

/** Beyond this many changed executions, the whole list is asked for again. */
const MAX_IDS_PER_ASK = 50;

/**
 * The list as shown, kept current by asking the server only for the executions a change event
 * names (a store of hundreds is not read again for each step of one run); the whole list at
 * first and after a reconnect (what changed meanwhile is unknown).
 */
function liveList(): { readonly shown: readonly ExecutionSummaryView[]; changed(ids: readonly string[] | undefined): void; load(): Promise<void> } {
  let shown: ExecutionSummaryView[] = [];
  let all = true;
  const pending = new Set<string>();
  return {
    get shown() {
      return shown;
    },
    changed: (ids) => {
      if (ids === undefined) all = true;
      else for (const id of ids) pending.add(id);
    },
    load: async () => {
      if (all || pending.size > MAX_IDS_PER_ASK) {
        all = false;
        pending.clear();
        shown = await getJson<ExecutionSummaryView[]>('executions').catch((error: unknown) => {
          all = true;
          throw error;
        });
        return;
      }
      const asked = [...pending];
      pending.clear();
      if (asked.length === 0) return;
      const fresh = await getJson<ExecutionSummaryView[]>(`executions?ids=${asked.map(encodeURIComponent).join(',')}`).catch((error: unknown) => {
        // Asked again with the next change.
        for (const id of asked) pending.add(id);
        throw error;
      });
      // An execution asked for and not answered was removed (`sagesim rm`).
      shown = [...shown.filter((e) => !asked.includes(e.executionId)), ...fresh].sort(newestFirst);
    },
  };
}

/** The store's order (find-execution.ts byNewest): newest start first, ties by id. */
function newestFirst(a: ExecutionSummaryView, b: ExecutionSummaryView): number {
  return Date.parse(b.startTime) - Date.parse(a.startTime) || b.executionId.localeCompare(a.executionId);
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
