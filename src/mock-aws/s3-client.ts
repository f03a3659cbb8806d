// Builds the object store a run (or `sagesim s3`) talks to, from the resolved configuration:
// the embedded emulator in mock mode, a given endpoint (LocalStack, any S3), or AWS S3.
import { Agent } from 'node:http';
import type { Duplex } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';
import path from 'node:path';
import { DEFAULT_TIMEOUTS, type SagesimConfig, type TimeoutSettings, timeoutsOf } from '../config.js';
import { assertNever } from '../errors.js';
import { startEmbeddedS3 } from './embedded-s3.js';
import { InProcessAgent } from './in-process-connection.js';
import { S3ObjectStore } from './s3-object-store.js';

/** The credentials sagesim signs with against the embedded emulator or, in mock mode, LocalStack. */
export const DUMMY_CREDENTIALS: { readonly accessKeyId: string; readonly secretAccessKey: string } = Object.freeze({
  accessKeyId: 'sagesim',
  secretAccessKey: 'sagesim',
});

export interface S3ClientOptions {
  /** A custom endpoint (path-style addressing); absent for AWS S3. */
  readonly endpoint?: string;
  readonly region: string;
  /** `dummy`: sagesim's fixed credentials; `default`: the SDK's standard chain (env, profile, SSO, role). */
  readonly credentials: 'dummy' | 'default';
  /** With `default` credentials: a named profile instead of AWS_PROFILE / `default`. */
  readonly profile?: string;
  /**
   * Makes the connections HTTP requests go over instead of TCP (the embedded emulator's
   * in-process `connect`); the endpoint still names the host and port requests are signed for.
   */
  readonly connect?: () => Duplex;
  /** Connect and idle timeouts. @default DEFAULT_TIMEOUTS */
  readonly timeouts?: Pick<TimeoutSettings, 's3ConnectMs' | 's3IdleMs'>;
}

export function createS3Client(options: S3ClientOptions): S3Client {
  const custom = options.endpoint !== undefined;
  return new S3Client({
    region: options.region,
    ...(custom ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
    // A copy: the SDK marks the credentials object it is given (a frozen one makes it throw).
    ...(options.credentials === 'dummy' ? { credentials: { ...DUMMY_CREDENTIALS } } : {}),
    ...(options.credentials === 'default' && options.profile !== undefined ? { profile: options.profile } : {}),
    // Emulators do not return or check flexible checksums; computing CRC32 over every staged
    // byte would only cost CPU (and send aws-chunked bodies some emulators cannot read).
    ...(custom ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } : {}),
    requestHandler: {
      // Staging runs many transfers at once; keep their connections open between requests.
      httpAgent: options.connect ? new InProcessAgent(options.connect) : new Agent({ keepAlive: true, maxSockets: 64 }),
      connectionTimeout: options.timeouts?.s3ConnectMs ?? DEFAULT_TIMEOUTS.s3ConnectMs,
      // Idle, not total: a transfer whose socket carries no byte this long is dead (fail it rather
      // than hang a run), while a big upload that keeps sending runs as long as it needs.
      socketTimeout: options.timeouts?.s3IdleMs ?? DEFAULT_TIMEOUTS.s3IdleMs,
    },
  });
}

/**
 * Mock mode without an endpoint starts the embedded emulator (data in `<home>/s3`); an endpoint
 * (`--s3-endpoint`, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL) is used as it is; otherwise AWS S3.
 * Disposing the store stops what it started.
 */
export async function createObjectStore(config: SagesimConfig, options: { readonly profile?: string } = {}): Promise<S3ObjectStore> {
  const s3 = config.s3;
  // A profile names credentials of the standard chain; mock mode signs with dummy ones.
  const profile = options.profile === undefined ? {} : { profile: options.profile };
  const timeouts = timeoutsOf(config);
  switch (s3.kind) {
    case 'embedded': {
      if (!config.mock) {
        const endpoint = `https://s3.${config.region}.amazonaws.com`;
        const client = createS3Client({ region: config.region, credentials: 'default', ...profile, timeouts });
        return new S3ObjectStore({ client, endpoint, description: `AWS S3 (${config.region})` });
      }
      const emulator = await startEmbeddedS3({ dataDir: embeddedS3DataDir(config), staleUploadAgeMs: config.s3StaleUploadHours * 60 * 60 * 1000 });
      const client = createS3Client({ endpoint: emulator.endpoint, region: config.region, credentials: 'dummy', connect: () => emulator.connect(), timeouts });
      return new S3ObjectStore({
        client,
        endpoint: emulator.endpoint,
        description: `embedded S3 at ${emulator.endpoint}`,
        createBuckets: true,
        release: () => emulator.close(),
      });
    }
    case 'endpoint': {
      const client = createS3Client({ endpoint: s3.url, region: config.region, credentials: config.mock ? 'dummy' : 'default', ...profile, timeouts });
      return new S3ObjectStore({ client, endpoint: s3.url, description: `S3 at ${s3.url}`, createBuckets: true });
    }
    default:
      return assertNever(s3, 'S3 configuration');
  }
}

/** Where the embedded emulator keeps its objects. */
export function embeddedS3DataDir(config: Pick<SagesimConfig, 'home'>): string {
  return path.join(config.home, 's3');
}
