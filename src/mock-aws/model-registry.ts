// The local model registry: model package groups and their numbered versions, kept in the store
// (`<home>/registry/<group>/group.json`, `<home>/registry/<group>/versions/<n>.json`) and shaped
// like DescribeModelPackageGroup / DescribeModelPackage. Lock-free: a version number is claimed by
// creating its file exclusively (hard link, never overwrites), so concurrent RegisterModel steps,
// the API emulator and `sagesim models approve` in other processes never clash.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { SagesimError } from '../errors.js';
import { sagemakerArn } from '../engine/identity.js';
import type { JsonObject, JsonValue } from '../engine/json.js';
import { createJsonExclusive, listDir, readJsonIfExists, writeJsonAtomic } from './atomic-json.js';
import { type ListOptions, inTimeRange, paginate, sortBy } from './model-registry-listing.js';

export type ModelApprovalStatus = 'Approved' | 'Rejected' | 'PendingManualApproval';
export const MODEL_APPROVAL_STATUSES: readonly ModelApprovalStatus[] = ['Approved', 'Rejected', 'PendingManualApproval'];

/** DescribeModelPackageGroup. Times are ISO-8601. */
export interface ModelPackageGroup {
  readonly ModelPackageGroupName: string;
  readonly ModelPackageGroupArn: string;
  readonly ModelPackageGroupDescription?: string;
  readonly CreationTime: string;
  readonly ModelPackageGroupStatus: 'Completed';
}

/** DescribeModelPackage of a versioned package. Times are ISO-8601; other members as given at creation. */
export interface ModelPackage {
  /** For versioned packages the cloud reports the group's name here. */
  readonly ModelPackageName: string;
  readonly ModelPackageGroupName: string;
  readonly ModelPackageVersion: number;
  readonly ModelPackageArn: string;
  readonly ModelPackageDescription?: string;
  readonly CreationTime: string;
  readonly LastModifiedTime?: string;
  readonly ModelPackageStatus: 'Completed';
  readonly ModelPackageStatusDetails: { readonly ValidationStatuses: []; readonly ImageScanStatuses: [] };
  readonly ModelApprovalStatus: ModelApprovalStatus;
  readonly ApprovalDescription?: string;
  readonly CertifyForMarketplace: boolean;
  readonly InferenceSpecification?: JsonObject;
  readonly ModelMetrics?: JsonObject;
  readonly CustomerMetadataProperties?: Readonly<Record<string, string>>;
  readonly [other: string]: JsonValue | undefined;
}

/** ListModelPackages' ModelPackageSummary: the package's identity, description, time and statuses. */
export type ModelPackageSummary = Pick<
  ModelPackage,
  | 'ModelPackageName'
  | 'ModelPackageGroupName'
  | 'ModelPackageVersion'
  | 'ModelPackageArn'
  | 'ModelPackageDescription'
  | 'CreationTime'
  | 'ModelPackageStatus'
  | 'ModelApprovalStatus'
>;

/** ListModelPackageGroups' ModelPackageGroupSummary: every member DescribeModelPackageGroup has. */
export type ModelPackageGroupSummary = ModelPackageGroup;

export interface ModelRegistryOptions {
  /** The sagesim home folder (SagesimConfig.home). */
  readonly home: string;
  readonly region: string;
  readonly accountId: string;
  /** Injected so tests control CreationTime. @default () => new Date() */
  readonly now?: () => Date;
}

export interface ListModelPackagesOptions extends ListOptions {
  /** A group name or ARN. @default every group */
  readonly groupName?: string;
  readonly approvalStatus?: ModelApprovalStatus;
}

export type ListModelPackageGroupsOptions = ListOptions;

export interface ModelPackageUpdate {
  readonly ModelApprovalStatus?: ModelApprovalStatus;
  readonly ApprovalDescription?: string;
  readonly CustomerMetadataProperties?: Readonly<Record<string, string>>;
  readonly CustomerMetadataPropertiesToRemove?: readonly string[];
}

