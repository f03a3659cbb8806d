// Pipelines with their parameters and definition; those created through the API can be started
// from here (StartPipelineExecution, as the SDK's `pipeline.start(parameters=...)` does).
import type { ExecutionSummaryView, PipelineView } from '../../src/console/console-views.js';
import { getJson, sageMaker } from './api.js';
import { formatTime, h, jsonBlock, statusPill } from './dom.js';
import type { Page } from './main.js';
import { refresher } from './refresher.js';

export function pipelinesPage(): Page {
  const list = h('div', { class: 'cards' });
  const empty = h('p', { class: 'empty', hidden: true }, 'No pipelines yet. Create one through the SageMaker API (', h('code', {}, 'pipeline.upsert()'), ' with the endpoint of ', h('code', {}, 'sagesim serve'), '), or run one with ', h('code', {}, 'sagesim run'), '.');
  const element = h('section', { class: 'page' }, h('header', { class: 'page-head' }, h('h1', {}, 'Pipelines')), list, empty);
  // Open forms and typed values survive live refreshes: only the summaries are repainted.
  const cards = new Map<string, { card: HTMLElement; summary: HTMLElement }>();
  let shown: PipelineView[] = [];
  const paint = (): void => {
    empty.hidden = shown.length > 0;
    for (const pipeline of shown) {
      let entry = cards.get(pipeline.name);
      if (!entry) {
        entry = card(pipeline);
        cards.set(pipeline.name, entry);
      }
      entry.summary.replaceChildren(...summary(pipeline));
    }
    list.replaceChildren(...shown.map((p) => (cards.get(p.name) as { card: HTMLElement }).card));
  };
  let all = true;
  const pending = new Set<string>();
  const live = refresher(async () => {
    const asked = [...pending];
    pending.clear();
    const patched = all ? undefined : await patchLatest(shown, asked).catch(() => undefined);
    if (patched) shown = patched;
    else {
      // Until a whole page arrives, every change needs one (a failed one is asked again).
      all = true;
      shown = await getJson<PipelineView[]>('pipelines');
      all = false;
    }
    paint();
  });
  live.ready.catch(() => undefined);
  return {
    element,
    changed: (ids) => {
      if (ids === undefined) all = true;
      else for (const id of ids) pending.add(id);
      live.refresh();
    },
  };
}

/**
 * The pipelines with new statuses for `ids`, when every one is the latest execution of a pipeline
 * shown and still there (a run going on: the usual change); undefined when a count or a latest
 * execution may have changed (a new run, a removal), which needs the whole page again.
 */
async function patchLatest(shown: readonly PipelineView[], ids: readonly string[]): Promise<PipelineView[] | undefined> {
  if (ids.length === 0) return [...shown];
  const latest = new Set(shown.map((p) => p.lastExecution?.executionId));
  if (!ids.every((id) => latest.has(id))) return undefined;
  const fresh = await getJson<ExecutionSummaryView[]>(`executions?ids=${ids.map(encodeURIComponent).join(',')}`);
  if (fresh.length !== new Set(ids).size) return undefined;
  const byId = new Map(fresh.map((e) => [e.executionId, e]));
  return shown.map((pipeline) => {
    const now = pipeline.lastExecution && byId.get(pipeline.lastExecution.executionId);
    return now && pipeline.lastExecution ? { ...pipeline, lastExecution: { ...pipeline.lastExecution, status: now.status } } : pipeline;
  });
}

