/**
 * ModelSharePlayground: the AI Model Share playground API. An HTTP API (v2) with every route of the API the AI
 * Model Share client uses (`functions/playground-api/routes.ts`), one TypeScript Lambda (`functions/playground-api`) and the `PlaygroundScores-<stack>` table.
 *
 * The constructor reads as a contents list: normalize the args, then create the table, the optional layer,
 * the function, the HTTP API (integration, routes, access-logged stage) and the invoke permission.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ROUTE_KEYS, needsToken } from "../../functions/playground-api/routes";
import { NodeFunction, nodeFunction } from "../../lib/aws";
import { Names, shortHash } from "../../lib/naming";
import { apiStatements, tableShape } from "./table";

/** The API's behaviour settings (the head's Lambda environment). */
export interface PlaygroundApiArgs {
  /**
   * JWT authentication (AUTH_ENABLED and the HTTP API's JWT authorizer on every route that needs a token).
   * Without `issuer`, a Cognito user pool (with an app client and an `admin` group) is created and used.
   * @default { enabled: true }
   * @example { enabled: true, issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc", audience: ["client-id"], region: "us-east-1" }
   */
  auth?: { enabled?: boolean; issuer?: string; audience?: string[]; region?: string };
  /** ALLOW_TABLE_DELETE. @default false */
  allowTableDelete?: boolean;
  /** ALLOW_PUBLIC_READ: GET routes without a token. @default true */
  allowPublicRead?: boolean;
  /** MC_ENFORCE_NAMING. @default false */
  mcEnforceNaming?: boolean;
  /** MORAL_COMPASS_ALLOWED_SUFFIXES (comma-separated). @default "-mc" */
  mcAllowedSuffixes?: string;
  /** SESSION_TTL_SECONDS. @default 72000 */
  sessionTtlSeconds?: number;
}

export interface ModelSharePlaygroundArgs {
  /** Behaviour settings of the API (Lambda environment). @default the head's defaults */
  api?: PlaygroundApiArgs;
  /** Stack name: part of every physical name (`PlaygroundScores-<stack>`, `aimodelshare-playground-<stack>-api`) and the API stage name. */
  stack: string;
  /**
   * SAFE_CONCURRENCY of the Lambda: strongly consistent reads for every read that decides a write (the archive
   * check of a PUT) or answers a GET. Writes are conditional/atomic whatever this says.
   * @default true
   */
  safeConcurrency?: pulumi.Input<boolean>;
  /** Point-in-time recovery of the table. @default true */
  enablePitr?: pulumi.Input<boolean>;
  /** DynamoDB deletion protection of the table. @default false */
  deletionProtection?: pulumi.Input<boolean>;
  /** Pulumi `protect` on the table. @default false */
  protect?: boolean;
  /**
   * CORS origins of the HTTP API (the API's setting is the one that applies; the Lambda sends no CORS headers).
   * @default ["*"]
   * @example ["https://playground.example.com"]
   */
  corsOrigins?: pulumi.Input<pulumi.Input<string>[]>;
  /** Stage throttling. @default { burstLimit: 100, rateLimit: 50 } */
  throttling?: { burstLimit?: pulumi.Input<number>; rateLimit?: pulumi.Input<number> };
  /** Retention of the Lambda's and the access log's groups, in days. @default 14 */
  logRetentionDays?: number;
  /** Application log level of the Lambda. @default "INFO" */
  logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR";
  /**
   * A Lambda layer built from a directory holding `nodejs/node_modules` (extra Node.js dependencies, as the
   * seed's optional Python layer). Packages named in `external` are left out of the bundle.
   * @default undefined (no layer)
   * @example { path: "layers/playground", external: ["some-big-package"] }
   */
  layer?: { path: string; external?: string[] };
  /**
   * Escape hatch for settings this component does not expose: per child, either partial args merged over the
   * component's, or a function that returns the args to use.
   * @default undefined
   * @example { table: { tableClass: "STANDARD_INFREQUENT_ACCESS" }, stage: (a) => ({ ...a, description: "x" }) }
   */
  transform?: {
    table?: Transform<aws.dynamodb.TableArgs>;
    api?: Transform<aws.apigatewayv2.ApiArgs>;
    stage?: Transform<aws.apigatewayv2.StageArgs>;
    /** Merged over the function's arguments (e.g. `reservedConcurrentExecutions`). */
    function?: Partial<aws.lambda.FunctionArgs>;
  };
}

/** Partial args merged over a child's, or a function from the child's args to the args to use. */
export type Transform<T> = Partial<T> | ((args: T) => T);

