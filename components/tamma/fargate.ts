/**
 * Fargate task sizes: the CPU and memory pairs AWS accepts for a task (Linux), so a bad pair fails in the
 * config loader with the allowed values, not at RegisterTaskDefinition.
 */

/** Memory choices (MiB) per CPU value (CPU units), from the ECS developer guide's task size table. */
export function fargateMemoryChoices(cpu: number): number[] {
  const range = (from: number, to: number, step: number) =>
    Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);
  switch (cpu) {
    case 256:
      return [512, 1024, 2048];
    case 512:
      return range(1024, 4096, 1024);
    case 1024:
      return range(2048, 8192, 1024);
    case 2048:
      return range(4096, 16384, 1024);
    case 4096:
      return range(8192, 30720, 1024);
    case 8192:
      return range(16384, 61440, 4096);
    case 16384:
      return range(32768, 122880, 8192);
    default:
      return [];
  }
}

export const FARGATE_CPU = [256, 512, 1024, 2048, 4096, 8192, 16384] as const;

/** Undefined when the pair is valid, else the rule it breaks (naming the allowed values). */
export function checkFargateSize(cpu: number, memory: number): string | undefined {
  const choices = fargateMemoryChoices(cpu);
  if (choices.length === 0) return `cpu must be one of ${FARGATE_CPU.join(", ")} (CPU units)`;
  if (!choices.includes(memory)) {
    const shown =
      choices.length <= 4
        ? choices.join(", ")
        : `${choices[0]} to ${choices[choices.length - 1]} in steps of ${choices[1] - choices[0]}`;
    return `with cpu ${cpu}, memory must be ${shown} (MiB)`;
  }
  return undefined;
}
