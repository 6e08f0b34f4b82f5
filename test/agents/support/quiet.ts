/**
 * Imported first by the agent specs: the functions' loggers read their level when their modules load.
 * Only POWERTOOLS_LOG_LEVEL, the lowest-precedence setting: a logger given a level explicitly (the Tamma
 * trigger, the AgentCore agents) keeps it. AWS_LAMBDA_LOG_LEVEL would override every logger in the process.
 */
process.env.POWERTOOLS_LOG_LEVEL = process.env.POWERTOOLS_LOG_LEVEL ?? "CRITICAL";
export {};
