/**
 * Tamma trigger: SQS jobs queue → one ECS task per job.
 *
 * Each record is parsed and validated, then started with one RunTask whose clientToken is derived from the job.
 * Exactly the failed records are reported (`batchItemFailures`): a RunTask error or a `failures[]` answer is
 * retried; a malformed message is logged with its message id and reported, so after maxReceiveCount it lands
 * in the dead-letter queue instead of vanishing. FIFO batches use the FIFO processor (a failure also fails the
 * rest of its message group, as Lambda requires to keep order); standard batches the plain one.
 */
import { ECSClient, RunTaskCommand } from "@aws-sdk/client-ecs";
import {
  BatchProcessor,
  EventType,
  SqsFifoPartialProcessorAsync,
  processPartialResponse,
} from "@aws-lambda-powertools/batch";
import { Logger } from "@aws-lambda-powertools/logger";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import {
  MalformedJobError,
  TaskNotStartedError,
  TriggerEnv,
  parseJob,
  readTriggerEnv,
  runTaskInput,
} from "./job";

const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "tamma-trigger" });
/** One ECS client per container; it follows the SDK's configuration chain (AWS_ENDPOINT_URL_ECS included). */
const ecs = new ECSClient({});
const standardProcessor = new BatchProcessor(EventType.SQS);
const fifoProcessor = new SqsFifoPartialProcessorAsync();
let env: TriggerEnv | undefined;

async function recordHandler(record: SQSRecord): Promise<string> {
  let job;
  try {
    job = parseJob(record.body);
  } catch (e) {
    logger.error("dropping malformed job to the dead-letter path", {
      messageId: record.messageId,
      reason: (e as Error).message,
      receiveCount: record.attributes?.ApproximateReceiveCount,
    });
    throw e;
  }
  env ??= readTriggerEnv();
  const input = runTaskInput(job, env);
  if (job.gpu && !env.gpu)
    logger.warn("job asked for a GPU but the stack has no GPU group; running on Fargate", {
      jobId: job.jobId,
    });
  let out;
  try {
    out = await ecs.send(new RunTaskCommand(input));
  } catch (e) {
    // Same token, different parameters (e.g. a new task definition revision since the first delivery): ECS
    // already started a task for this job, so the message is done.
    if ((e as { name?: string }).name === "ConflictException") {
      logger.info("task already started for this job", {
        messageId: record.messageId,
        jobId: job.jobId,
        taskArns: (e as { resourceIds?: string[] }).resourceIds ?? [],
      });
      return (e as { resourceIds?: string[] }).resourceIds?.[0] ?? "already-started";
    }
    throw e;
  }
  const task = out.tasks?.[0];
  if (!task?.taskArn || (out.failures?.length ?? 0) > 0) {
    const failures = out.failures ?? [];
    logger.warn("no task started; the job will be retried", {
      messageId: record.messageId,
      jobId: job.jobId,
      failures,
    });
    throw new TaskNotStartedError(failures);
  }
  logger.info("task started", {
    messageId: record.messageId,
    jobId: job.jobId,
    s3Key: job.s3Key,
    gpu: input.taskDefinition !== env.taskDefinition,
    taskArn: task.taskArn,
    clientToken: input.clientToken,
  });
  return task.taskArn;
}

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  logger.addContext(context);
  const fifo = event.Records.length > 0 && event.Records[0].eventSourceARN?.endsWith(".fifo") === true;
  const response = fifo
    ? await processPartialResponse(event, recordHandler, fifoProcessor, {
        context,
        skipGroupOnError: true,
        throwOnFullBatchFailure: false,
      })
    : await processPartialResponse(event, recordHandler, standardProcessor, {
        context,
        throwOnFullBatchFailure: false,
      });
  logger.info("batch handled", {
    records: event.Records.length,
    failed: response.batchItemFailures.length,
    fifo,
  });
  return response;
}

export { MalformedJobError, TaskNotStartedError };
