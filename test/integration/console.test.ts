// The browser console on `sagesim serve`, in Debian's chromium: a stubbed housing run started
// through the SageMaker API shows its steps and statuses, a click opens a step's panel, the page
// follows a running execution and its step's log without reloading (a Callback step answered by
// the test), a model version is approved from the registry page (which follows changes another
// client makes), and an execution is started from the pipelines page.
// Every wait is on a DOM condition, with generous bounds.
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreatePipelineCommand,
  DescribeModelPackageCommand,
  DescribePipelineExecutionCommand,
  ListModelPackagesCommand,
  ListPipelineExecutionStepsCommand,
  SageMakerClient,
  SendPipelineExecutionStepSuccessCommand,
  StartPipelineExecutionCommand,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALLBACK_FILE, CALLBACK_STEP, CALLBACK_STUBS, HOUSING_FILE, HOUSING_GROUP, HOUSING_STUBS, ROLE_ARN, type ServeFixture, startTestServe } from './serve-helpers.js';
import { FileExecutionStore } from '../../src/store/file-execution-store.js';
import { executionRecord } from '../unit/support/execution-records.js';
import { type LaunchedChromium, launchChromium } from './support/chromium.js';
import { buildConsoleAssets } from './support/console-assets.js';

const WAIT = { timeout: 60_000 };

function sageMakerClient(endpoint: string): SageMakerClient {
  return new SageMakerClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
}

const idOf = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1);

/** Each step's status as the DAG shows it. */
async function shownStatuses(page: Page): Promise<Record<string, string>> {
  return page.$$eval('.dag-node', (nodes) => Object.fromEntries(nodes.map((n) => [n.getAttribute('data-step') ?? '', n.getAttribute('data-status') ?? ''])));
}