/** CreateModelPackage members the registry keeps, as DescribeModelPackage reports them. */
const KEPT_MEMBERS = [
  'ModelPackageDescription',
  'InferenceSpecification',
  'SourceAlgorithmSpecification',
  'ValidationSpecification',
  'MetadataProperties',
  'ModelMetrics',
  'CustomerMetadataProperties',
  'DriftCheckBaselines',
  'Domain',
  'Task',
  'SamplePayloadUrl',
  'AdditionalInferenceSpecifications',
  'SkipModelValidation',
  'SourceUri',
  'SecurityConfig',
  'ModelCard',
  'ModelLifeCycle',
] as const;

const GROUP_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const MAX_CLAIM_ATTEMPTS = 1000;

export class ModelRegistry {
  private readonly root: string;
  private readonly now: () => Date;

  constructor(private readonly options: ModelRegistryOptions) {
    this.root = path.join(options.home, 'registry');
    this.now = options.now ?? (() => new Date());
  }

  groupArn(groupName: string, accountId: string = this.options.accountId): string {
    return sagemakerArn({ region: this.options.region, accountId }, 'model-package-group', groupName);
  }

  packageArn(groupName: string, version: number, accountId: string = this.options.accountId): string {
    return sagemakerArn({ region: this.options.region, accountId }, 'model-package', `${groupName}/${version}`);
  }

  /** CreateModelPackageGroup: throws `MODEL_PACKAGE_GROUP_EXISTS` when the group exists. */
  async createModelPackageGroup(input: {
    readonly ModelPackageGroupName: string;
    readonly ModelPackageGroupDescription?: string;
  }): Promise<ModelPackageGroup> {
    const { group, created } = await this.claimGroup(input.ModelPackageGroupName, input.ModelPackageGroupDescription);
    if (!created) {
      throw new SagesimError('MODEL_PACKAGE_GROUP_EXISTS', `Model Package Group already exists: ${group.ModelPackageGroupArn}`, {
        source: 'user',
      });
    }
    return group;
  }

  /** The group, created first when it does not exist yet (what a RegisterModel step does). */
  async ensureModelPackageGroup(groupName: string, accountId?: string): Promise<ModelPackageGroup> {
    return (await this.claimGroup(groupName, undefined, accountId)).group;
  }

  /** DescribeModelPackageGroup by name or ARN: throws `MODEL_PACKAGE_GROUP_NOT_FOUND`. */
  async describeModelPackageGroup(nameOrArn: string): Promise<ModelPackageGroup> {
    const name = groupNameOf(nameOrArn);
    const group = GROUP_NAME.test(name) ? await readJsonIfExists<ModelPackageGroup>(this.groupFile(name)) : undefined;
    if (!group) throw groupNotFound(nameOrArn);
    return group;
  }

  async listModelPackageGroups(
    options: ListModelPackageGroupsOptions = {},
  ): Promise<{ ModelPackageGroupSummaryList: ModelPackageGroupSummary[]; NextToken?: string }> {
    const groups = await this.allGroups();
    const needle = options.nameContains?.toLowerCase();
    const selected = groups.filter(
      (g) =>
        (needle === undefined || g.ModelPackageGroupName.toLowerCase().includes(needle)) &&
        inTimeRange(g.CreationTime, options.creationTimeAfter, options.creationTimeBefore),
    );
    sortBy(selected, options.sortBy === 'Name' ? (g) => g.ModelPackageGroupName : (g) => g.CreationTime, options.sortOrder);
    const { page, nextToken } = paginate(selected, options.maxResults, options.nextToken);
    return {
      ModelPackageGroupSummaryList: page.map((g) => ({
        ModelPackageGroupName: g.ModelPackageGroupName,
        ModelPackageGroupArn: g.ModelPackageGroupArn,
        ...(g.ModelPackageGroupDescription === undefined ? {} : { ModelPackageGroupDescription: g.ModelPackageGroupDescription }),
        CreationTime: g.CreationTime,
        ModelPackageGroupStatus: g.ModelPackageGroupStatus,
      })),
      ...(nextToken === undefined ? {} : { NextToken: nextToken }),
    };
  }

