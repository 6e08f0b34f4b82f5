/**
 * Where the pipeline's alarms go: the configured SNS topic, or one created here (`tamma-<stack>-alarms`) so an
 * alarm always has an action; with an e-mail address configured, the created topic gets an e-mail
 * subscription (AWS mails a confirmation link first).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Statement, policyDocument } from "../../lib/aws";
import { Names } from "../../lib/naming";

/** The topic's policy: CloudWatch alarms of this account may publish; nothing else is granted here. */
export function alarmTopicStatements(
  topicArn: pulumi.Input<string>,
  accountId: pulumi.Input<string>,
): Statement[] {
  return [
    {
      Sid: "CloudWatchAlarmsPublish",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: ["sns:Publish"],
      Resource: topicArn,
      Condition: { StringEquals: { "aws:SourceAccount": accountId } },
    },
  ];
}

export function alarmTopic(
  name: string,
  names: Names,
  args: { topicArn?: pulumi.Input<string>; email?: string },
  parent: pulumi.Resource,
): pulumi.Output<string> {
  if (args.topicArn) return pulumi.output(args.topicArn);
  const topic = new aws.sns.Topic(`${name}-alarms`, { name: names.name("sqsQueue", "alarms") }, { parent });
  const account = aws.getCallerIdentityOutput({}, { parent }).accountId;
  new aws.sns.TopicPolicy(
    `${name}-alarms-policy`,
    {
      arn: topic.arn,
      policy: policyDocument(alarmTopicStatements(topic.arn, account)),
    },
    { parent },
  );
  if (args.email) {
    new aws.sns.TopicSubscription(
      `${name}-alarms-email`,
      { topic: topic.arn, protocol: "email", endpoint: args.email },
      { parent },
    );
  }
  return topic.arn;
}
