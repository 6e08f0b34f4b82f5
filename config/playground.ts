/**
 * Settings of the AI Model Share playground (`ai-platform:playground*`). The seed's Terraform variables map
 * here: `enable_pitr`, `safe_concurrency`, `cors_allow_origins`, `use_layer`/`layer_zip_path`; the stage name
 * is the stack name (the seed used the workspace name).
 */
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import type { ConfigIssue, KeySpec } from "./schema";
import { corsOrigin, intIn, logRetention } from "./schema";
import { section } from "./schema";

export const playgroundSection = section(
  {
    playgroundSafeConcurrency: {
      type: "boolean",
      description:
        "SAFE_CONCURRENCY of the API Lambda: true makes every read that decides a write or answers a GET strongly consistent (writes are always conditional).",
      default: true,
      schema: z.boolean(),
    } satisfies KeySpec<boolean>,
    playgroundEnablePitr: {
      type: "boolean",
      description: "Point-in-time recovery of the PlaygroundScores table.",
      default: true,
      schema: z.boolean(),
    } satisfies KeySpec<boolean>,
    playgroundDeletionProtection: {
      type: "boolean",
      description: "DynamoDB deletion protection of the PlaygroundScores table.",
      default: false,
      schema: z.boolean(),
    } satisfies KeySpec<boolean>,
    playgroundCorsOrigins: {
      type: "array",
      description:
        'Origins allowed by the HTTP API\'s CORS configuration (e.g. "https://app.example.com"), or ["*"].',
      default: ["*"],
      schema: z.array(corsOrigin, { message: "a list of origins" }).min(1, "at least one origin"),
    } satisfies KeySpec<string[]>,
    playgroundThrottlingBurstLimit: {
      type: "integer",
      description: "HTTP API stage throttling: burst limit (requests).",
      default: 100,
      schema: intIn(1, 5000),
    } satisfies KeySpec<number>,
    playgroundThrottlingRateLimit: {
      type: "integer",
      description: "HTTP API stage throttling: steady-state rate limit (requests per second).",
      default: 50,
      schema: intIn(1, 10000),
    } satisfies KeySpec<number>,
    playgroundAuthEnabled: {
      type: "boolean",
      description:
        "AUTH_ENABLED of the API: writes need a JWT verified by the HTTP API's JWT authorizer (owner / self / admin rules). Turn off only for a throwaway stack.",
      default: true,
      schema: z.boolean(),
    } satisfies KeySpec<boolean>,
    playgroundJwtIssuer: {
      type: "string",
      description:
        "Issuer URL of the JWTs the API accepts (e.g. an existing Cognito user pool's https://cognito-idp.<region>.amazonaws.com/<pool id>); unset, the stack creates a Cognito user pool.",
      optional: true,
      schema: z.string().url("an https URL").startsWith("https://", "an https URL"),
    } satisfies KeySpec<string>,
    playgroundJwtAudience: {
      type: "array",
      description: "Audiences (client ids) the JWT authorizer accepts; required with playgroundJwtIssuer.",
      optional: true,
      schema: z.array(z.string().min(1, "a non-empty client id")).min(1, "at least one audience"),
    } satisfies KeySpec<string[]>,
    playgroundAllowTableDelete: {
      type: "boolean",
      description:
        "ALLOW_TABLE_DELETE of the API: DELETE /tables/{tableId} deletes a table and its users (owner or admin); off, it is a 403.",
      default: false,
      schema: z.boolean(),
    } satisfies KeySpec<boolean>,
    playgroundAllowPublicRead: {
      type: "boolean",
      description:
        "ALLOW_PUBLIC_READ of the API: the GET routes answer without a token; off, they need a verified JWT as the writes do.",
      default: true,
      schema: z.boolean(),
    } satisfies KeySpec<boolean>,
    playgroundMcEnforceNaming: {
      type: "boolean",
      description:
        "MC_ENFORCE_NAMING of the API: a table created with a playgroundUrl must be named <playgroundId><suffix> or <playgroundId>-<region><suffix>.",
      default: false,
      schema: z.boolean(),
    } satisfies KeySpec<boolean>,
    playgroundMcAllowedSuffixes: {
      type: "string",
      description:
        "MORAL_COMPASS_ALLOWED_SUFFIXES of the API: comma-separated table-name suffixes of moral-compass tables.",
      default: "-mc",
      schema: z
        .string()
        .regex(/^[a-zA-Z0-9_-]+(,[a-zA-Z0-9_-]+)*$/, "comma-separated suffixes of letters, digits, _ or -"),
    } satisfies KeySpec<string>,
    playgroundSessionTtlSeconds: {
      type: "integer",
      description:
        "SESSION_TTL_SECONDS of the API: how long a dropped-off session token lives (the table's TTL attribute ttl).",
      default: 72000,
      schema: intIn(60, 30 * 24 * 3600),
    } satisfies KeySpec<number>,
    playgroundLogRetentionDays: {
      type: "integer",
      description:
        "Retention of the API Lambda's and the access logs' log groups, in days (default: logRetentionDays).",
      optional: true,
      schema: logRetention,
    } satisfies KeySpec<number>,
    playgroundUseLayer: {
      type: "boolean",
      description: "Attach a Lambda layer built from playgroundLayerPath (extra Node.js dependencies).",
      default: false,
      schema: z.boolean(),
    } satisfies KeySpec<boolean>,
    playgroundLayerPath: {
      type: "string",
      description:
        "Directory (relative to the project) archived as the Lambda layer; it holds nodejs/node_modules.",
      default: "layers/playground",
      schema: z
        .string()
        .min(1, "a non-empty path")
        .refine((p) => !path.isAbsolute(p) && !p.split(/[\\/]/).includes(".."), {
          message: "a path inside the project (relative, no ..)",
        }),
    } satisfies KeySpec<string>,
  },
  checkPlayground,
);

