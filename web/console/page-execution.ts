// One execution: its header (status, times, parameters), the DAG with each step's state, and the
// step panel of the selected step. The DAG is laid out once; live changes repaint it in place.
import type { ExecutionView } from '../../src/console/console-views.js';
import { getJson, sageMaker } from './api.js';
import { renderDag, type DagView } from './dag.js';
import { formatTime, h, shortArn, span, statusPill } from './dom.js';
import type { Page } from './main.js';
import { refresher } from './refresher.js';
import { stepPanel, type StepPanel } from './step-panel.js';

export function executionPage(executionId: string, initialStep: string | undefined): Page & { selectStep(name: string | undefined): void } {
  const header = h('header', { class: 'page-head' }, h('h1', {}, 'Execution ', h('span', { class: 'mono' }, executionId)));
  const facts = h('div', { class: 'facts' });
  const dagSlot = h('div', { class: 'dag-slot' }, h('p', { class: 'empty' }, 'Loading...'));
  const panelSlot = h('aside', { class: 'panel-slot', hidden: true });
  const element = h('section', { class: 'page execution-page' }, header, facts, h('div', { class: 'execution-body' }, dagSlot, panelSlot));
  let dag: DagView | undefined;
  let view: ExecutionView | undefined;
  let panel: StepPanel | undefined;
  let selected = initialStep;

  const openPanel = (): void => {
    panel?.dispose();
    panel = undefined;
    dag?.select(selected);
    panelSlot.hidden = selected === undefined;
    if (selected === undefined) {
      panelSlot.replaceChildren();
      return;
    }
    panel = stepPanel(executionId, selected, () => {
      location.hash = `#/executions/${encodeURIComponent(executionId)}`;
    });
    panelSlot.replaceChildren(panel.element);
  };

  const live = refresher(async () => {
    view = await getJson<ExecutionView>(`executions/${encodeURIComponent(executionId)}`);
    // Marks for bench/console: where the time to first paint goes.
    if (!dag) performance.mark('sagesim:execution-fetched');
    paintFacts(facts, view);
    header.replaceChildren(
      h('h1', {}, h('a', { href: '#/executions', class: 'crumb' }, 'Executions'), ' / ', view.summary.pipelineName, ' ', h('span', { class: 'mono dim' }, executionId)),
      statusPill(view.summary.status),
      actions(view),
    );
    if (!dag) {
      dag = renderDag(view.steps, view.edges, (name) => {
        location.hash = `#/executions/${encodeURIComponent(executionId)}/${encodeURIComponent(name)}`;
      });
      dagSlot.replaceChildren(dag.element, ...(view.graphProblem ? [h('p', { class: 'warning' }, `The definition could not be drawn as a graph: ${view.graphProblem}`)] : []));
      if (selected !== undefined) openPanel();
    } else {
      dag.update(view.steps);
    }
    panel?.refresh();
  });
  live.ready.catch(() => undefined);
  // Running steps' durations grow: repaint the nodes (without fetching) each second.
  const ticker = window.setInterval(() => {
    if (view && dag && (view.summary.status === 'Executing' || view.summary.status === 'Stopping')) {
      dag.update(view.steps);
      paintFacts(facts, view);
    }
  }, 1000);

  return {
    element,
    changed: (ids) => {
      if (ids === undefined || ids.includes(executionId)) live.refresh();
    },
    dispose: () => {
      window.clearInterval(ticker);
      panel?.dispose();
    },
    selectStep: (name) => {
      selected = name;
      if (dag) openPanel();
    },
  };
}

function paintFacts(facts: HTMLElement, view: ExecutionView): void {
  const { summary } = view;
  const items: [string, Node | string][] = [
    ['Started', formatTime(summary.startTime)],
    ['Duration', span(summary.startTime, summary.endTime)],
    ['Steps', `${summary.stepCounts.Succeeded ?? 0} succeeded · ${summary.stepCounts.Failed ?? 0} failed · ${summary.stepCounts.Skipped ?? 0} skipped · ${summary.stepTotal} in all`],
  ];
  if (summary.displayName) items.unshift(['Name', summary.displayName]);
  if (summary.sourceExecutionArn) items.push(['Reuses', h('a', { href: `#/executions/${shortArn(summary.sourceExecutionArn)}`, class: 'mono' }, shortArn(summary.sourceExecutionArn))]);
  const parameters = Object.entries(view.parameters);
  facts.replaceChildren(
    h('dl', { class: 'fact-list' }, ...items.flatMap(([name, value]) => [h('dt', {}, name), h('dd', {}, value)])),
    summary.failureReason
      ? h(
          'div',
          { class: 'failure', 'data-role': 'execution-failure' },
          summary.failureReason,
          ...view.steps
            .filter((step) => step.status === 'Failed')
            .flatMap((step, i) => [i === 0 ? ' Failed: ' : ', ', h('a', { href: `#/executions/${encodeURIComponent(summary.executionId)}/${encodeURIComponent(step.name)}` }, step.name)]),
        )
      : '',
    parameters.length > 0
      ? h('details', { class: 'parameters' }, h('summary', {}, `Parameters (${parameters.length})`), h('dl', { class: 'fact-list' }, ...parameters.flatMap(([name, value]) => [h('dt', {}, name), h('dd', { class: 'mono' }, String(value))])))
      : '',
  );
}

function actions(view: ExecutionView): HTMLElement {
  const box = h('div', { class: 'actions' });
  const running = view.summary.status === 'Executing';
  const arn = view.summary.executionArn;
  const run = (operation: string, label: string) =>
    h(
      'button',
      {
        type: 'button',
        class: 'button',
        onclick: async (event: Event) => {
          const button = event.currentTarget as HTMLButtonElement;
          button.disabled = true;
          try {
            await sageMaker(operation, { PipelineExecutionArn: arn, ClientRequestToken: crypto.randomUUID() });
          } catch (error) {
            alert((error as Error).message);
          } finally {
            button.disabled = false;
          }
        },
      },
      label,
    );
  if (running && view.summary.mode === 'local') box.append(run('StopPipelineExecution', 'Stop'));
  if (view.summary.status === 'Failed' || view.summary.status === 'Stopped') box.append(run('RetryPipelineExecution', 'Retry'));
  return box;
}
