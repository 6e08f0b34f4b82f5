/**
 * The API's settings, read from the Lambda's environment (the component sets them from stack config; the
 * names are the head's): AUTH_ENABLED, ALLOW_PUBLIC_READ, ALLOW_TABLE_DELETE, MC_ENFORCE_NAMING,
 * MORAL_COMPASS_ALLOWED_SUFFIXES, SESSION_TTL_SECONDS, AWS_REGION_NAME.
 */
export interface Settings {
  /** Writes need a verified JWT (owner / self / admin rules). The component turns it off only when asked. */
  authEnabled: boolean;
  /** GET routes answer without a token. */
  allowPublicRead: boolean;
  allowTableDelete: boolean;
  mcEnforceNaming: boolean;
  suffixes: string[];
  sessionTtlSeconds: number;
  region: string;
}

const flag = (v: string | undefined, dflt: boolean): boolean =>
  v === undefined || v === "" ? dflt : v.toLowerCase() === "true";

export function settingsOf(env: NodeJS.ProcessEnv = process.env): Settings {
  const ttl = Number(env.SESSION_TTL_SECONDS ?? "72000");
  return {
    authEnabled: flag(env.AUTH_ENABLED, false),
    allowPublicRead: flag(env.ALLOW_PUBLIC_READ, true),
    allowTableDelete: flag(env.ALLOW_TABLE_DELETE, false),
    mcEnforceNaming: flag(env.MC_ENFORCE_NAMING, false),
    suffixes: (env.MORAL_COMPASS_ALLOWED_SUFFIXES ?? "-mc")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== ""),
    sessionTtlSeconds: Number.isSafeInteger(ttl) && ttl > 0 ? ttl : 72000,
    region: env.AWS_REGION_NAME ?? env.AWS_REGION ?? "us-east-1",
  };
}
