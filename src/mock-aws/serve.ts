// `sagesim serve`: one endpoint on 127.0.0.1 that answers both the SageMaker control plane
// (awsJson1.1, see sagemaker-api/) and S3 (the embedded emulator), backed by the local engine and
// the home folder. Executions started through it run in this process and land in the same store
// as CLI runs. See SAGEMAKER-API-BEHAVIOUR.md.
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SagesimConfig } from '../config.js';
import { createConsoleHandler } from '../console/console-handler.js';
import { consoleUrl, isConsolePath } from '../console/console-paths.js';
import { type Reporter, combineReporters } from '../engine/events.js';
import { parseDefinition } from '../engine/load-definition.js';
import { SagesimError } from '../errors.js';
import { type CreateRunEnvironmentOptions, type RunEnvironment, createRunEnvironment } from '../runtime/create-environment.js';
import { type Releaser, releaseAll } from '../runtime/release-all.js';
import type { StubOptions } from '../steps/stub-executor.js';
import { createEmbeddedS3Handler, openEmbeddedS3Data } from './embedded-s3.js';
import { answerClientError } from './http-client-error.js';
import { ModelRegistry } from './model-registry.js';
import { findModel } from './model-store.js';
import { createS3Client, embeddedS3DataDir } from './s3-client.js';
import { S3ObjectStore } from './s3-object-store.js';
import { DEFAULT_SERVE_PORT } from './serve-port.js';
import type { SageMakerApiBackend } from './sagemaker-api/api-backend.js';
import { FileExecutionNotesStore } from './sagemaker-api/execution-notes.js';
import { createSageMakerApiHandler, isSageMakerRequest, type SageMakerApiHandlerOptions } from './sagemaker-api/http-handler.js';
import { LocalExecutionService } from './sagemaker-api/local-execution-service.js';
import { FilePipelineStore } from './sagemaker-api/pipeline-store.js';


export interface ServeOptions {
  /** Home (pipelines, executions, registry, S3 data), region and account of the ARNs. */
  readonly config: SagesimConfig;
  /** 0 picks a free port. @default 8577 */
  readonly port?: number;
  /** Job steps run as these stubs instead of containers. */
  readonly stubs?: StubOptions;
  /** Told about every execution's events. */
  readonly reporter?: Reporter;
  /** Told about every API request (for the server's log). */
  readonly onRequest?: SageMakerApiHandlerOptions['onRequest'];
  /** Told when an execution breaks in a way the engine could not record. */
  readonly onError?: (executionArn: string, error: unknown) => void;
  /** Test seam: extra executors, a clock. */
  readonly environment?: Omit<CreateRunEnvironmentOptions, 'objectStore'>;
  /** The browser console's built page and bundle. @default dist/console-ui of the package */
  readonly consoleAssetsDir?: string;
}

export interface ServeHandle extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`: the endpoint URL for SageMaker and S3 clients alike. */
  readonly endpoint: string;
  readonly port: number;
  /** The browser console: `<endpoint>/_sagesim/ui/`. */
  readonly consoleUrl: string;
  /** Stops running executions, then the server. */
  close(): Promise<void>;
}

const HOUR_MS = 60 * 60 * 1000;
/** Only loopback: the endpoint checks no credentials. */
const HOST = '127.0.0.1';

export async function startServe(options: ServeOptions): Promise<ServeHandle> {
  const { config } = options;
  const releasers: Releaser[] = [];
  const http = createSwitchableServer();
  try {
    await listen(http.server, options.port ?? DEFAULT_SERVE_PORT);
    releasers.push(() => closeServer(http.server));
    const { port } = http.server.address() as AddressInfo;
    const endpoint = `http://${HOST}:${port}`;

    const dataDir = embeddedS3DataDir(config);
    await openEmbeddedS3Data(dataDir, config.s3StaleUploadHours * HOUR_MS);
    const s3 = createEmbeddedS3Handler(dataDir, config.s3StaleUploadHours * HOUR_MS);
    releasers.push(async () => s3.close());

    const services = await openServices(options, endpoint, releasers);
    const api = createSageMakerApiHandler(sageMakerBackend(config, services), options.onRequest ? { onRequest: options.onRequest } : {});
    const { ui } = services;
    http.handle((req, res) => (isConsolePath(req.url) ? ui.handle(req, res) : isSageMakerRequest(req) ? api(req, res) : s3.handler(req, res)));

    let closing: Promise<void> | undefined;
    const close = (): Promise<void> => (closing ??= releaseAll(releasers));
    return { endpoint, port, consoleUrl: consoleUrl(endpoint), close, [Symbol.asyncDispose]: close };
  } catch (error) {
    await releaseAll(releasers).catch(() => undefined);
    if (!http.server.listening) http.server.close();
    throw error;
  }
}

