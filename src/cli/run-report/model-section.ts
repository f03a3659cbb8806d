// Registered model packages: group, version, approval status and the ARN to approve.
import type { ExecutionRecord } from '../../engine/execution-record.js';
import { formatValue, type Layout, nameColumnWidth, section } from './layout.js';

export interface RegisteredModel {
  readonly stepName: string;
  /** The model package ARN. */
  readonly arn: string;
  readonly group?: string;
  readonly version?: number;
  readonly approvalStatus?: string;
}

/** The model packages a run registered, from the RegisterModel steps that succeeded. */
export function registeredModels(record: Readonly<ExecutionRecord>): RegisteredModel[] {
  return record.steps.flatMap((step) => {
    const arn = step.metadata.RegisterModel?.Arn;
    // A stubbed RegisterModel registered nothing: its ARN is a stand-in, not a package to approve.
    if (step.stepType !== 'RegisterModel' || step.status !== 'Succeeded' || arn === undefined || step.stubbed) return [];
    const properties = step.properties ?? {};
    const group = properties['ModelPackageGroupName'];
    const version = properties['ModelPackageVersion'];
    const status = properties['ModelApprovalStatus'];
    return [
      {
        stepName: step.stepName,
        arn,
        ...(typeof group === 'string' ? { group } : {}),
        ...(typeof version === 'number' ? { version } : {}),
        ...(typeof status === 'string' ? { approvalStatus: status } : {}),
      },
    ];
  });
}

export function modelSection(record: Readonly<ExecutionRecord>, layout: Layout): string[] {
  const models = registeredModels(record);
  const nameWidth = nameColumnWidth(models.map((model) => model.stepName));
  const lines = models.flatMap((model) => {
    const status = model.approvalStatus === undefined ? '' : `, ${styleStatus(model.approvalStatus, layout)}`;
    const what = model.group === undefined ? 'model package' : `${model.group} version ${formatValue(model.version ?? null)}`;
    return [`  ${model.stepName.padEnd(nameWidth)}  ${what}${status}`, `    ${model.arn}`];
  });
  return section('Registered models', lines, layout);
}

function styleStatus(status: string, layout: Layout): string {
  if (status === 'Approved') return layout.style.good(status);
  if (status === 'Rejected') return layout.style.bad(status);
  return layout.style.warn(status);
}
