/**
 * What each AWS system's seed Terraform holds, and where each of its resources goes in our program.
 *
 * `imports` maps our logical name → the seed's resource address (read from the seeds' main.tf: aimodelshare
 * `infra/` at 155e1d1 with the per-workspace table of 7ec04eb, tamma-infra at 3855e06, aegis `terraform/`).
 * `outsideState` names resources that exist in the cloud although no Terraform resource declares them (Lambda
 * creates `/aws/lambda/<fn>` itself): imported by the id the program derives. Every other AWS resource of the
 * system is created new; `createdNew` gives the reason where there is more to say than "new in this program".
 */
export interface SeedSystem {
  seed: string;
  imports: Record<string, string>;
  outsideState: Record<string, string>;
  createdNew: [RegExp, string][];
  /** Seed addresses nothing in our program takes over (delete them after cut-over), with the reason. */
  retired: Record<string, string>;
}

const NEW_DEFAULT = "new in this program: the seed's Terraform has no such resource";

export const SEEDS: Record<"playground" | "tamma" | "agents", SeedSystem> = {
  playground: {
    seed: "mparrott-at-wiris/aimodelshare infra/ (155e1d1, table per workspace from 7ec04eb)",
    imports: {
      "playground-table": "aws_dynamodb_table.playground",
      "playground-api": "aws_lambda_function.api",
      "playground-http-api": "aws_apigatewayv2_api.http_api",
      "playground-integration": "aws_apigatewayv2_integration.lambda_proxy",
      "playground-route-post-tables-767181": "aws_apigatewayv2_route.route_create_table",
      "playground-route-get-tables-102273": "aws_apigatewayv2_route.route_list_tables",
      "playground-route-get-tables-tableid-ca3eaf": "aws_apigatewayv2_route.route_get_table",
      "playground-route-patch-tables-tableid-40bc57": "aws_apigatewayv2_route.route_patch_table",
      "playground-route-get-tables-tableid-users-ab8bd1": "aws_apigatewayv2_route.route_list_users",
      "playground-route-get-tables-tableid-users-username-6da1e1": "aws_apigatewayv2_route.route_get_user",
      "playground-route-put-tables-tableid-users-username-4a10c8": "aws_apigatewayv2_route.route_put_user",
      "playground-stage": "aws_apigatewayv2_stage.stage",
      "playground-invoke": "aws_lambda_permission.allow_invoke",
      "playground-layer": "aws_lambda_layer_version.extra[0]",
    },
    outsideState: {
      "playground-api-logs":
        "Lambda created /aws/lambda/<function> on its first run (the seed declared no log group); drop the entry if the function never ran",
    },
    createdNew: [
      [
        /^playground-api-role$/,
        "the seed's role is <prefix>-lambda-role; an IAM role cannot be renamed, so the new one is created (delete the old one after cut-over)",
      ],
      [
        /^playground-api-policy$/,
        "an inline policy on the new role replaces the seed's customer-managed <prefix>-ddb-rw policy",
      ],
      [/^playground-access-logs$/, "the seed had no API access logging"],
      [/^playground-route-get-health-/, "GET /health is not in the seed's commit (added later upstream)"],
    ],
    retired: {
      "aws_iam_role.lambda_exec_role": "replaced by the new function role",
      "aws_iam_role_policy_attachment.lambda_logs": "the new role's inline policy grants the log writes",
      "aws_iam_policy.ddb_rw": "replaced by the new role's inline policy",
      "aws_iam_role_policy_attachment.attach_ddb_rw": "replaced by the new role's inline policy",
    },
  },
  tamma: {
    seed: "Wonjuny0804/tamma-infra main.tf (3855e06)",
    imports: {
      "tamma-raw": "aws_s3_bucket.raw",
      "tamma-raw-lifecycle": "aws_s3_bucket_lifecycle_configuration.raw_expire",
      "tamma-derived": "aws_s3_bucket.derived",
      "tamma-jobs": "aws_sqs_queue.jobs",
      "tamma-jobs-dlq": "aws_sqs_queue.jobs_dlq",
      "tamma-cluster": "aws_ecs_cluster.main",
      "tamma-capacity": "aws_ecs_cluster_capacity_providers.fargate",
      "tamma-repo": "aws_ecr_repository.audio_clean",
      "tamma-repo-lifecycle": "aws_ecr_lifecycle_policy.audio_clean",
      "tamma-execution-role": "aws_iam_role.audio_clean_task_exec",
      "tamma-task": "aws_ecs_task_definition.audio_clean_task",
      "tamma-supabase-url": "aws_ssm_parameter.supabase_url",
      "tamma-supabase-service-key": "aws_ssm_parameter.supabase_service_key",
      "tamma-trigger": "aws_lambda_function.trigger_audio_clean",
      "tamma-trigger-events": "aws_lambda_event_source_mapping.sqs_to_lambda",
    },
    outsideState: {
      "tamma-trigger-logs":
        "Lambda created /aws/lambda/<function> on its first run (the seed declared no log group); drop the entry if the function never ran",
    },
    createdNew: [
      [
        /^tamma-presign/,
        "the seed's tamma-presign user was made by hand, in no Terraform version; the program creates tamma-<stack>-presign with a least-privilege policy and a new key (retire the hand-made user)",
      ],
      [
        /^tamma-(vpc|worker-sg|endpoints-sg|s3-endpoint|ecr-api-endpoint|ecr-dkr-endpoint|logs-endpoint)$/,
        "the network is created new (awsx VPC); security groups and endpoints belong to it (remove module.vpc after cut-over)",
      ],
      [
        /^tamma-gpu-/,
        "the seed's GPU group could not join the cluster (no ECS_CLUSTER user data, no instance role policy); created new: delete the seed's module.gpu_asg and aws_ecs_capacity_provider.gpu_provider first (same names)",
      ],
      [
        /^tamma-(task-role|task-policy|execution-policy)$/,
        "the seed used one role for execution and task with two inline policies; the program splits them",
      ],
      [
        /^tamma-trigger-(role|policy)$/,
        "the seed's role is <P>-lambda-trigger-ecs-role; an IAM role cannot be renamed, so the new one is created",
      ],
      [
        /^tamma-worker-logs$/,
        "the seed's /ecs/audio-clean collided between stacks; the new group is /ecs/tamma-<stack>-audio-clean",
      ],
      [
        /^tamma-(raw|derived)-(pab|sse|cors)$/,
        "the seed set no public access block, encryption or CORS configuration on its buckets",
      ],
      [/^tamma-jobs-dlq-redrive-allow$/, "the seed had no redrive-allow policy"],
      [/^tamma-dlq-alarm$/, "the seed had no alarm"],
    ],
    retired: {
      "aws_sqs_queue_policy.allow_s3_to_jobs": "left over from a removed S3 notification",
      "aws_ecs_cluster_capacity_providers.attach_gpu":
        "overwrote the fargate attachment; one attachment lists all providers now",
      "aws_iam_role_policy_attachment.ecs_task_exec_attach": "the split execution role gets its own policy",
      "aws_iam_role_policy.ecs_task_access_s3": "moved to the task role's policy",
      "aws_iam_role_policy.ecs_task_ssm_read": "moved to the execution role's policy",
      "aws_iam_role.lambda_trigger_ecs_role": "replaced by tamma-<stack>-trigger-clean",
      "aws_iam_role_policy.lambda_trigger_ecs_policy": "replaced by the new trigger role's policy",
      "aws_cloudwatch_log_group.audio_clean": "replaced by /ecs/tamma-<stack>-audio-clean",
      "aws_security_group.worker": "lives in the old VPC",
      "aws_ecs_service.audio_clean_service": "desired count 0, never used: tasks are started by the trigger",
      "aws_ssm_parameter.assemblyai_api_key": "placeholder value 'changeme', read by nothing",
      "aws_ssm_parameter.openai_api_key": "placeholder value 'changeme', read by nothing",
      "aws_lambda_layer_version.supabase": "the Node.js trigger bundles its code, no layer",
      "module.vpc.*": "the network is created new (awsx VPC): remove the old one after cut-over",
      "module.gpu_asg.*": "the GPU group is created new",
      "aws_ecs_capacity_provider.gpu_provider": "the GPU capacity provider is created new",
    },
  },
  agents: {
    seed: "jacksodj/aegis terraform/ (8af7bb3)",
    imports: {
      "agents-artifacts": "aws_s3_bucket.artifacts",
      "agents-artifacts-versioning": "aws_s3_bucket_versioning.artifacts",
      "agents-artifacts-sse": "aws_s3_bucket_server_side_encryption_configuration.artifacts",
      "agents-artifacts-public-access": "aws_s3_bucket_public_access_block.artifacts",
      "agents-artifacts-lifecycle": "aws_s3_bucket_lifecycle_configuration.artifacts",
      "agents-workflows": "aws_dynamodb_table.workflows",
      "agents-runtimes-researcher-repo": 'aws_ecr_repository.agents["researcher"]',
      "agents-runtimes-analyst-repo": 'aws_ecr_repository.agents["analyst"]',
      "agents-runtimes-writer-repo": 'aws_ecr_repository.agents["writer"]',
      "agents-runtimes-researcher-lifecycle": 'aws_ecr_lifecycle_policy.agents["researcher"]',
      "agents-runtimes-analyst-lifecycle": 'aws_ecr_lifecycle_policy.agents["analyst"]',
      "agents-runtimes-writer-lifecycle": 'aws_ecr_lifecycle_policy.agents["writer"]',
      "agents-controller-logs": "aws_cloudwatch_log_group.controller",
      "agents-callback-logs": "aws_cloudwatch_log_group.callback",
      "agents-api-logs": "aws_cloudwatch_log_group.api_gateway",
      "agents-events-logs": "aws_cloudwatch_log_group.workflow_events",
      "agents-callback": "aws_lambda_function.callback",
      "agents-api": "aws_apigatewayv2_api.main",
      "agents-stage": "aws_apigatewayv2_stage.main",
      "agents-api-integration": "aws_apigatewayv2_integration.controller",
      "agents-callback-integration": "aws_apigatewayv2_integration.callback",
      "agents-route-post-workflows": "aws_apigatewayv2_route.create_workflow",
      "agents-route-get-workflows-workflow-id": "aws_apigatewayv2_route.get_workflow",
      "agents-route-post-callbacks-workflow-id": "aws_apigatewayv2_route.callback",
      "agents-route-post-approve-workflow-id": "aws_apigatewayv2_route.approve",
      "agents-callback-invoke": "aws_lambda_permission.api_gateway_callback",
      "agents-workflow-events": "aws_cloudwatch_event_rule.workflow_events",
      "agents-workflow-events-target": "aws_cloudwatch_event_target.workflow_events_log",
    },
    outsideState: {},
    createdNew: [
      [
        /^agents-controller(-live)?$/,
        "durable execution is set only when a function is created: delete the seed's Python controller first, then the program creates the durable controller and its live alias",
      ],
      [
        /^agents-runtimes-\w+-(runtime|role|policy|logs)$/,
        "the seed created no AgentCore runtime (placeholder ARNs); the runtimes, their roles and log groups are new",
      ],
      [
        /^agents-(controller|callback)-(role|policy)$/,
        "the seed's roles are <prefix>-controller-role / -callback-role; an IAM role cannot be renamed, so the new ones are created",
      ],
      [
        /^agents-api-fn(-role|-policy|-logs|-invoke)?$/,
        "the workflow API function is new (the seed's controller served the API)",
      ],
      [/^agents-api-invoke$/, "the permission is for the new API function"],
      [
        /^agents-events-logs-policy$/,
        "the seed's EventBridge target never delivered (no log resource policy)",
      ],
      [/^agents-route-/, "a route the seed does not have"],
    ],
    retired: {
      "aws_lambda_function.controller": "replaced by the durable controller (delete it before the import)",
      "aws_iam_role.controller": "replaced by <prefix>-controller",
      "aws_iam_role_policy.controller": "replaced",
      "aws_iam_role_policy_attachment.controller_basic": "replaced",
      "aws_iam_role.callback": "replaced by <prefix>-callback",
      "aws_iam_role_policy.callback": "replaced",
      "aws_iam_role_policy_attachment.callback_basic": "replaced",
      "aws_lambda_permission.api_gateway_controller": "for the deleted controller",
      "aws_iam_role.eventbridge_logs": "unused by the seed (a log target needs a resource policy)",
      "aws_iam_role_policy.eventbridge_logs": "unused by the seed",
      "null_resource.docker_build_push*": "images are built by Pulumi (docker-build)",
    },
  },
};

export type SeedSystemName = keyof typeof SEEDS;

export function isSeedSystem(system: string): system is SeedSystemName {
  return Object.prototype.hasOwnProperty.call(SEEDS, system);
}

/** Why a resource of `system` is created new instead of imported. */
export function newReason(seed: SeedSystem, name: string): string {
  return seed.createdNew.find(([re]) => re.test(name))?.[1] ?? NEW_DEFAULT;
}