/** Applies a `Transform` to a child's args. Pure. */
export function applyTransform<T extends object>(args: T, transform?: Transform<T>): T {
  if (!transform) return args;
  return typeof transform === "function" ? transform(args) : { ...args, ...transform };
}

interface Normalized {
  names: Names;
  safeConcurrency: pulumi.Input<boolean>;
  enablePitr: pulumi.Input<boolean>;
  deletionProtection: pulumi.Input<boolean>;
  protect: boolean;
  corsOrigins: pulumi.Input<pulumi.Input<string>[]>;
  burstLimit: pulumi.Input<number>;
  rateLimit: pulumi.Input<number>;
  logRetentionDays: number;
  logLevel: "DEBUG" | "INFO" | "WARN" | "ERROR";
  layer?: { path: string; external: string[] };
  transform: NonNullable<ModelSharePlaygroundArgs["transform"]>;
  api: Required<Omit<PlaygroundApiArgs, "auth">>;
  auth: { enabled: boolean; issuer?: string; audience?: string[]; region: string };
}

/** The HTTP methods the API's CORS configuration allows (the seed's list). */
export const CORS_METHODS = ["GET", "PUT", "PATCH", "POST", "DELETE", "OPTIONS"];
export const CORS_HEADERS = ["Content-Type", "Authorization"];

/** JSON access-log line of the stage (API Gateway `$context` variables). */
export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: "$context.requestId",
  ip: "$context.identity.sourceIp",
  requestTime: "$context.requestTime",
  routeKey: "$context.routeKey",
  status: "$context.status",
  responseLength: "$context.responseLength",
  integrationLatency: "$context.integrationLatency",
  integrationError: "$context.integrationErrorMessage",
});

/** A stable, readable child-name suffix for a route key (`GET /tables/{tableId}` → `get-tables-tableid-1a2b3c`). */
export function routeSlug(routeKey: string): string {
  const readable = routeKey
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
  return `${readable}-${shortHash(routeKey, 6)}`;
}

export class ModelSharePlayground extends pulumi.ComponentResource {
  /** `<api endpoint>/<stage>`, as the seed's `api_base_url`. */
  readonly apiBaseUrl: pulumi.Output<string>;
  readonly dynamodbTableName: pulumi.Output<string>;
  readonly lambdaName: pulumi.Output<string>;
  /** The issuer the JWT authorizer accepts (undefined with auth off). */
  readonly jwtIssuer?: pulumi.Output<string>;
  /** The children, for tests and transforms. */
  readonly nodes: {
    table: aws.dynamodb.Table;
    layer?: aws.lambda.LayerVersion;
    fn: NodeFunction;
    api: aws.apigatewayv2.Api;
    integration: aws.apigatewayv2.Integration;
    routes: aws.apigatewayv2.Route[];
    accessLogs: aws.cloudwatch.LogGroup;
    stage: aws.apigatewayv2.Stage;
    permission: aws.lambda.Permission;
    authorizer?: aws.apigatewayv2.Authorizer;
    userPool?: aws.cognito.UserPool;
    userPoolClient?: aws.cognito.UserPoolClient;
    adminGroup?: aws.cognito.UserGroup;
  };

  constructor(name: string, args: ModelSharePlaygroundArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-platform:playground:ModelSharePlayground", name, {}, opts);
    const n = normalize(args);

    const table = this.createTable(name, n);
    const layer = n.layer ? this.createLayer(name, n) : undefined;
    const fn = this.createFunction(name, n, table, layer);
    const api = this.createApi(name, n);
    const integration = this.createIntegration(name, api, fn);
    const auth = n.auth.enabled ? this.createAuth(name, n, api) : undefined;
    const guarded = { authEnabled: n.auth.enabled, allowPublicRead: n.api.allowPublicRead };
    const routes = ROUTE_KEYS.map(
      (routeKey) =>
        new aws.apigatewayv2.Route(
          `${name}-route-${routeSlug(routeKey)}`,
          {
            apiId: api.id,
            routeKey,
            target: pulumi.interpolate`integrations/${integration.id}`,
            ...(auth && needsToken(routeKey, guarded)
              ? { authorizationType: "JWT", authorizerId: auth.authorizer.id }
              : {}),
          },
          { parent: this },
        ),
    );
    const accessLogs = new aws.cloudwatch.LogGroup(
      `${name}-access-logs`,
      {
        name: n.names.custom("logGroup", `/aws/apigateway/${n.names.prefix}-http-api`),
        retentionInDays: n.logRetentionDays,
      },
      { parent: this },
    );
    const stage = new aws.apigatewayv2.Stage(
      `${name}-stage`,
      applyTransform<aws.apigatewayv2.StageArgs>(
        {
          apiId: api.id,
          name: args.stack,
          autoDeploy: true,
          defaultRouteSettings: { throttlingBurstLimit: n.burstLimit, throttlingRateLimit: n.rateLimit },
          accessLogSettings: { destinationArn: accessLogs.arn, format: ACCESS_LOG_FORMAT },
        },
        n.transform.stage,
      ),
      { parent: this, dependsOn: routes },
    );
    // Only this API's stage may invoke the function (any route, any method of that stage).
    const permission = new aws.lambda.Permission(
      `${name}-invoke`,
      {
        action: "lambda:InvokeFunction",
        function: fn.fn.name,
        principal: "apigateway.amazonaws.com",
        sourceArn: pulumi.interpolate`${api.executionArn}/${stage.name}/*`,
      },
      { parent: this },
    );

    this.apiBaseUrl = pulumi.interpolate`${api.apiEndpoint}/${stage.name}`;
    this.dynamodbTableName = table.name;
    this.lambdaName = fn.fn.name;
    this.jwtIssuer = auth?.issuer;
    this.nodes = {
      table,
      layer,
      fn,
      api,
      integration,
      routes,
      accessLogs,
      stage,
      permission,
      ...auth?.nodes,
    };
    this.registerOutputs({
      apiBaseUrl: this.apiBaseUrl,
      dynamodbTableName: this.dynamodbTableName,
      lambdaName: this.lambdaName,
    });
  }

