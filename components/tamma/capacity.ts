/**
 * The cluster's capacity providers and default strategy. One attachment holds every provider (the seed's two
 * attachments overwrote each other); the worker's task definition is Fargate-only, so the default strategy
 * uses Fargate providers only (ECS rejects a strategy that mixes Fargate and Auto Scaling group providers).
 */

export type CapacityMode = "FARGATE" | "FARGATE_SPOT" | "MIXED";

export interface StrategyItem {
  capacityProvider: string;
  weight: number;
  base?: number;
}

/**
 * The default strategy per mode: on-demand only; Spot only (cheapest, tasks may be interrupted: a job then
 * fails and its row says so); or MIXED: the first task on demand, then one in four on demand.
 */
export function defaultStrategy(mode: CapacityMode): StrategyItem[] {
  switch (mode) {
    case "FARGATE":
      return [{ capacityProvider: "FARGATE", weight: 1, base: 0 }];
    case "FARGATE_SPOT":
      return [{ capacityProvider: "FARGATE_SPOT", weight: 1, base: 0 }];
    case "MIXED":
      return [
        { capacityProvider: "FARGATE", weight: 1, base: 1 },
        { capacityProvider: "FARGATE_SPOT", weight: 3, base: 0 },
      ];
  }
}

/** The providers of the one attachment: FARGATE, FARGATE_SPOT and, when enabled, the GPU provider. */
export function capacityProviders(gpuProviderName?: string): string[] {
  return ["FARGATE", "FARGATE_SPOT", ...(gpuProviderName ? [gpuProviderName] : [])];
}
