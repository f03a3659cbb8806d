// What the page asks the server: the console's read-only JSON views, and actions through the
// SageMaker API on the same port (awsJson1.1, as the SDK sends them).
export async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(`api/${path}`, { headers: { Accept: 'application/json' } });
  const body = (await response.json()) as T & { error?: string };
  if (!response.ok) throw new Error(body.error ?? `${response.status} ${response.statusText}`);
  return body;
}

export class SageMakerError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(`${type}: ${message}`);
  }
}

/** One SageMaker API operation, e.g. `sageMaker('StartPipelineExecution', {...})`. */
export async function sageMaker<T = Record<string, unknown>>(operation: string, input: Record<string, unknown>): Promise<T> {
  // The API answers at the endpoint's root, two levels above the console's page.
  const response = await fetch(new URL('/', location.href), {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': `SageMaker.${operation}` },
    body: JSON.stringify(input),
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok) {
    const type = String(body['__type'] ?? response.headers.get('x-amzn-ErrorType') ?? response.status);
    throw new SageMakerError(type.slice(type.lastIndexOf('#') + 1), String(body['message'] ?? body['Message'] ?? ''));
  }
  return body as T;
}
