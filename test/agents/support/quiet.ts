/** Imported first by the agent specs: the functions' loggers read their level when their modules load. */
process.env.POWERTOOLS_LOG_LEVEL = process.env.POWERTOOLS_LOG_LEVEL ?? "CRITICAL";
process.env.AWS_LAMBDA_LOG_LEVEL = process.env.AWS_LAMBDA_LOG_LEVEL ?? "ERROR";
export {};
