// The browser console on `sagesim serve`'s port, under CONSOLE_PREFIX: the page and its bundled
// assets (built into dist/console-ui by `npm run build`, nothing from a CDN), read-only JSON views
// of the store for what the SageMaker API does not expose (the DAG with run state, logs), and the
// live event stream. Actions (start an execution, approve a model) go through the SageMaker API
// on the same port, as the SDK's would.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionRecord } from '../engine/execution-record.js';
import type { ExecutionStore } from '../engine/execution-store.js';
import { readLogFrom, stepLogPath } from '../history/step-log.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { ExecutionService, RegistryPort } from '../mock-aws/sagemaker-api/api-backend.js';
import type { PipelineStore } from '../mock-aws/sagemaker-api/pipeline-store.js';
import { ConsoleEvents, type ConsoleEventsOptions } from './console-events.js';
import { CONSOLE_PREFIX } from './console-paths.js';
import { pipelineViews } from './console-pipelines.js';
import { registryView } from './console-registry.js';
import { type ExecutionSummaryView, executionSummary, executionView, stepDetail } from './console-views.js';
import { byNewest } from '../store/find-execution.js';

export interface ConsoleHandlerOptions {
  readonly executions: Pick<ExecutionService, 'get' | 'list'>;
  /** Where step logs are (and records of executions this server does not run). */
  readonly store: Pick<ExecutionStore, 'get' | 'list' | 'versions' | 'executionDir'>;
  readonly pipelines: Pick<PipelineStore, 'list'>;
  readonly registry: Pick<RegistryPort, 'listModelPackageGroups' | 'listModelPackages' | 'describeModelPackage'> & { version?(): Promise<string> };
  /** Reads the model metrics reports registered packages point at. */
  readonly objectStore?: Pick<ObjectStore, 'get'>;
  /** The built page and bundle. @default dist/console-ui beside the compiled code */
  readonly assetsDir?: string;
  /** Between two looks at the store for changes made by other processes. @default 2000 */
  readonly watchIntervalMs?: number;
  /** How the store is looked at every `watchIntervalMs` (tests crank it by hand). @default a timer */
  readonly watchEvery?: ConsoleEventsOptions['every'];
}

export interface ConsoleHandler {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Events of executions this server runs, for live pages. */
  readonly events: ConsoleEvents;
  close(): void;
}

/** The largest piece of a log one request returns; the page asks again from where it ended. */
const LOG_CHUNK_BYTES = 256 * 1024;
const LOG_TAIL_LINES = 40;
/** `executions?ids=`: what a page asks after a change event (it asks for all beyond this). */
const MAX_IDS_PER_REQUEST = 100;

const ASSET_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export function createConsoleHandler(options: ConsoleHandlerOptions): ConsoleHandler {
  const { registry } = options;
  const events = new ConsoleEvents({
    records: options.store,
    ...(registry.version === undefined ? {} : { registryVersion: registry.version.bind(registry) }),
    ...(options.watchIntervalMs === undefined ? {} : { watchIntervalMs: options.watchIntervalMs }),
    ...(options.watchEvery === undefined ? {} : { every: options.watchEvery }),
  });
  const assetsDir = options.assetsDir ?? defaultAssetsDir();
  return {
    events,
    close: () => events.close(),
    handle: (req, res) => {
      void route(req, res, options, events, assetsDir).catch((error: unknown) => {
        sendJson(res, 500, { error: error instanceof Error ? error.message : String(error) });
      });
    },
  };
}

