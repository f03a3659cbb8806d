// A file mailbox for Callback steps, in the store so another process can answer: the waiting step
// registers `<home>/callbacks/<token>.json`; `sagesim callback succeed|fail` (or the API
// emulator's SendPipelineExecutionStepSuccess/Failure) delivers `<home>/callbacks/<token>.result.json`,
// created exclusively so a token is answered once. Both files go when the step stops waiting.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { JsonValue } from '../engine/json.js';
import { SagesimError } from '../errors.js';
import { createJsonExclusive, listDir, readJsonIfExists, writeJsonAtomic } from './atomic-json.js';

/** What the step waits for: success with string output values, or failure with a reason. */
export type CallbackResult =
  | { readonly status: 'Success'; readonly outputParameters: Readonly<Record<string, string>> }
  | { readonly status: 'Failure'; readonly failureReason: string };

/** A step waiting for its callback, as `pendingCallbacks` reports it. */
export interface PendingCallback {
  readonly token: string;
  readonly executionArn: string;
  readonly pipelineName: string;
  readonly stepName: string;
  /** The step's resolved arguments: what the cloud would send in the SQS message. */
  readonly arguments: JsonValue;
  /** ISO-8601. */
  readonly createdAt: string;
  /** The process whose step waits; a registration whose process died is not reported. */
  readonly pid: number;
}

const TOKEN = /^[A-Za-z0-9_-]{1,128}$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A fresh callback token (10 alphanumeric characters, like the cloud's). */
export function newCallbackToken(): string {
  return [...randomBytes(10)].map((b) => ALPHABET[b % ALPHABET.length]).join('');
}

/** Records that a step waits for `token`. */
export async function registerCallback(home: string, pending: PendingCallback): Promise<void> {
  assertToken(pending.token);
  await writeJsonAtomic(registrationFile(home, pending.token), pending);
}

/**
 * Delivers a result for `token` and returns the waiting step's registration. Throws
 * `CALLBACK_NOT_FOUND` when no step waits for it and `CALLBACK_ALREADY_DELIVERED` when it was
 * answered already.
 */
export async function deliverCallback(home: string, token: string, result: CallbackResult): Promise<PendingCallback> {
  const pending = TOKEN.test(token) ? await readJsonIfExists<PendingCallback>(registrationFile(home, token)) : undefined;
  if (!pending) {
    throw new SagesimError('CALLBACK_NOT_FOUND', `no step is waiting for callback token ${JSON.stringify(token)} in ${home}`, {
      source: 'user',
      hint: 'the step may have finished or been stopped; `sagesim callback ls` lists the tokens steps wait for (use the same --home as the run)',
    });
  }
  if (!(await createJsonExclusive(resultFile(home, token), result))) {
    throw new SagesimError('CALLBACK_ALREADY_DELIVERED', `callback token ${token} was already answered`, { source: 'user' });
  }
  return pending;
}

/** The result delivered for `token`, if any. */
export async function readCallbackResult(home: string, token: string): Promise<CallbackResult | undefined> {
  assertToken(token);
  return readJsonIfExists<CallbackResult>(resultFile(home, token));
}

/** Removes a token's registration and result (the step no longer waits). */
export async function removeCallback(home: string, token: string): Promise<void> {
  assertToken(token);
  await fs.rm(registrationFile(home, token), { force: true });
  await fs.rm(resultFile(home, token), { force: true });
}

/** Steps waiting for a callback now, oldest first; registrations left by a dead process are skipped. */
export async function pendingCallbacks(home: string, isAlive: (pid: number) => boolean = processAlive): Promise<PendingCallback[]> {
  const dir = path.join(home, 'callbacks');
  const names = (await listDir(dir)).filter((n) => n.endsWith('.json') && !n.endsWith('.result.json') && !n.startsWith('.'));
  const records = await Promise.all(names.map((n) => readJsonIfExists<PendingCallback>(path.join(dir, n))));
  const waiting: PendingCallback[] = [];
  for (const record of records) {
    if (!record || !isAlive(record.pid)) continue;
    if (await readJsonIfExists(resultFile(home, record.token))) continue;
    waiting.push(record);
  }
  return waiting.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function assertToken(token: string): void {
  if (!TOKEN.test(token)) {
    throw new SagesimError('INVALID_CALLBACK_TOKEN', `invalid callback token ${JSON.stringify(token)}`, { source: 'user' });
  }
}

function registrationFile(home: string, token: string): string {
  return path.join(home, 'callbacks', `${token}.json`);
}

function resultFile(home: string, token: string): string {
  return path.join(home, 'callbacks', `${token}.result.json`);
}
