/**
 * The GPU Auto Scaling group's pieces that make its instances really join the cluster (the seed's did not):
 * the ECS-optimized GPU AMI from AWS's public SSM parameter, and user data that names the cluster and turns
 * on GPU support in the ECS agent.
 */

/** AWS's public parameter holding the current ECS-optimized Amazon Linux 2 GPU AMI id. */
export const GPU_AMI_PARAMETER = "/aws/service/ecs/optimized-ami/amazon-linux-2/gpu/recommended/image_id";

/** The managed policy an ECS container instance needs to register and pull images. */
export const ECS_INSTANCE_POLICY_ARN =
  "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role";

/** Instance types with NVIDIA GPUs that the ECS GPU AMI supports (g and p families). */
export const GPU_INSTANCE_TYPE = /^(g4dn|g5|g5g|g6|g6e|gr6|p3|p3dn|p4d|p4de|p5|p5e)\.[0-9]*x?large$/;

/**
 * The user data script (plain text; the launch template needs it base64-encoded). `ECS_CLUSTER` makes the
 * agent join this cluster instead of `default`; `ECS_ENABLE_GPU_SUPPORT` lets tasks reserve GPUs;
 * `ECS_AWSVPC_BLOCK_IMDS` keeps tasks away from the instance metadata (and the instance role's credentials).
 */
export function gpuUserData(clusterName: string): string {
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(clusterName)) {
    throw new Error(`gpu: "${clusterName}" is not an ECS cluster name`);
  }
  return [
    "#!/bin/bash",
    "set -euo pipefail",
    "cat >> /etc/ecs/ecs.config <<'ECSCONFIG'",
    `ECS_CLUSTER=${clusterName}`,
    "ECS_ENABLE_GPU_SUPPORT=true",
    "ECS_ENABLE_CONTAINER_METADATA=true",
    // Tasks (awsvpc) cannot reach the instance's metadata, so never its role's credentials.
    "ECS_AWSVPC_BLOCK_IMDS=true",
    "ECSCONFIG",
    "",
  ].join("\n");
}

/** Base64 user data for a launch template. */
export function gpuUserDataBase64(clusterName: string): string {
  return Buffer.from(gpuUserData(clusterName), "utf8").toString("base64");
}

/**
 * Launch-template metadata options of the GPU instances: IMDSv2 only, and a hop limit of 1, so a container
 * behind a bridge or task network cannot reach the instance metadata (the ECS agent runs on the host network).
 */
export const GPU_METADATA_OPTIONS = {
  httpTokens: "required",
  httpEndpoint: "enabled",
  httpPutResponseHopLimit: 1,
} as const;

/** The GPU task definition's family: the worker's, suffixed. */
export const gpuFamily = (family: string) => `${family}-gpu`;

/** GPUs a GPU task reserves (one per task; the instance types have one or more). */
export const GPUS_PER_TASK = 1;