  /**
   * CreateModelPackage of a versioned package: the group is created on first use (as a pipeline's
   * RegisterModel step does) and the package gets the next version, numbered from 1.
   */
  async createModelPackage(input: JsonObject, where: { readonly accountId?: string } = {}): Promise<ModelPackage> {
    const rawGroup = input['ModelPackageGroupName'];
    if (typeof rawGroup !== 'string' || rawGroup === '') {
      throw new SagesimError('UNVERSIONED_MODEL_PACKAGE', 'CreateModelPackage needs a ModelPackageGroupName', {
        source: 'user',
        hint: 'sagesim keeps versioned model packages only: give ModelPackageGroupName (the SDK does so for RegisterModel steps)',
      });
    }
    const status = input['ModelApprovalStatus'] ?? 'PendingManualApproval';
    assertApprovalStatus(status);
    const group = await this.ensureModelPackageGroup(groupNameOf(rawGroup), where.accountId);
    const kept: Record<string, JsonValue> = {};
    for (const member of KEPT_MEMBERS) {
      const value = input[member];
      if (value !== undefined) kept[member] = value;
    }
    const versionsDir = this.versionsDir(group.ModelPackageGroupName);
    let version = (await this.highestVersion(group.ModelPackageGroupName)) + 1;
    for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++, version++) {
      const record: ModelPackage = {
        ...kept,
        ModelPackageName: group.ModelPackageGroupName,
        ModelPackageGroupName: group.ModelPackageGroupName,
        ModelPackageVersion: version,
        ModelPackageArn: this.packageArn(group.ModelPackageGroupName, version, where.accountId),
        CreationTime: this.now().toISOString(),
        ModelPackageStatus: 'Completed',
        ModelPackageStatusDetails: { ValidationStatuses: [], ImageScanStatuses: [] },
        ModelApprovalStatus: status,
        CertifyForMarketplace: input['CertifyForMarketplace'] === true,
      };
      // Another writer took this number first: try the next one.
      if (await createJsonExclusive(path.join(versionsDir, `${version}.json`), record)) return record;
    }
    throw new SagesimError('MODEL_VERSION_NOT_CLAIMED', `could not claim a version number in ${versionsDir}`);
  }

  /** DescribeModelPackage by ARN or `<group>/<version>`: throws `MODEL_PACKAGE_NOT_FOUND`. */
  async describeModelPackage(arnOrName: string): Promise<ModelPackage> {
    const ref = parsePackageRef(arnOrName);
    const record =
      ref && GROUP_NAME.test(ref.group)
        ? await readJsonIfExists<ModelPackage>(path.join(this.versionsDir(ref.group), `${ref.version}.json`))
        : undefined;
    if (!record) {
      throw new SagesimError('MODEL_PACKAGE_NOT_FOUND', `Model Package ${arnOrName} does not exist`, {
        source: 'user',
        hint: 'list registered packages with `sagesim models ls`',
      });
    }
    return record;
  }

  async listModelPackages(
    options: ListModelPackagesOptions = {},
  ): Promise<{ ModelPackageSummaryList: ModelPackageSummary[]; NextToken?: string }> {
    if (options.approvalStatus !== undefined) assertApprovalStatus(options.approvalStatus);
    const groups =
      options.groupName === undefined
        ? (await this.allGroups()).map((g) => g.ModelPackageGroupName)
        : [(await this.describeModelPackageGroup(options.groupName)).ModelPackageGroupName];
    const packages = (await Promise.all(groups.map((g) => this.packagesOf(g)))).flat();
    const needle = options.nameContains?.toLowerCase();
    const selected = packages.filter(
      (p) =>
        (options.approvalStatus === undefined || p.ModelApprovalStatus === options.approvalStatus) &&
        (needle === undefined || p.ModelPackageName.toLowerCase().includes(needle)) &&
        inTimeRange(p.CreationTime, options.creationTimeAfter, options.creationTimeBefore),
    );
    // Versions break ties: packages registered within one millisecond still list in order.
    sortBy(
      selected,
      options.sortBy === 'Name'
        ? (p) => `${p.ModelPackageName}\u0000${String(p.ModelPackageVersion).padStart(10, '0')}`
        : (p) => `${p.CreationTime}\u0000${p.ModelPackageGroupName}\u0000${String(p.ModelPackageVersion).padStart(10, '0')}`,
      options.sortOrder,
    );
    const { page, nextToken } = paginate(selected, options.maxResults, options.nextToken);
    return {
      ModelPackageSummaryList: page.map((p) => ({
        ModelPackageName: p.ModelPackageName,
        ModelPackageGroupName: p.ModelPackageGroupName,
        ModelPackageVersion: p.ModelPackageVersion,
        ModelPackageArn: p.ModelPackageArn,
        ...(p.ModelPackageDescription === undefined ? {} : { ModelPackageDescription: p.ModelPackageDescription }),
        CreationTime: p.CreationTime,
        ModelPackageStatus: p.ModelPackageStatus,
        ModelApprovalStatus: p.ModelApprovalStatus,
      })),
      ...(nextToken === undefined ? {} : { NextToken: nextToken }),
    };
  }

  /** UpdateModelPackage (approval and customer metadata). Last writer wins, as in the cloud. */
  async updateModelPackage(arn: string, update: ModelPackageUpdate): Promise<ModelPackage> {
    const current = await this.describeModelPackage(arn);
    if (update.ModelApprovalStatus !== undefined) assertApprovalStatus(update.ModelApprovalStatus);
    let metadata: Record<string, string> | undefined = current.CustomerMetadataProperties
      ? { ...current.CustomerMetadataProperties }
      : undefined;
    if (update.CustomerMetadataProperties) metadata = { ...metadata, ...update.CustomerMetadataProperties };
    for (const key of update.CustomerMetadataPropertiesToRemove ?? []) if (metadata) delete metadata[key];
    const next: ModelPackage = {
      ...current,
      ...(update.ModelApprovalStatus === undefined ? {} : { ModelApprovalStatus: update.ModelApprovalStatus }),
      ...(update.ApprovalDescription === undefined ? {} : { ApprovalDescription: update.ApprovalDescription }),
      ...(metadata === undefined ? {} : { CustomerMetadataProperties: metadata }),
      LastModifiedTime: this.now().toISOString(),
    };
    await writeJsonAtomic(path.join(this.versionsDir(current.ModelPackageGroupName), `${current.ModelPackageVersion}.json`), next);
    return next;
  }

  private async claimGroup(nameOrArn: string, description: string | undefined, accountId?: string): Promise<{ group: ModelPackageGroup; created: boolean }> {
    const name = groupNameOf(nameOrArn);
    if (!GROUP_NAME.test(name)) {
      throw new SagesimError('INVALID_MODEL_PACKAGE_GROUP_NAME', `invalid model package group name ${JSON.stringify(nameOrArn)}`, {
        source: 'user',
        hint: 'group names have 1 to 63 letters, digits and hyphens, and start and end with a letter or digit',
      });
    }
    const file = this.groupFile(name);
    const existing = await readJsonIfExists<ModelPackageGroup>(file);
    if (existing) return { group: existing, created: false };
    const group: ModelPackageGroup = {
      ModelPackageGroupName: name,
      ModelPackageGroupArn: this.groupArn(name, accountId),
      ...(description === undefined ? {} : { ModelPackageGroupDescription: description }),
      CreationTime: this.now().toISOString(),
      ModelPackageGroupStatus: 'Completed',
    };
    if (await createJsonExclusive(file, group)) return { group, created: true };
    // Created by a concurrent writer between our read and our link: theirs stands.
    const raced = await readJsonIfExists<ModelPackageGroup>(file);
    if (!raced) throw new SagesimError('MODEL_PACKAGE_GROUP_VANISHED', `model package group file vanished: ${file}`);
    return { group: raced, created: false };
  }

  /**
   * A version of the whole registry, read without reading a record (one stat per file): it
   * differs once a group or a package is created, changed (by this process or another, e.g.
   * `sagesim models approve`) or removed. For the console's live registry page.
   */
  async version(): Promise<string> {
    const groups = (await listDir(this.root)).filter((d) => !d.startsWith('.')).sort();
    const files = await Promise.all(
      groups.map(async (dir) => {
        const versions = (await listDir(path.join(this.root, dir, 'versions'))).filter((f) => /^\d+\.json$/.test(f)).sort();
        return [path.join(dir, 'group.json'), ...versions.map((f) => path.join(dir, 'versions', f))];
      }),
    );
    const stamps = await Promise.all(files.flat().map(async (file) => `${file} ${await fileStamp(path.join(this.root, file))}`));
    return stamps.join('\n');
  }

  private async allGroups(): Promise<ModelPackageGroup[]> {
    const dirs = (await listDir(this.root)).filter((d) => !d.startsWith('.'));
    const groups = await Promise.all(dirs.map((d) => readJsonIfExists<ModelPackageGroup>(path.join(this.root, d, 'group.json'))));
    return groups.filter((g): g is ModelPackageGroup => g !== undefined);
  }

  private async packagesOf(groupName: string): Promise<ModelPackage[]> {
    const dir = this.versionsDir(groupName);
    const files = (await listDir(dir)).filter((f) => /^\d+\.json$/.test(f));
    const records = await Promise.all(files.map((f) => readJsonIfExists<ModelPackage>(path.join(dir, f))));
    return records.filter((r): r is ModelPackage => r !== undefined);
  }

  private async highestVersion(groupName: string): Promise<number> {
    const files = await listDir(this.versionsDir(groupName));
    return files.reduce((max, f) => (/^\d+\.json$/.test(f) ? Math.max(max, Number.parseInt(f, 10)) : max), 0);
  }

  private groupFile(groupName: string): string {
    return path.join(this.root, groupName.toLowerCase(), 'group.json');
  }

  private versionsDir(groupName: string): string {
    return path.join(this.root, groupName.toLowerCase(), 'versions');
  }
}