/** Checks across keys: "*" stands alone, and an enabled layer's directory exists and holds nodejs/. */
export function checkPlayground(
  v: {
    playgroundCorsOrigins: string[];
    playgroundUseLayer: boolean;
    playgroundLayerPath: string;
    playgroundJwtIssuer?: string;
    playgroundJwtAudience?: string[];
  },
  root: string = process.cwd(),
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if ((v.playgroundJwtIssuer === undefined) !== (v.playgroundJwtAudience === undefined)) {
    issues.push({
      key:
        v.playgroundJwtIssuer === undefined
          ? "ai-platform:playgroundJwtIssuer"
          : "ai-platform:playgroundJwtAudience",
      problem: "is not set while its pair is",
      rule: "playgroundJwtIssuer and playgroundJwtAudience together, or neither (a Cognito user pool is created)",
    });
  }
  if (v.playgroundCorsOrigins.includes("*") && v.playgroundCorsOrigins.length > 1) {
    issues.push({
      key: "ai-platform:playgroundCorsOrigins",
      problem: `got ${JSON.stringify(v.playgroundCorsOrigins)}`,
      rule: '"*" alone, or a list of explicit origins',
    });
  }
  if (new Set(v.playgroundCorsOrigins).size !== v.playgroundCorsOrigins.length) {
    issues.push({
      key: "ai-platform:playgroundCorsOrigins",
      problem: "lists an origin twice",
      rule: "each origin once",
    });
  }
  if (v.playgroundUseLayer) {
    const dir = path.resolve(root, v.playgroundLayerPath);
    if (!fs.existsSync(path.join(dir, "nodejs")) || !fs.statSync(path.join(dir, "nodejs")).isDirectory()) {
      issues.push({
        key: "ai-platform:playgroundLayerPath",
        problem: `"${v.playgroundLayerPath}" has no nodejs/ directory`,
        rule: "with playgroundUseLayer=true, a directory holding nodejs/node_modules (see README: Playground)",
      });
    }
  }
  return issues;
}

/** The API's behaviour settings (Lambda environment), from the stack's config. */
export interface PlaygroundApiSettings {
  auth: { enabled: boolean; issuer?: string; audience?: string[]; region: string };
  allowTableDelete: boolean;
  allowPublicRead: boolean;
  mcEnforceNaming: boolean;
  mcAllowedSuffixes: string;
  sessionTtlSeconds: number;
}

export function playgroundApiSettings(
  p: {
    playgroundAuthEnabled: boolean;
    playgroundJwtIssuer?: string;
    playgroundJwtAudience?: string[];
    playgroundAllowTableDelete: boolean;
    playgroundAllowPublicRead: boolean;
    playgroundMcEnforceNaming: boolean;
    playgroundMcAllowedSuffixes: string;
    playgroundSessionTtlSeconds: number;
  },
  region: string,
): PlaygroundApiSettings {
  return {
    auth: {
      enabled: p.playgroundAuthEnabled,
      ...(p.playgroundJwtIssuer !== undefined ? { issuer: p.playgroundJwtIssuer } : {}),
      ...(p.playgroundJwtAudience !== undefined ? { audience: p.playgroundJwtAudience } : {}),
      region,
    },
    allowTableDelete: p.playgroundAllowTableDelete,
    allowPublicRead: p.playgroundAllowPublicRead,
    mcEnforceNaming: p.playgroundMcEnforceNaming,
    mcAllowedSuffixes: p.playgroundMcAllowedSuffixes,
    sessionTtlSeconds: p.playgroundSessionTtlSeconds,
  };
}
