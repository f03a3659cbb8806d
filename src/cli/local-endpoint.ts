// Commands that talk to a SageMaker endpoint (`--endpoint-url`) use dummy credentials for a local
// one (sagesim serve accepts any), so users need not invent some; real ones win when present.
import type { CliIo } from './cli-io.js';

/** True when `endpoint` is on this machine and the environment names no AWS credentials. */
export function wantsDummyCredentials(endpoint: string | undefined, env: CliIo['env']): boolean {
  return endpoint !== undefined && isLoopback(endpoint) && !hasCredentials(env);
}

function isLoopback(endpoint: string): boolean {
  try {
    const host = new URL(endpoint).hostname;
    return host === '127.0.0.1' || host === 'localhost' || host === '[::1]' || host === '::1';
  } catch {
    return false;
  }
}

function hasCredentials(env: CliIo['env']): boolean {
  return Boolean(env['AWS_ACCESS_KEY_ID'] || env['AWS_PROFILE'] || env['AWS_WEB_IDENTITY_TOKEN_FILE'] || env['AWS_CONTAINER_CREDENTIALS_FULL_URI']);
}