function card(pipeline: PipelineView): { card: HTMLElement; summary: HTMLElement } {
  const summaryBox = h('div', { class: 'card-summary' });
  const parameters =
    pipeline.parameters.length === 0
      ? h('p', { class: 'sub' }, 'No parameters.')
      : h(
          'table',
          { class: 'table compact' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Parameter'), h('th', {}, 'Type'), h('th', {}, 'Default'))),
          h('tbody', {}, ...pipeline.parameters.map((p) => h('tr', {}, h('td', { class: 'mono' }, p.Name), h('td', {}, p.Type), h('td', { class: 'mono' }, p.DefaultValue === undefined ? '—' : String(p.DefaultValue))))),
        );
  const element = h(
    'article',
    { class: 'card', 'data-pipeline': pipeline.name },
    h('header', { class: 'card-head' }, h('h2', {}, pipeline.displayName ?? pipeline.name), h('span', { class: 'tag' }, pipeline.source === 'api' ? 'API' : 'local runs')),
    pipeline.description ? h('p', {}, pipeline.description) : null,
    summaryBox,
    parameters,
    pipeline.source === 'api' ? startForm(pipeline) : h('p', { class: 'sub' }, 'Known from its runs only: start it with ', h('code', {}, 'sagesim run'), ', or create it through the API to start it here.'),
    h('details', { class: 'section' }, h('summary', {}, 'Definition'), jsonBlock(pipeline.definition)),
  );
  return { card: element, summary: summaryBox };
}

function summary(pipeline: PipelineView): (Node | string)[] {
  const last = pipeline.lastExecution;
  return [
    h('span', {}, `${pipeline.stepCount} steps`),
    h('span', {}, `${pipeline.executionCount} execution${pipeline.executionCount === 1 ? '' : 's'}`),
    last ? h('span', {}, 'latest ', h('a', { href: `#/executions/${encodeURIComponent(last.executionId)}`, class: 'mono' }, last.executionId), ' ', statusPill(last.status), ' ', formatTime(last.startTime)) : '',
  ];
}

function startForm(pipeline: PipelineView): HTMLElement {
  const inputs = pipeline.parameters.map((p) => {
    const input =
      p.EnumValues && p.EnumValues.length > 0
        ? h('select', { name: p.Name }, ...p.EnumValues.map((v) => h('option', { value: String(v), selected: v === p.DefaultValue }, String(v))))
        : h('input', { name: p.Name, value: p.DefaultValue === undefined ? '' : String(p.DefaultValue), placeholder: p.Type, required: p.DefaultValue === undefined });
    return { declaration: p, input };
  });
  const displayName = h('input', { name: 'PipelineExecutionDisplayName', placeholder: 'optional' });
  const message = h('p', { class: 'form-message', 'data-role': 'start-message' });
  const form = h(
    'form',
    {
      class: 'start-form',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        const button = form.querySelector('button') as HTMLButtonElement;
        button.disabled = true;
        message.textContent = '';
        try {
          // Only values changed from the default are sent, as the SDK does.
          const parameters = inputs
            .filter(({ declaration, input }) => declaration.DefaultValue === undefined || input.value !== String(declaration.DefaultValue))
            .map(({ declaration, input }) => ({ Name: declaration.Name, Value: input.value }));
          const result = await sageMaker<{ PipelineExecutionArn: string }>('StartPipelineExecution', {
            PipelineName: pipeline.name,
            PipelineParameters: parameters,
            ...(displayName.value ? { PipelineExecutionDisplayName: displayName.value } : {}),
            ClientRequestToken: crypto.randomUUID(),
          });
          const id = result.PipelineExecutionArn.slice(result.PipelineExecutionArn.lastIndexOf('/') + 1);
          location.hash = `#/executions/${encodeURIComponent(id)}`;
        } catch (error) {
          message.textContent = (error as Error).message;
          message.className = 'form-message error';
        } finally {
          button.disabled = false;
        }
      },
    },
    h(
      'details',
      { class: 'section' },
      h('summary', {}, 'Start an execution'),
      h(
        'div',
        { class: 'form-grid' },
        ...inputs.map(({ declaration, input }) => h('label', {}, h('span', {}, declaration.Name, h('em', {}, ` ${declaration.Type}`)), input)),
        h('label', {}, h('span', {}, 'Display name'), displayName),
      ),
      h('button', { type: 'submit', class: 'button primary' }, 'Start execution'),
      message,
    ),
  );
  return form;
}
