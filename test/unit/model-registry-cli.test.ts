import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { ModelRegistry } from '../../src/mock-aws/model-registry.js';
import { captureIo } from './support/capture-io.js';

let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'sagesim-models-cli-'));
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureIo(cwd);
  const code = await runCli(argv, io);
  return { code, stdout: io.out(), stderr: io.err() };
}

function registry(): ModelRegistry {
  return new ModelRegistry({ home: path.join(cwd, '.sagesim'), region: 'us-east-1', accountId: '111122223333' });
}

describe('sagesim models', () => {
  it('lists versions as a table, filtered by group and status', async () => {
    await registry().createModelPackage({ ModelPackageGroupName: 'housing' });
    await registry().createModelPackage({ ModelPackageGroupName: 'housing', ModelApprovalStatus: 'Approved' });
    await registry().createModelPackage({ ModelPackageGroupName: 'churn' });
    const all = await cli('models', 'ls');
    expect(all.code).toBe(0);
    const lines = all.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^GROUP\s+VERSION\s+STATUS\s+CREATED\s+ARN$/);
    expect(lines).toHaveLength(4);
    // Newest first, in the local `YYYY-MM-DD HH:MM:SS` every listing uses.
    expect(lines.slice(1).map((line) => line.split(/\s+/).slice(0, 2).join(' '))).toEqual(['churn 1', 'housing 2', 'housing 1']);
    expect(lines[1]).toMatch(/ \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} /);
    const housing = await cli('models', 'ls', 'housing');
    expect(housing.stdout).toContain('arn:aws:sagemaker:us-east-1:111122223333:model-package/housing/2');
    expect(housing.stdout).not.toContain('churn');
    const approved = await cli('models', 'ls', '--status', 'Approved', '--json');
    expect(JSON.parse(approved.stdout).ModelPackageSummaryList.map((p: { ModelPackageVersion: number }) => p.ModelPackageVersion)).toEqual([2]);
  });

  it('says in its help the order its table is in: newest first', async () => {
    const help = await cli('models', 'ls', '--help');
    expect(help.stdout).toMatch(/versions \(all groups, or one\),\s+newest first/);
  });

  it('marks packages registered by executions with stubbed steps', async () => {
    await registry().createModelPackage({ ModelPackageGroupName: 'housing' });
    await registry().createModelPackage({ ModelPackageGroupName: 'housing', CustomerMetadataProperties: { 'sagesim:stubbed-steps': 'Train,Evaluate' } });
    const lines = (await cli('models', 'ls')).stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^GROUP\s+VERSION\s+STATUS\s+CREATED\s+ARN\s+NOTE$/);
    // Newest first: version 2 (stubbed) above version 1.
    expect(lines[1]).toMatch(/housing\/2\s+STUB: built on stubbed Train, Evaluate$/);
    expect(lines[2]).not.toContain('STUB');
  });

  it('approves and rejects a version with a description', async () => {
    const pkg = await registry().createModelPackage({ ModelPackageGroupName: 'housing' });
    const approved = await cli('models', 'approve', pkg.ModelPackageArn, '--description', 'beats baseline');
    expect(approved).toMatchObject({ code: 0, stdout: `${pkg.ModelPackageArn}: Approved\n` });
    expect(await registry().describeModelPackage(pkg.ModelPackageArn)).toMatchObject({
      ModelApprovalStatus: 'Approved',
      ApprovalDescription: 'beats baseline',
    });
    expect((await cli('models', 'reject', 'housing/1')).code).toBe(0);
    expect((await registry().describeModelPackage(pkg.ModelPackageArn)).ModelApprovalStatus).toBe('Rejected');
    const described = await cli('models', 'describe', pkg.ModelPackageArn);
    expect(JSON.parse(described.stdout)).toMatchObject({ ModelPackageVersion: 1, ModelApprovalStatus: 'Rejected' });
  });

  it('says so when nothing is registered, and fails with exit 2 on an unknown ARN', async () => {
    expect((await cli('models', 'ls')).stdout).toBe('no model packages registered yet\n');
    const missing = await cli('models', 'approve', 'arn:aws:sagemaker:us-east-1:111122223333:model-package/nope/1');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('does not exist');
    expect((await cli('models', 'ls', '--status', 'ok')).code).toBe(2);
  });

  it('uses the home given with --home', async () => {
    const other = path.join(cwd, 'elsewhere');
    await new ModelRegistry({ home: other, region: 'us-east-1', accountId: '111122223333' }).createModelPackage({ ModelPackageGroupName: 'g' });
    expect((await cli('models', 'ls')).stdout).toContain('no model packages');
    expect((await cli('models', 'ls', '--home', other)).stdout).toContain('model-package/g/1');
  });
});