type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** The HTTP server, listening before its handler exists: until then it answers 503. */
function createSwitchableServer(): { server: Server; handle(handler: RequestHandler): void } {
  let handler: RequestHandler | undefined;
  const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    if (handler) handler(req, res);
    else {
      res.writeHead(503, { 'Content-Type': 'text/plain' });
      res.end('sagesim serve is starting\n');
    }
  });
  server.on('clientError', answerClientError);
  return { server, handle: (next) => (handler = next) };
}

/** Stops listening and ends kept-alive connections, idle ones first. */
function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setImmediate(() => server.closeAllConnections());
  });
}

interface ServeServices {
  readonly objectStore: S3ObjectStore;
  readonly environment: RunEnvironment;
  readonly pipelines: FilePipelineStore;
  readonly registry: ModelRegistry;
  readonly ui: ReturnType<typeof createConsoleHandler>;
  readonly executions: LocalExecutionService;
}

/** What the API and the console stand on: S3 through the endpoint, the run environment, the stores. */
async function openServices(options: ServeOptions, endpoint: string, releasers: Releaser[]): Promise<ServeServices> {
  const { config } = options;
  // Steps (and their containers) reach S3 through this same endpoint.
  const runConfig: SagesimConfig = Object.freeze({ ...config, s3: { kind: 'endpoint', url: endpoint } as const });
  const objectStore = new S3ObjectStore({
    client: createS3Client({ endpoint, region: config.region, credentials: 'dummy' }),
    endpoint,
    description: `sagesim serve S3 at ${endpoint}`,
    createBuckets: true,
  });
  releasers.push(() => objectStore[Symbol.asyncDispose]());
  const environment = await createRunEnvironment(runConfig, {
    ...options.environment,
    objectStore,
    ...(options.reporter ? { reporter: options.reporter } : {}),
  });
  releasers.push(async () => environment[Symbol.asyncDispose]());
  const pipelines = new FilePipelineStore(config.home);
  const registry = new ModelRegistry({ home: config.home, region: config.region, accountId: config.accountId });
  // The console reads what the API reads; the service is created below, told about the console's events.
  const late: { executions?: LocalExecutionService } = {};
  const ui = createConsoleHandler({
    executions: { get: async (arn) => late.executions?.get(arn), list: async () => late.executions?.list() ?? [] },
    store: environment.store,
    pipelines,
    registry,
    objectStore,
    ...(options.consoleAssetsDir === undefined ? {} : { assetsDir: options.consoleAssetsDir }),
  });
  releasers.push(async () => ui.close());
  const executions = new LocalExecutionService({
    config: runConfig,
    environment,
    ...(options.stubs ? { stubs: options.stubs } : {}),
    reporter: combineReporters(options.reporter, ui.events.reporter()),
    ...(options.onError ? { onError: options.onError } : {}),
  });
  late.executions = executions;
  releasers.push(() => executions.close());
  return { objectStore, environment, pipelines, registry, ui, executions };
}

function sageMakerBackend(config: SagesimConfig, services: ServeServices): SageMakerApiBackend {
  const { environment } = services;
  return {
    region: config.region,
    accountId: config.accountId,
    pipelines: services.pipelines,
    executions: services.executions,
    executionNotes: new FileExecutionNotesStore(config.home),
    registry: services.registry,
    findModel: (name) => findModel(config.home, name),
    parseDefinition,
    objectStore: services.objectStore,
    requestTokens: new Map(),
    now: () => environment.clock.now(),
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (cause: NodeJS.ErrnoException): void => {
      reject(
        new SagesimError('SERVE_START_FAILED', `cannot listen on ${HOST}:${port}: ${cause.message}`, {
          source: 'user',
          cause,
          hint: cause.code === 'EADDRINUSE' ? `port ${port} is taken (by another sagesim serve, or another server): pick another with --port (0 picks a free one)` : undefined,
        }),
      );
    };
    server.once('error', onError);
    server.listen(port, HOST, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