async function route(req: IncomingMessage, res: ServerResponse, options: ConsoleHandlerOptions, events: ConsoleEvents, assetsDir: string): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://console.invalid');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendJson(res, 405, { error: `the console's own paths are read-only (GET); actions go through the SageMaker API: POST / with X-Amz-Target` });
    return;
  }
  if (url.pathname === CONSOLE_PREFIX.slice(0, -1)) {
    // The page's assets are relative to the prefix with its slash.
    res.writeHead(301, { Location: CONSOLE_PREFIX });
    res.end();
    return;
  }
  if (!url.pathname.startsWith(CONSOLE_PREFIX)) {
    // `/_sagesim/ui/../x` normalised out of the console: not the console's to answer.
    sendJson(res, 404, { error: `no console resource ${url.pathname}` });
    return;
  }
  const rest = url.pathname.slice(CONSOLE_PREFIX.length);
  const parts = rest.split('/').map((part) => decodeURIComponent(part));
  if (parts[0] !== 'api') {
    await sendAsset(res, assetsDir, rest === '' ? 'index.html' : rest);
    return;
  }
  const [, resource, id, sub, stepName, leaf] = parts;
  switch (resource) {
    case 'events':
      events.subscribe(res);
      return;
    case 'pipelines':
      sendJson(res, 200, await pipelineViews(await options.pipelines.list(), await options.executions.list()));
      return;
    case 'executions': {
      if (id === undefined || id === '') {
        const ids = url.searchParams.get('ids')?.split(',').filter((one) => one !== '');
        if (ids && ids.length > MAX_IDS_PER_REQUEST) sendJson(res, 400, { error: `at most ${MAX_IDS_PER_REQUEST} ids per request; without ids, every execution` });
        else sendJson(res, 200, await executionSummaries(options, ids));
        return;
      }
      const record = await findExecution(options, id);
      if (!record) {
        sendJson(res, 404, { error: `no execution ${id}` });
        return;
      }
      if (sub === undefined) {
        sendJson(res, 200, executionView(record));
        return;
      }
      if (sub === 'steps' && stepName !== undefined && leaf === undefined) {
        const tail = await readTail(options.store, record, stepName);
        const detail = stepDetail(record, stepName, tail);
        if (detail) sendJson(res, 200, detail);
        else sendJson(res, 404, { error: `execution ${id} has no step ${stepName}` });
        return;
      }
      if (sub === 'steps' && stepName !== undefined && leaf === 'log') {
        const from = Number(url.searchParams.get('from') ?? '0');
        const step = record.steps.find((s) => s.stepName === stepName);
        const file = stepLogPath(options.store, record, { name: stepName, record: step });
        const read = await readLogFrom(file, Number.isInteger(from) && from >= 0 ? from : 0);
        const text = read.text.length > LOG_CHUNK_BYTES ? read.text.slice(0, LOG_CHUNK_BYTES) : read.text;
        const running = record.status === 'Executing' || record.status === 'Stopping';
        const stepDone = step !== undefined && ['Succeeded', 'Failed', 'Stopped', 'Skipped'].includes(step.status);
        sendJson(res, 200, { text, end: (Number.isInteger(from) && from >= 0 ? from : 0) + Buffer.byteLength(text), done: !running || stepDone });
        return;
      }
      break;
    }
    case 'registry':
      sendJson(res, 200, await registryView(options.registry, options.objectStore));
      return;
    default:
      break;
  }
  sendJson(res, 404, { error: `no console resource ${url.pathname}` });
}

/**
 * Every execution's summary, newest first; with `ids` only those of them that exist, so that a
 * page told which executions changed reads those, not the whole store (an id asked for and not
 * answered is gone).
 */
async function executionSummaries(options: ConsoleHandlerOptions, ids: readonly string[] | undefined): Promise<ExecutionSummaryView[]> {
  if (ids === undefined) return (await options.executions.list()).map(executionSummary);
  const found = await Promise.all([...new Set(ids)].map((id) => findExecution(options, id)));
  return found.filter((record) => record !== undefined).sort(byNewest).map(executionSummary);
}

/** By id: the live record when this server runs it, else the store's. */
async function findExecution(options: ConsoleHandlerOptions, id: string): Promise<ExecutionRecord | undefined> {
  if (!/^[a-z0-9]+$/.test(id)) return undefined;
  const stored = await options.store.get(id);
  // A running execution's live record is fresher than its (coalesced) file; a finished one's file is final.
  const running = stored?.status === 'Executing' || stored?.status === 'Stopping';
  if (stored) return running ? ((await options.executions.get(stored.executionArn)) ?? stored) : stored;
  // Not written yet (the store coalesces writes): the service knows its running executions.
  return (await options.executions.list()).find((record) => record.executionId === id);
}

async function readTail(store: Pick<ExecutionStore, 'executionDir'>, record: ExecutionRecord, stepName: string): Promise<string> {
  const step = record.steps.find((s) => s.stepName === stepName);
  const { text } = await readLogFrom(stepLogPath(store, record, { name: stepName, record: step }));
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.slice(-LOG_TAIL_LINES).join('\n');
}

async function sendAsset(res: ServerResponse, assetsDir: string, name: string): Promise<void> {
  // Only the bundle's own flat file names: a path from the URL never reaches the file system.
  if (!/^[a-z0-9][a-z0-9.-]*$/.test(name) || !(path.extname(name) in ASSET_TYPES)) {
    sendJson(res, 404, { error: `no console asset ${name}` });
    return;
  }
  let body: Buffer;
  try {
    body = await readFile(path.join(assetsDir, name));
  } catch {
    if (name === 'index.html') {
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`the console's page is not built (looked in ${assetsDir}): run \`npm run build\` in the sagesim checkout\n`);
      return;
    }
    sendJson(res, 404, { error: `no console asset ${name}` });
    return;
  }
  res.writeHead(200, {
    'Content-Type': ASSET_TYPES[path.extname(name)] ?? 'application/octet-stream',
    'Content-Length': body.length,
    'Cache-Control': 'no-cache',
  });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(body);
}

/**
 * `dist/console-ui` of the package: beside this module once compiled (dist/console/ ->
 * dist/console-ui/), or the checkout's dist when running from sources (tests, tsx).
 */
export function defaultAssetsDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, '..', 'console-ui'), path.join(here, '..', '..', 'dist', 'console-ui')];
  return candidates.find((dir) => existsSync(path.join(dir, 'index.html'))) ?? (candidates[0] as string);
}