/** What changes when a file is rewritten (writes are atomic renames: a new inode), or `gone`. */
async function fileStamp(file: string): Promise<string> {
  try {
    const info = await stat(file);
    return `${info.ino}:${info.mtimeMs}:${info.size}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw error;
  }
}

export function isModelApprovalStatus(value: unknown): value is ModelApprovalStatus {
  return typeof value === 'string' && (MODEL_APPROVAL_STATUSES as readonly string[]).includes(value);
}

function assertApprovalStatus(value: unknown): asserts value is ModelApprovalStatus {
  if (!isModelApprovalStatus(value)) {
    throw new SagesimError('INVALID_APPROVAL_STATUS', `invalid ModelApprovalStatus ${JSON.stringify(value)}`, {
      source: 'user',
      hint: `use one of ${MODEL_APPROVAL_STATUSES.join(', ')}`,
    });
  }
}

/** `arn:...:model-package-group/name` or a plain name -> the name. */
function groupNameOf(nameOrArn: string): string {
  const match = /^arn:[^:]+:sagemaker:[^:]*:[^:]*:model-package-group\/(.+)$/.exec(nameOrArn);
  return match?.[1] ?? nameOrArn;
}

/** `arn:...:model-package/<group>/<version>` or `<group>/<version>`. */
function parsePackageRef(arnOrName: string): { group: string; version: number } | undefined {
  const match = /^(?:arn:[^:]+:sagemaker:[^:]*:[^:]*:model-package\/)?([^/]+)\/(\d+)$/.exec(arnOrName);
  if (!match?.[1] || !match[2]) return undefined;
  return { group: match[1], version: Number(match[2]) };
}

function groupNotFound(nameOrArn: string): SagesimError {
  return new SagesimError('MODEL_PACKAGE_GROUP_NOT_FOUND', `Model Package Group ${nameOrArn} does not exist`, {
    source: 'user',
    hint: 'a RegisterModel step creates its group on first use; list groups with `sagesim models ls`',
  });
}
