/**
 * Structured JSON logs (Powertools logger), one logger per agent process.
 *
 * What may be logged: ids (workflow, task, request), sizes, counts, durations, statuses, error names and
 * codes. What may not: prompts, model answers, results, callback tokens, callback URLs' query strings.
 * The callers log field by field; nothing logs a whole payload.
 */
import { Logger } from "@aws-lambda-powertools/logger";

export type AgentLogger = Logger;

export function createLogger(agent: string, level: "DEBUG" | "INFO" | "WARN" | "ERROR"): AgentLogger {
  return new Logger({ serviceName: `${agent}-agent`, logLevel: level, persistentKeys: { agent } });
}

/** A URL reduced to origin and path, for logs (a query string could carry a credential). */
export function loggableUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return "(invalid url)";
  }
}
