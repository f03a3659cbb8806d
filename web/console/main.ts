// The console's entry: a hash router over four pages, and the live event stream that tells the
// page on screen which executions changed, or that the registry did, so it refetches only what it
// shows.
import { h } from './dom.js';
import { executionPage } from './page-execution.js';
import { executionsPage } from './page-executions.js';
import { pipelinesPage } from './page-pipelines.js';
import { registryPage } from './page-registry.js';

/** What every page gives the router: its element, how it takes live changes, how it goes away. */
export interface Page {
  readonly element: HTMLElement;
  /** `executionIds` changed (or `undefined`: anything may have changed, after a reconnect). */
  changed?(executionIds: readonly string[] | undefined): void;
  /** The model registry changed (a version registered, approved or rejected, by anyone). */
  registryChanged?(): void;
  dispose?(): void;
}

const main = document.getElementById('main') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;
let current: { readonly route: string; readonly page: Page } | undefined;

function route(): void {
  const hash = location.hash.replace(/^#\/?/, '');
  const [section = 'executions', id, step] = hash.split('/').map((part) => decodeURIComponent(part));
  for (const link of nav.querySelectorAll('a')) link.classList.toggle('active', link.dataset['section'] === section);
  // The execution page handles its own step selection without being rebuilt.
  if (current && section === 'executions' && id && current.route === `executions/${id}`) {
    (current.page as Page & { selectStep?(name: string | undefined): void }).selectStep?.(step);
    return;
  }
  current?.page.dispose?.();
  let page: Page;
  switch (section) {
    case 'pipelines':
      page = pipelinesPage();
      break;
    case 'registry':
      page = registryPage();
      break;
    case 'executions':
      page = id ? executionPage(id, step) : executionsPage();
      break;
    default:
      page = { element: h('p', { class: 'empty' }, `No page "${section}".`) };
  }
  current = { route: id && section === 'executions' ? `executions/${id}` : section, page };
  main.replaceChildren(page.element);
}

function listen(): void {
  const source = new EventSource('api/events');
  const status = document.getElementById('live') as HTMLElement;
  source.addEventListener('open', () => {
    status.className = 'live on';
    status.title = 'live: pages update as executions change';
    // Whatever happened while the stream was down is unknown: refresh all.
    current?.page.changed?.(undefined);
  });
  source.addEventListener('error', () => {
    status.className = 'live off';
    status.title = 'reconnecting to sagesim serve...';
  });
  source.addEventListener('change', (event) => {
    const { executionIds } = JSON.parse((event as MessageEvent<string>).data) as { executionIds: string[] };
    current?.page.changed?.(executionIds);
  });
  source.addEventListener('registry', () => current?.page.registryChanged?.());
}

window.addEventListener('hashchange', route);
route();
listen();