  private createTable(name: string, n: Normalized): aws.dynamodb.Table {
    return new aws.dynamodb.Table(
      `${name}-table`,
      applyTransform<aws.dynamodb.TableArgs>(
        {
          name: n.names.custom("dynamodbTable", `PlaygroundScores-${n.names.stack}`),
          ...tableShape(),
          pointInTimeRecovery: { enabled: n.enablePitr },
          // Session items carry their expiry in `ttl` (epoch seconds); DynamoDB deletes them after it.
          ttl: { attributeName: "ttl", enabled: true },
          deletionProtectionEnabled: n.deletionProtection,
          serverSideEncryption: { enabled: true },
        },
        n.transform.table,
      ),
      { parent: this, protect: n.protect },
    );
  }

  private createLayer(name: string, n: Normalized): aws.lambda.LayerVersion {
    return new aws.lambda.LayerVersion(
      `${name}-layer`,
      {
        layerName: n.names.name("lambda", "extra"),
        code: new pulumi.asset.FileArchive(n.layer!.path),
        compatibleRuntimes: ["nodejs22.x"],
        compatibleArchitectures: ["arm64"],
        description: "Extra Node.js dependencies of the playground API",
      },
      { parent: this },
    );
  }

  private createFunction(
    name: string,
    n: Normalized,
    table: aws.dynamodb.Table,
    layer?: aws.lambda.LayerVersion,
  ): NodeFunction {
    return nodeFunction(
      `${name}-api`,
      {
        functionName: n.names.name("lambda", "api"),
        source: "playground-api",
        bundle: n.layer?.external.length ? { external: n.layer.external } : undefined,
        statements: apiStatements(table.arn),
        environment: {
          TABLE_NAME: table.name,
          SAFE_CONCURRENCY: pulumi.output(n.safeConcurrency).apply((b) => String(b)),
          // Standard SDK retries (with backoff) of throttled and transient DynamoDB errors.
          AWS_MAX_ATTEMPTS: "5",
          POWERTOOLS_SERVICE_NAME: "playground-api",
          AUTH_ENABLED: String(n.auth.enabled),
          ALLOW_TABLE_DELETE: String(n.api.allowTableDelete),
          ALLOW_PUBLIC_READ: String(n.api.allowPublicRead),
          MC_ENFORCE_NAMING: String(n.api.mcEnforceNaming),
          MORAL_COMPASS_ALLOWED_SUFFIXES: n.api.mcAllowedSuffixes,
          SESSION_TTL_SECONDS: String(n.api.sessionTtlSeconds),
        },
        memorySize: 256,
        timeout: 10,
        logRetentionDays: n.logRetentionDays,
        logLevel: n.logLevel,
        layers: layer ? [layer.arn] : undefined,
        extra: n.transform.function,
      },
      this,
    );
  }

  private createApi(name: string, n: Normalized): aws.apigatewayv2.Api {
    return new aws.apigatewayv2.Api(
      `${name}-http-api`,
      applyTransform<aws.apigatewayv2.ApiArgs>(
        {
          name: n.names.name("httpApi", "http-api"),
          protocolType: "HTTP",
          corsConfiguration: {
            allowOrigins: n.corsOrigins,
            allowMethods: CORS_METHODS,
            allowHeaders: CORS_HEADERS,
            maxAge: 300,
          },
        },
        n.transform.api,
      ),
      { parent: this },
    );
  }

