/**
 * Reads a Terraform state file (JSON, format version 4, as `terraform state pull` writes it) and turns the
 * attributes the AWS provider records into the ids `pulumi import` expects for the same resource type.
 */
import * as fs from "fs";

/** A state or file problem the user can fix: one clean line (scripts/cli.ts prints it without a stack). */
export class TfStateError extends Error {
  readonly userError = true;
  constructor(message: string) {
    super(message);
    this.name = "TfStateError";
  }
}

export interface TfInstance {
  address: string;
  type: string;
  attributes: Record<string, unknown>;
}

export interface TfState {
  file: string;
  /** Managed resource instances by address (`module.x.aws_y.z["key"]`); data sources are left out. */
  instances: Map<string, TfInstance>;
  /** The AWS account the state's ARNs name, when any does. */
  account?: string;
}

interface RawResource {
  module?: string;
  mode?: string;
  type?: string;
  name?: string;
  instances?: { index_key?: string | number; attributes?: Record<string, unknown> }[];
}

function indexSuffix(key: string | number | undefined): string {
  if (key === undefined) return "";
  return typeof key === "number" ? `[${key}]` : `["${key}"]`;
}

/** Parses state JSON text; `file` only names it in errors. */
export function parseTfState(text: string, file: string): TfState {
  let raw: { version?: unknown; resources?: unknown };
  try {
    raw = JSON.parse(text) as typeof raw;
  } catch (e) {
    throw new TfStateError(
      `${file} is not JSON (${(e as Error).message}); write it with: terraform state pull > ${file}`,
    );
  }
  if (raw === null || typeof raw !== "object" || raw.version !== 4)
    throw new TfStateError(
      `${file}: expected a Terraform state of format version 4 ("version": 4), got ${JSON.stringify(raw?.version ?? null)}`,
    );
  if (!Array.isArray(raw.resources)) throw new TfStateError(`${file}: the state has no "resources" list`);
  const instances = new Map<string, TfInstance>();
  let account: string | undefined;
  for (const r of raw.resources as RawResource[]) {
    if (r.mode !== "managed" || !r.type || !r.name) continue;
    for (const inst of r.instances ?? []) {
      const address = `${r.module ? `${r.module}.` : ""}${r.type}.${r.name}${indexSuffix(inst.index_key)}`;
      const attributes = inst.attributes ?? {};
      instances.set(address, { address, type: r.type, attributes });
      const arn = typeof attributes.arn === "string" ? attributes.arn : "";
      account ??= /^arn:aws[\w-]*:[\w-]+:[\w-]*:(\d{12}):/.exec(arn)?.[1];
    }
  }
  return { file, instances, account };
}

export function readTfState(file: string): TfState {
  if (!fs.existsSync(file)) throw new TfStateError(`--tfstate ${file}: no such file`);
  return parseTfState(fs.readFileSync(file, "utf8"), file);
}

function attr(inst: TfInstance, key: string): string {
  const v = inst.attributes[key];
  if (typeof v !== "string" || v === "")
    throw new TfStateError(`${inst.address}: the state has no "${key}" attribute (needed for its import id)`);
  return v;
}

/**
 * The `pulumi import` id of a Terraform resource instance. The AWS provider's `id` attribute is the import id
 * for most types; the exceptions below follow each type's "Import" section in the Pulumi AWS registry docs.
 */
export function tfImportId(inst: TfInstance): string {
  switch (inst.type) {
    case "aws_ecs_cluster":
      return attr(inst, "name");
    case "aws_ecs_task_definition":
      return attr(inst, "arn");
    case "aws_lambda_permission":
      return `${attr(inst, "function_name")}/${attr(inst, "statement_id")}`;
    case "aws_lambda_alias":
      return `${attr(inst, "function_name")}/${attr(inst, "name")}`;
    case "aws_apigatewayv2_stage":
    case "aws_apigatewayv2_route":
    case "aws_apigatewayv2_integration":
    case "aws_apigatewayv2_authorizer":
      return `${attr(inst, "api_id")}/${attr(inst, "id")}`;
    case "aws_cloudwatch_event_target": {
      const bus =
        typeof inst.attributes.event_bus_name === "string" ? inst.attributes.event_bus_name : "default";
      return `${bus || "default"}/${attr(inst, "rule")}/${attr(inst, "target_id")}`;
    }
    case "aws_iam_role_policy_attachment":
      return `${attr(inst, "role")}/${attr(inst, "policy_arn")}`;
    case "aws_iam_policy":
      return attr(inst, "arn");
    default:
      return attr(inst, "id");
  }
}
