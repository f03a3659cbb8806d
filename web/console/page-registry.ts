// The model registry: groups, their versions newest first with status and metrics, and approve /
// reject through UpdateModelPackage (the same call `sagesim models approve` and the SDK make).
import type { RegistryGroupView, RegistryPackageView } from '../../src/console/console-registry.js';
import { getJson, sageMaker } from './api.js';
import { formatTime, h, statusPill } from './dom.js';
import type { Page } from './main.js';
import { refresher } from './refresher.js';

export function registryPage(): Page {
  const list = h('div', { class: 'cards' });
  const empty = h('p', { class: 'empty', hidden: true }, 'No model package groups yet: a pipeline\'s RegisterModel step creates one.');
  const element = h('section', { class: 'page' }, h('header', { class: 'page-head' }, h('h1', {}, 'Model registry')), list, empty);
  const live = refresher(async () => {
    const groups = await getJson<RegistryGroupView[]>('registry');
    empty.hidden = groups.length > 0;
    list.replaceChildren(...groups.map((group) => groupCard(group, () => live.refresh())));
  });
  live.ready.catch(() => undefined);
  // Executions changing says nothing of the registry; after a reconnect, anything may have changed.
  return { element, registryChanged: () => live.refresh(), changed: (ids) => ids === undefined && live.refresh() };
}

function groupCard(view: RegistryGroupView, refresh: () => void): HTMLElement {
  return h(
    'article',
    { class: 'card', 'data-group': view.group.ModelPackageGroupName },
    h('header', { class: 'card-head' }, h('h2', {}, view.group.ModelPackageGroupName), h('span', { class: 'sub' }, `${view.packages.length} version${view.packages.length === 1 ? '' : 's'}`)),
    view.group.ModelPackageGroupDescription ? h('p', {}, view.group.ModelPackageGroupDescription) : null,
    h(
      'table',
      { class: 'table' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Version'), h('th', {}, 'Status'), h('th', {}, 'Registered'), h('th', {}, 'Metrics'), h('th', {}, ''))),
      h('tbody', {}, ...view.packages.map((p) => packageRow(p, refresh))),
    ),
  );
}

function packageRow(view: RegistryPackageView, refresh: () => void): HTMLElement {
  const p = view.package;
  const message = h('span', { class: 'form-message error' });
  const decide = (status: 'Approved' | 'Rejected') => async (event: Event) => {
    const button = event.currentTarget as HTMLButtonElement;
    button.disabled = true;
    message.textContent = '';
    try {
      await sageMaker('UpdateModelPackage', { ModelPackageArn: p.ModelPackageArn, ModelApprovalStatus: status });
      refresh();
    } catch (error) {
      message.textContent = (error as Error).message;
      button.disabled = false;
    }
  };
  return h(
    'tr',
    { 'data-version': p.ModelPackageVersion, 'data-status': p.ModelApprovalStatus },
    h('td', { class: 'mono' }, `v${p.ModelPackageVersion}`, p.ModelPackageDescription ? h('div', { class: 'sub' }, p.ModelPackageDescription) : null),
    h('td', {}, statusPill(p.ModelApprovalStatus)),
    h('td', {}, formatTime(p.CreationTime)),
    h('td', {}, metrics(view)),
    h(
      'td',
      { class: 'row-actions' },
      p.ModelApprovalStatus === 'Approved' ? null : h('button', { type: 'button', class: 'button approve', onclick: decide('Approved') }, 'Approve'),
      p.ModelApprovalStatus === 'Rejected' ? null : h('button', { type: 'button', class: 'button reject', onclick: decide('Rejected') }, 'Reject'),
      message,
    ),
  );
}

/** The numbers of each metrics report (e.g. regression_metrics.mse.value), else where it is. */
function metrics(view: RegistryPackageView): HTMLElement {
  const items: HTMLElement[] = [];
  for (const report of view.reports) {
    const numbers = report.content === undefined ? [] : leafNumbers(report.content, '');
    if (numbers.length === 0) items.push(h('div', { class: 'sub mono', title: report.path }, report.s3Uri));
    for (const [name, value] of numbers.slice(0, 6)) items.push(h('div', {}, h('span', { class: 'sub' }, `${name} `), h('b', {}, Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(5))))));
  }
  return items.length === 0 ? h('span', { class: 'sub' }, '—') : h('div', { class: 'metrics' }, ...items);
}

function leafNumbers(value: unknown, at: string): [string, number][] {
  if (typeof value === 'number') return [[at.replace(/\.value$/, ''), value]];
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => leafNumbers(child, at ? `${at}.${key}` : key));
}