  /**
   * The JWT authorizer: the configured issuer and audiences, or a Cognito user pool made here (users sign in
   * with USER_PASSWORD_AUTH as the AI Model Share client does; the `admin` group is the head's admin role).
   */
  private createAuth(
    name: string,
    n: Normalized,
    api: aws.apigatewayv2.Api,
  ): {
    authorizer: aws.apigatewayv2.Authorizer;
    issuer: pulumi.Output<string>;
    nodes: Partial<ModelSharePlayground["nodes"]>;
  } {
    let issuer: pulumi.Output<string>;
    let audiences: pulumi.Input<pulumi.Input<string>[]>;
    const nodes: Partial<ModelSharePlayground["nodes"]> = {};
    if (n.auth.issuer !== undefined) {
      issuer = pulumi.output(n.auth.issuer);
      audiences = n.auth.audience ?? [];
    } else {
      const userPool = new aws.cognito.UserPool(
        `${name}-users`,
        {
          name: `${n.names.prefix}-users`,
          passwordPolicy: {
            minimumLength: 12,
            requireLowercase: true,
            requireUppercase: true,
            requireNumbers: true,
            requireSymbols: false,
            temporaryPasswordValidityDays: 7,
          },
          adminCreateUserConfig: { allowAdminCreateUserOnly: true },
          deletionProtection: "ACTIVE",
        },
        { parent: this, protect: n.protect },
      );
      const userPoolClient = new aws.cognito.UserPoolClient(
        `${name}-client`,
        {
          name: `${n.names.prefix}-client`,
          userPoolId: userPool.id,
          generateSecret: false,
          explicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
          preventUserExistenceErrors: "ENABLED",
        },
        { parent: this },
      );
      const adminGroup = new aws.cognito.UserGroup(
        `${name}-admins`,
        {
          name: "admin",
          userPoolId: userPool.id,
          description: "Playground administrators (any table, any user)",
        },
        { parent: this },
      );
      issuer = pulumi.interpolate`https://cognito-idp.${n.auth.region}.amazonaws.com/${userPool.id}`;
      audiences = [userPoolClient.id];
      Object.assign(nodes, { userPool, userPoolClient, adminGroup });
    }
    const authorizer = new aws.apigatewayv2.Authorizer(
      `${name}-jwt`,
      {
        apiId: api.id,
        name: `${n.names.prefix}-jwt`,
        authorizerType: "JWT",
        identitySources: ["$request.header.Authorization"],
        jwtConfiguration: { issuer, audiences },
      },
      { parent: this },
    );
    nodes.authorizer = authorizer;
    return { authorizer, issuer, nodes };
  }

  private createIntegration(
    name: string,
    api: aws.apigatewayv2.Api,
    fn: NodeFunction,
  ): aws.apigatewayv2.Integration {
    return new aws.apigatewayv2.Integration(
      `${name}-integration`,
      {
        apiId: api.id,
        integrationType: "AWS_PROXY",
        integrationMethod: "POST",
        integrationUri: fn.fn.invokeArn,
        payloadFormatVersion: "2.0",
        // A little above the function's 10 s timeout, far below the seed's 29 s: a stuck call fails fast.
        timeoutMilliseconds: 12000,
      },
      { parent: this },
    );
  }
}

function normalize(args: ModelSharePlaygroundArgs): Normalized {
  return {
    names: new Names("playground", args.stack),
    safeConcurrency: args.safeConcurrency ?? true,
    enablePitr: args.enablePitr ?? true,
    deletionProtection: args.deletionProtection ?? false,
    protect: args.protect ?? false,
    corsOrigins: args.corsOrigins ?? ["*"],
    burstLimit: args.throttling?.burstLimit ?? 100,
    rateLimit: args.throttling?.rateLimit ?? 50,
    logRetentionDays: args.logRetentionDays ?? 14,
    logLevel: args.logLevel ?? "INFO",
    layer: args.layer ? { path: args.layer.path, external: args.layer.external ?? [] } : undefined,
    transform: args.transform ?? {},
    auth: {
      enabled: args.api?.auth?.enabled ?? true,
      issuer: args.api?.auth?.issuer,
      audience: args.api?.auth?.audience,
      region: args.api?.auth?.region ?? "us-east-1",
    },
    api: {
      allowTableDelete: args.api?.allowTableDelete ?? false,
      allowPublicRead: args.api?.allowPublicRead ?? true,
      mcEnforceNaming: args.api?.mcEnforceNaming ?? false,
      mcAllowedSuffixes: args.api?.mcAllowedSuffixes ?? "-mc",
      sessionTtlSeconds: args.api?.sessionTtlSeconds ?? 72000,
    },
  };
}
