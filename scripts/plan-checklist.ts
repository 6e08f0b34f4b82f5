/**
 * What must be set before `pulumi up -s <stack>`, derived from the stack's config: only the systems it
 * enables, only the Tama sources its workspace declares, and nothing the stack file already holds.
 */

export interface CheckItem {
  system: string;
  /** `namespace:key` of a config setting, or a description for something outside the config. */
  key: string;
  secret: boolean;
  /** The command (or step) that sets it. */
  how: string;
  /** Environment variable the provider reads instead, when there is one. */
  env?: string;
}

const PROJECT = "ai-platform";

function parseJson<T>(raw: string | undefined, fallback: T): T {
  if (raw === undefined) return fallback;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return fallback; // the config loader reports an invalid value with its own message
  }
}

function setting(key: string, secret: boolean, system: string, env?: string): CheckItem {
  const short = key.startsWith(`${PROJECT}:`) ? key.slice(PROJECT.length + 1) : key;
  return {
    system,
    key,
    secret,
    how: `pulumi config set${secret ? " --secret" : ""} ${short} <value>`,
    ...(env ? { env } : {}),
  };
}

/** `config` is the stack's raw config (`namespace:key` → string) as stackfile.ts reads it, before stand-ins. */
export function checklist(config: Record<string, string>): CheckItem[] {
  const systems = parseJson<string[]>(config[`${PROJECT}:systems`], []);
  const has = (key: string) => config[key] !== undefined && config[key] !== "";
  const items: CheckItem[] = [];
  const need = (key: string, secret: boolean, system: string, env?: string) => {
    if (!has(key)) items.push(setting(key, secret, system, env));
  };

  if (systems.some((s) => ["playground", "tamma", "agents"].includes(s))) {
    items.push({
      system: "aws",
      key: "AWS credentials",
      secret: true,
      how: "aws configure (or AWS_PROFILE / AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY) for the account of aws:region",
    });
  }
  if (systems.includes("tama")) {
    if (!has("tama:apiKey")) {
      if (has("tama:clientId")) need("tama:clientSecret", true, "tama", "TAMA_CLIENT_SECRET");
      else {
        need("tama:clientId", false, "tama", "TAMA_CLIENT_ID");
        need("tama:clientSecret", true, "tama", "TAMA_CLIENT_SECRET");
      }
    }
    const workspace = parseJson<{ sources?: { key?: string }[] }>(config[`${PROJECT}:tamaWorkspace`], {});
    for (const source of workspace.sources ?? []) {
      if (source.key) need(`tama:${source.key}ApiKey`, true, "tama");
    }
  }
  if (systems.includes("e2e")) {
    need("e2e:apiKey", true, "e2e", "E2E_API_KEY");
    need("e2e:authToken", true, "e2e", "E2E_AUTH_TOKEN");
    need("e2e:projectId", false, "e2e", "E2E_PROJECT_ID");
  }
  if (systems.includes("tamma")) {
    need(`${PROJECT}:tammaSupabaseUrl`, false, "tamma");
    need(`${PROJECT}:tammaSupabaseServiceKey`, true, "tamma");
  }
  if (systems.includes("agents") && config[`${PROJECT}:agentsApiAuth`] === "jwt") {
    need(`${PROJECT}:agentsJwtIssuer`, false, "agents");
    need(`${PROJECT}:agentsJwtAudience`, false, "agents");
  }
  return items;
}

export function formatChecklist(stack: string, items: CheckItem[]): string[] {
  if (items.length === 0) return [`Before \`pulumi up -s ${stack}\`: nothing left to set.`];
  return [
    `Before \`pulumi up -s ${stack}\`, set (${items.length}):`,
    ...items.map(
      (i) =>
        `  [${i.system}] ${i.key}${i.secret ? " (secret)" : ""}: ${i.how}${i.env ? `   (or env ${i.env})` : ""}`,
    ),
  ];
}