describe('the browser console', { timeout: 180_000 }, () => {
  let assets: string;
  let chromium: LaunchedChromium;
  let housing: ServeFixture;
  let callbacks: ServeFixture;
  let housingClient: SageMakerClient;
  let callbackClient: SageMakerClient;
  let screenshots: string;

  beforeAll(async () => {
    assets = buildConsoleAssets();
    screenshots = mkdtempSync(path.join(tmpdir(), 'sagesim-console-shots-'));
    // Stub names must match the pipeline, so each pipeline gets its own server.
    housing = await startTestServe({ stubs: HOUSING_STUBS, consoleAssetsDir: assets });
    callbacks = await startTestServe({ stubs: CALLBACK_STUBS, callbacks: true, consoleAssetsDir: assets });
    housingClient = sageMakerClient(housing.serve.endpoint);
    callbackClient = sageMakerClient(callbacks.serve.endpoint);
    await housingClient.send(new CreatePipelineCommand({ PipelineName: 'housing', PipelineDefinition: readFileSync(HOUSING_FILE, 'utf8'), RoleArn: ROLE_ARN }));
    await callbackClient.send(new CreatePipelineCommand({ PipelineName: 'approval', PipelineDefinition: readFileSync(CALLBACK_FILE, 'utf8'), RoleArn: ROLE_ARN }));
    chromium = await launchChromium();
  });

  afterAll(async () => {
    await chromium?.close();
    housingClient?.destroy();
    callbackClient?.destroy();
    await housing?.close();
    await callbacks?.close();
    if (assets) rmSync(assets, { recursive: true, force: true });
    if (screenshots) rmSync(screenshots, { recursive: true, force: true });
  });

  async function openPage(url: string): Promise<Page> {
    const page = await chromium.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(url);
    // A script error would leave a page that looks fine in a screenshot and does nothing.
    (page as Page & { scriptErrors: string[] }).scriptErrors = errors;
    return page;
  }

  it('shows the steps and statuses of a stubbed housing run started through the API, and a step panel on click', async () => {
    const arn = (await housingClient.send(new StartPipelineExecutionCommand({ PipelineName: 'housing' }))).PipelineExecutionArn as string;
    const page = await openPage(`${housing.serve.consoleUrl}#/executions/${idOf(arn)}`);
    await page.waitForSelector('.page-head .pill[data-status="Succeeded"]', WAIT);
    await page.waitForSelector('.dag-node[data-step="TransformTestData"][data-status="Succeeded"]', WAIT);

    expect(await shownStatuses(page)).toEqual({
      PreprocessHousingData: 'Succeeded',
      TrainModel: 'Succeeded',
      EvaluateModel: 'Succeeded',
      CheckMseThreshold: 'Succeeded',
      'RegisterHousingModel-RegisterModel': 'Succeeded',
      'HousingModel-CreateModel': 'Succeeded',
      TransformTestData: 'Succeeded',
      MseAboveThreshold: 'Skipped',
    });
    // Stubbed steps are marked; RegisterModel ran for real (into the local registry).
    expect(await page.locator('.dag-node[data-step="TrainModel"] .badge-stub').count()).toBe(1);
    expect(await page.locator('.dag-node[data-step="RegisterHousingModel-RegisterModel"] .badge-stub').count()).toBe(0);
    // The branch taken: MSE 0.3 is under the threshold, so the condition's if branch ran.
    expect(await page.textContent('.dag-node[data-step="CheckMseThreshold"]')).toContain('if → true');
    expect(await page.$$eval('.edge-label.edge-taken', (labels) => labels.map((l) => l.textContent))).toContain('if true');

    await page.click('.dag-node[data-step="TrainModel"]');
    const panel = page.locator('[data-role="step-panel"][data-step="TrainModel"]');
    await panel.locator('.panel-content dl').waitFor(WAIT);
    expect(page.url()).toContain(`#/executions/${idOf(arn)}/TrainModel`);
    expect(await panel.locator('.panel-head').textContent()).toContain('Training');
    await expect.poll(() => panel.locator('summary').allTextContents(), WAIT).toEqual(expect.arrayContaining(['Resolved arguments', 'Properties', 'Log']));
    // The resolved arguments are the job's real input: the MaxDepth parameter's default is in.
    expect(await panel.locator('details:has(> summary:text("Resolved arguments")) pre').textContent()).toContain('"max_depth": "6"');

    const shot = path.join(screenshots, 'housing-execution.png');
    await page.screenshot({ path: shot });
    if (process.env['SAGESIM_CONSOLE_SCREENSHOT']) copyFileSync(shot, process.env['SAGESIM_CONSOLE_SCREENSHOT']);
    expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
    expect((page as Page & { scriptErrors: string[] }).scriptErrors).toEqual([]);
    await page.close();
  });

  it('follows a running execution without reloading: a waiting Callback step turns Succeeded when answered', async () => {
    // The executions page is open before the execution starts: its row appears without a reload.
    const page = await openPage(`${callbacks.serve.consoleUrl}#/executions`);
    await page.waitForSelector('.live.on', WAIT);
    const arn = (await callbackClient.send(new StartPipelineExecutionCommand({ PipelineName: 'approval' }))).PipelineExecutionArn as string;
    await page.click(`tr[data-execution="${idOf(arn)}"] a`, WAIT);
    await page.waitForSelector(`.dag-node[data-step="${CALLBACK_STEP}"][data-status="Executing"]`, WAIT);
    expect(await page.getAttribute('.dag-node[data-step="FeaturizeApprovedData"]', 'data-status')).toBe('Pending');
    // Marks this document: a reload would lose the mark.
    await page.evaluate(() => Object.assign(globalThis, { sagesimNoReload: true }));
    // The waiting step's panel follows its log: the message the cloud would put on the SQS queue.
    await page.click(`.dag-node[data-step="${CALLBACK_STEP}"]`);
    const panel = page.locator(`[data-role="step-panel"][data-step="${CALLBACK_STEP}"]`);
    await expect.poll(() => panel.locator('[data-role="log"]').textContent(), WAIT).toContain('"pipelineExecutionArn"');
    expect(await panel.locator('.panel-head .pill').getAttribute('data-status')).toBe('Executing');

    let token: string | undefined;
    await expect
      .poll(async () => {
        const steps = (await callbackClient.send(new ListPipelineExecutionStepsCommand({ PipelineExecutionArn: arn }))).PipelineExecutionSteps ?? [];
        token = steps.find((s) => s.StepName === CALLBACK_STEP)?.Metadata?.Callback?.CallbackToken;
        return token;
      }, WAIT)
      .toBeTruthy();
    await callbackClient.send(
      new SendPipelineExecutionStepSuccessCommand({
        CallbackToken: token,
        OutputParameters: [
          { Name: 'approved', Value: 'true' },
          { Name: 'reviewer', Value: 'console-test' },
        ],
      }),
    );

    await page.waitForSelector(`.dag-node[data-step="${CALLBACK_STEP}"][data-status="Succeeded"]`, WAIT);
    await page.waitForSelector(`[data-role="step-panel"] .panel-head .pill[data-status="Succeeded"]`, WAIT);
    expect(await panel.locator('details:has(> summary:text("Output parameters")) pre').textContent()).toContain('console-test');
    await page.waitForSelector('.page-head .pill[data-status="Succeeded"]', WAIT);
    expect(await shownStatuses(page)).toMatchObject({ [CALLBACK_STEP]: 'Succeeded', IsDataApproved: 'Succeeded', FeaturizeApprovedData: 'Succeeded', DataRejected: 'Skipped' });
    expect(await page.evaluate(() => (globalThis as { sagesimNoReload?: boolean }).sagesimNoReload)).toBe(true);
    await page.close();
  });

  it('approves a model version from the registry page through UpdateModelPackage', async () => {
    // A housing run of its own registers a new version, pending manual approval.
    const arn = (await housingClient.send(new StartPipelineExecutionCommand({ PipelineName: 'housing' }))).PipelineExecutionArn as string;
    await expect.poll(async () => (await housingClient.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: arn }))).PipelineExecutionStatus, WAIT).toBe('Succeeded');
    const packages = (await housingClient.send(new ListModelPackagesCommand({ ModelPackageGroupName: HOUSING_GROUP, SortOrder: 'Descending' }))).ModelPackageSummaryList ?? [];
    const newest = packages[0];
    expect(newest?.ModelApprovalStatus).toBe('PendingManualApproval');
    const page = await openPage(`${housing.serve.consoleUrl}#/registry`);
    const row = page.locator(`[data-group="${HOUSING_GROUP}"] tr[data-version="${newest?.ModelPackageVersion}"]`);
    await row.waitFor(WAIT);
    expect(await row.getAttribute('data-status')).toBe('PendingManualApproval');
    expect(await row.textContent()).toContain('regression_metrics.mse');

    await row.locator('button.approve').click();
    await page.waitForSelector(`[data-group="${HOUSING_GROUP}"] tr[data-version="${newest?.ModelPackageVersion}"][data-status="Approved"]`, WAIT);
    const described = await housingClient.send(new DescribeModelPackageCommand({ ModelPackageName: newest?.ModelPackageArn }));
    expect(described.ModelApprovalStatus).toBe('Approved');

    // Another client (boto3, the SDK, `sagesim models reject`) changes it: the open page follows.
    await housingClient.send(new UpdateModelPackageCommand({ ModelPackageArn: newest?.ModelPackageArn, ModelApprovalStatus: 'Rejected' }));
    await page.waitForSelector(`[data-group="${HOUSING_GROUP}"] tr[data-version="${newest?.ModelPackageVersion}"][data-status="Rejected"]`, WAIT);
    expect((page as Page & { scriptErrors: string[] }).scriptErrors).toEqual([]);
    await page.close();
  });

  it('starts an execution with parameters from the pipelines page', async () => {
    const page = await openPage(`${housing.serve.consoleUrl}#/pipelines`);
    const card = page.locator('[data-pipeline="housing"]');
    await card.waitFor(WAIT);
    await card.locator('summary:text("Start an execution")').click();
    // An MSE threshold under the stubbed 0.3 sends the run down the else branch, to the Fail step.
    await card.locator('input[name="MseThreshold"]').fill('0.1');
    await card.locator('button[type="submit"]').click();
    await page.waitForSelector('.execution-page .page-head .pill[data-status="Failed"]', WAIT);
    expect(await shownStatuses(page)).toMatchObject({ CheckMseThreshold: 'Succeeded', MseAboveThreshold: 'Failed', 'RegisterHousingModel-RegisterModel': 'Skipped' });
    expect(await page.textContent('.dag-node[data-step="CheckMseThreshold"]')).toContain('else → false');

    // The failure banner names the failed step and opens it.
    await page.click('[data-role="execution-failure"] a:text("MseAboveThreshold")');
    await page.locator('[data-role="step-panel"] [data-role="failure"]').waitFor(WAIT);
    expect(await page.textContent('[data-role="step-panel"] [data-role="failure"]')).toMatch(/0\.3/);
    await page.close();
  });

  it('keeps the executions and pipelines pages current with other processes: their run appears and ends, `sagesim rm` takes it away', async () => {
    const list = await openPage(`${housing.serve.consoleUrl}#/executions`);
    const pipelines = await openPage(`${housing.serve.consoleUrl}#/pipelines`);
    for (const page of [list, pipelines]) await page.waitForSelector('.live.on', WAIT);
    await list.waitForSelector('tr[data-execution]', WAIT);
    const rows = await list.locator('tr[data-execution]').count();
    // What `sagesim run` in another terminal writes: a record in the same home.
    const other = new FileExecutionStore({ home: housing.home });
    const id = 'otherprocess0001';
    const time = new Date().toISOString();
    const running = executionRecord(id, { pipelineName: 'housing', startTime: time });
    const latest = `[data-pipeline="housing"] .card-summary a:text("${id}") + .pill`;
    other.save(running);
    await other.flush();
    await list.waitForSelector(`tr[data-execution="${id}"][data-status="Executing"]`, WAIT);
    await pipelines.waitForSelector(`${latest}[data-status="Executing"]`, WAIT);
    other.save({ ...running, status: 'Succeeded', endTime: time, lastModifiedTime: new Date().toISOString() });
    await other.flush();
    await list.waitForSelector(`tr[data-execution="${id}"][data-status="Succeeded"]`, WAIT);
    await pipelines.waitForSelector(`${latest}[data-status="Succeeded"]`, WAIT);
    rmSync(other.executionDir(id), { recursive: true, force: true });
    await list.waitForSelector(`tr[data-execution="${id}"]`, { state: 'detached', ...WAIT });
    await pipelines.waitForSelector(`[data-pipeline="housing"] .card-summary a:text("${id}")`, { state: 'detached', ...WAIT });
    // Only the removed row went.
    expect(await list.locator('tr[data-execution]').count()).toBe(rows);
    for (const page of [list, pipelines]) {
      expect((page as Page & { scriptErrors: string[] }).scriptErrors).toEqual([]);
      await page.close();
    }
  });
});
