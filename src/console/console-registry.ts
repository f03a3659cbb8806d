// The console's model registry page: every group with its versions, newest first, each with its
// approval status and its metrics reports (ModelMetrics' S3 documents, read when small and JSON).
import type { JsonObject, JsonValue } from '../engine/json.js';
import type { ModelPackage, ModelPackageGroup } from '../mock-aws/model-registry.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { RegistryPort } from '../mock-aws/sagemaker-api/api-backend.js';

export interface RegistryGroupView {
  readonly group: ModelPackageGroup;
  readonly packages: readonly RegistryPackageView[];
}

export interface RegistryPackageView {
  readonly package: ModelPackage;
  /** Each metrics report of ModelMetrics: where it is and, when readable, what it says. */
  readonly reports: readonly { readonly path: string; readonly s3Uri: string; readonly content?: JsonValue }[];
}

const MAX_REPORT_BYTES = 64 * 1024;

export async function registryView(
  registry: Pick<RegistryPort, 'listModelPackageGroups' | 'listModelPackages' | 'describeModelPackage'>,
  objectStore: Pick<ObjectStore, 'get'> | undefined,
): Promise<RegistryGroupView[]> {
  const groups = (await registry.listModelPackageGroups({ sortBy: 'Name', sortOrder: 'Ascending', maxResults: 100 })).ModelPackageGroupSummaryList;
  return Promise.all(
    groups.map(async (group) => {
      const summaries = (await registry.listModelPackages({ groupName: group.ModelPackageGroupName, sortBy: 'CreationTime', sortOrder: 'Descending', maxResults: 100 })).ModelPackageSummaryList;
      const packages = await Promise.all(
        summaries.map(async (summary) => {
          const described = await registry.describeModelPackage(summary.ModelPackageArn);
          return { package: described, reports: await readReports(described.ModelMetrics, objectStore) };
        }),
      );
      return { group, packages };
    }),
  );
}

/** Every `{ S3Uri }` inside ModelMetrics, with its JSON path (ModelQuality.Statistics, ...). */
async function readReports(metrics: JsonObject | undefined, objectStore: Pick<ObjectStore, 'get'> | undefined): Promise<RegistryPackageView['reports']> {
  const found: { path: string; s3Uri: string }[] = [];
  const visit = (value: JsonValue | undefined, at: string): void => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return;
    if (typeof value['S3Uri'] === 'string') {
      found.push({ path: at, s3Uri: value['S3Uri'] });
      return;
    }
    for (const [key, child] of Object.entries(value)) visit(child, at ? `${at}.${key}` : key);
  };
  visit(metrics, '');
  return Promise.all(
    found.map(async (report) => {
      if (!objectStore) return report;
      try {
        const body = await objectStore.get(report.s3Uri);
        if (body.length > MAX_REPORT_BYTES) return report;
        return { ...report, content: JSON.parse(body.toString('utf8')) as JsonValue };
      } catch {
        // A report that is gone or not JSON still shows its location.
        return report;
      }
    }),
  );
}
