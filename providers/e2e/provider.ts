/**
 * The E2E FaaS dynamic provider: CRUD for one function on the real MyAccount API, through the shared HTTP
 * client (providers/http.ts).
 *
 * Serialized into state as `__provider`, so it captures nothing but code: the connection (API key, token,
 * project, location, base URL) reaches it only through `configure` (stack config `e2e:*`, kept in a
 * per-process global slot, never on the provider object) and the environment, both read inside each method.
 */
import * as http from "../http";
import * as redact from "../redact";
import * as api from "./api";

/** Name of the per-process slot `configure` writes the raw stack config to (a global: never serialized). */
const SLOT = "__aiPlatformE2eConfig";

function configured(): api.RawConfig {
  return ((globalThis as Record<string, unknown>)[SLOT] as api.RawConfig | undefined) ?? {};
}

/** The connection of this process: stack config via `configure`, then E2E_* / SERVICE_* variables. */
export function currentConnection(): api.Connection {
  return api.resolveConnection(configured(), process.env);
}

/** Where a function lives (recorded at create, reused by read, update and delete). */
interface Scope {
  projectId: string;
  location: string;
}

/** One call to the MyAccount API: auth header, apikey/project_id/location, the envelope checked. */
export async function callApi<T>(
  conn: api.Connection,
  scope: Scope,
  method: http.HttpMethod,
  path: string,
  body?: unknown,
): Promise<api.Envelope<T>> {
  const res = await http.request({
    method,
    baseUrl: conn.baseUrl,
    path,
    query: { apikey: conn.apiKey, project_id: scope.projectId, location: scope.location },
    headers: { authorization: `Bearer ${conn.authToken}`, "user-agent": "ai-platform-pulumi-e2e/1.0" },
    body,
    secretQueryParams: ["apikey"],
    secrets: [conn.apiKey, conn.authToken],
    envelopeStatus: api.envelopeStatus,
  });
  return api.readEnvelope<T>(res.body, `${method} ${path}`);
}

/** True for "the function does not exist": HTTP or envelope 404, or a 400 whose message says so. */
export function isGone(err: unknown): boolean {
  if (err instanceof http.NotFoundError) return true;
  return (
    err instanceof http.HttpError &&
    err.status === 400 &&
    /not found|does not exist|no such function/i.test(err.message)
  );
}

/** True for E2E's answer to a create whose name is taken: envelope 400 "... already exists". */
export function isAlreadyExists(err: unknown): boolean {
  return err instanceof http.HttpError && err.status === 400 && /already exists/i.test(err.message);
}

/** The function of this name in the project's list (`GET faas/functions/`), the create's natural key. */
export async function findByName(
  conn: api.Connection,
  scope: Scope,
  name: string,
): Promise<api.LiveFunction | undefined> {
  const env = await callApi<unknown>(conn, scope, "GET", api.PATHS.functions);
  const list = Array.isArray(env.data) ? (env.data as api.LiveFunction[]) : [];
  return list.find((f) => f && typeof f === "object" && (f.name === name || f.function === name));
}

/** Why a live function is not the one these inputs declare (runtime, hardware), or undefined. */
export function liveMismatch(live: api.LiveFunction, inputs: api.CheckedInputs): string | undefined {
  if (typeof live.runtime === "string" && live.runtime && live.runtime !== inputs.runtime)
    return `it runs runtime ${live.runtime}, not ${inputs.runtime}`;
  if ((live.node_type === "cpu" || live.node_type === "gpu") && live.node_type !== inputs.config.hardware)
    return `it runs on ${live.node_type}, not ${inputs.config.hardware}`;
  return undefined;
}

/** How many create requests one `create` sends at most (each after the previous one was proven lost). */
export const MAX_CREATE_ROUNDS = 3;

/**
 * POST faas/functions/ without ever creating twice. The POST is never retried blindly (the HTTP client
 * retries it only when it provably did not reach E2E, or on 429). After an ambiguous failure (timeout,
 * connection reset, 5xx) the function list is read: a function of this name with the declared runtime and
 * hardware is adopted (it is ours: names are unique per project); when there is none, the create did not
 * happen and is sent again (the name's uniqueness makes a late first request harmless: E2E answers "already
 * exists", which after an ambiguous attempt means adopt). Returns how the function came to exist.
 */
export async function createOnce(
  conn: api.Connection,
  scope: Scope,
  inputs: api.CheckedInputs,
): Promise<"created" | "adopted"> {
  const name = inputs.name;
  let ambiguous: unknown;
  for (let round = 1; ; round++) {
    try {
      await callApi(conn, scope, "POST", api.PATHS.functions, api.createBody(inputs));
      return "created";
    } catch (e) {
      const exists = isAlreadyExists(e);
      if (exists && ambiguous === undefined)
        throw new Error(
          `creating function "${name}": a function of this name already exists in project ${scope.projectId} (${scope.location}) and Pulumi did not create it; set existingId: "${name}" to adopt it, or choose another name`,
          { cause: e },
        );
      if (!exists && !http.isAmbiguous(e)) throw fail(`creating function "${name}"`, e);
      ambiguous = e;
    }
    let found: api.LiveFunction | undefined;
    try {
      found = await findByName(conn, scope, name);
    } catch (e) {
      throw new Error(
        `creating function "${name}": the create request failed without saying whether it took effect (${messageOf(ambiguous)}), and listing the functions to check failed (${messageOf(e)}); look for "${name}" in the MyAccount console, then run "pulumi up" again (add existingId: "${name}" if it is there)`,
        { cause: e },
      );
    }
    if (found) {
      const mismatch = liveMismatch(found, inputs);
      if (mismatch)
        throw new Error(
          `creating function "${name}": after an ambiguous failure (${messageOf(ambiguous)}) a function of this name exists, but ${mismatch}; check it in the MyAccount console, delete it or rename this one`,
        );
      return "adopted";
    }
    if (round >= MAX_CREATE_ROUNDS)
      throw new Error(
        `creating function "${name}": ${round} create requests failed without an answer and the function is not listed (${messageOf(ambiguous)}); nothing was created, run "pulumi up" again`,
      );
  }
}

/**
 * Why E2E would refuse this runtime and hardware, or undefined. The table (`RUNTIME_HARDWARE`) answers for
 * known runtimes without a request; any other runtime is looked up in `GET faas/runtimes/`. Runs before a
 * create and, in `diff`, before a replacement that deletes the running function first.
 */
export async function runtimeProblem(
  conn: api.Connection,
  scope: Scope,
  inputs: api.CheckedInputs,
): Promise<string | undefined> {
  const { runtime, config } = inputs;
  if (runtime === api.UNKNOWN || (config.hardware as string) === api.UNKNOWN) return undefined;
  let hardware: string | undefined = api.RUNTIME_HARDWARE[runtime];
  if (!hardware) {
    const env = await callApi<{ runtime?: unknown; node_type?: unknown }[]>(
      conn,
      scope,
      "GET",
      api.PATHS.runtimes,
    );
    const found = (Array.isArray(env.data) ? env.data : []).find((r) => r && r.runtime === runtime);
    if (!found) return `runtime "${runtime}" is not offered by the API (see getRuntimes)`;
    hardware = String(found.node_type ?? "cpu").toLowerCase();
  }
  return hardware === config.hardware
    ? undefined
    : `config.hardware "${config.hardware}" does not match runtime ${runtime}, which runs on ${hardware}`;
}

/** Prefixes an error with what was being done (the HTTP client already scrubbed every secret). */
function fail(what: string, err: unknown): Error {
  return new Error(`${what}: ${messageOf(err)}`);
}

/** An error's message. Not `instanceof Error`: serialized error classes are not linked to Error's prototype. */
export function messageOf(err: unknown): string {
  const m = (err as { message?: unknown } | undefined)?.message;
  return typeof m === "string" && m ? m : String(err);
}

/** An error that tells the engine the function exists although the operation failed (a partial failure). */
export interface FunctionInitError extends Error {
  /** The function's id: the engine records the resource under it. */
  id: string;
  /** The outputs to record (inputs, url, status `failed`, and `__provider`). */
  properties: Record<string, unknown>;
  reasons: string[];
}

/**
 * Builds a `FunctionInitError`. A plain Error with fields, not a subclass: classes extending Error lose their
 * message once the closure serializer has rewritten them, and the host reads only these fields.
 */
export function initError(
  message: string,
  id: string,
  properties: Record<string, unknown>,
): FunctionInitError {
  return Object.assign(new Error(message), { name: "FunctionInitError", id, properties, reasons: [message] });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function getFunction(
  conn: api.Connection,
  scope: Scope,
  name: string,
): Promise<api.LiveFunction | undefined> {
  try {
    const env = await callApi<api.LiveFunction>(conn, scope, "GET", api.PATHS.function(name));
    return env.data && typeof env.data === "object" ? env.data : {};
  } catch (e) {
    if (isGone(e)) return undefined;
    throw e;
  }
}

export interface WaitResult {
  live: api.LiveFunction;
  polls: number;
}

/**
 * Polls `GET faas/function/{name}/` until the function is running, with waits of `pollInterval`, then
 * 1.5 times longer each time, capped at `pollMaxInterval`, within `timeoutMs`. A failed status throws with
 * the API's reason; running out of time throws with the last status seen.
 */
export async function waitUntilRunning(
  conn: api.Connection,
  scope: Scope,
  name: string,
  timing: { timeoutMs: number; pollInterval: number; pollMaxInterval: number },
  opts: { missingIsPending: boolean },
): Promise<WaitResult> {
  const deadline = Date.now() + timing.timeoutMs;
  let delay = timing.pollInterval;
  let polls = 0;
  let last = "unknown";
  let lastLive: api.LiveFunction | undefined;
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0)
      throw Object.assign(
        new Error(
          `function "${name}" did not become running within ${api.formatDuration(timing.timeoutMs)} (last status: ${last})`,
        ),
        { live: lastLive },
      );
    await sleep(Math.min(delay, remaining));
    polls++;
    const live = await getFunction(conn, scope, name);
    if (!live) {
      if (!opts.missingIsPending) throw new Error(`function "${name}" no longer exists`);
      last = "not found";
    } else {
      lastLive = live;
      last = typeof live.status === "string" ? live.status.toLowerCase() : "unknown";
      const phase = api.classifyStatus(live.status);
      if (phase === "running") return { live, polls };
      if (phase === "failed")
        // The reason comes from a 200 answer, which the HTTP client does not scrub: scrubbed here.
        throw Object.assign(
          new Error(
            redact.scrub(`deployment failed: ${api.failureReason(live)}`, [conn.apiKey, conn.authToken]),
          ),
          { live: redact.scrubValue(live, [conn.apiKey, conn.authToken]) },
        );
    }
    delay = api.nextPollDelay(delay, timing.pollMaxInterval);
  }
}

/** Polls until GET answers 404, with the same backoff, within `timeoutMs`. */
export async function waitUntilGone(
  conn: api.Connection,
  scope: Scope,
  name: string,
  timing: { timeoutMs: number; pollInterval: number; pollMaxInterval: number },
): Promise<number> {
  const deadline = Date.now() + timing.timeoutMs;
  let delay = timing.pollInterval;
  let polls = 0;
  let last = "unknown";
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0)
      throw new Error(
        `function "${name}" still exists ${api.formatDuration(timing.timeoutMs)} after its deletion (status: ${last})`,
      );
    await sleep(Math.min(delay, remaining));
    polls++;
    const live = await getFunction(conn, scope, name);
    if (!live) return polls;
    last = typeof live.status === "string" ? live.status.toLowerCase() : "unknown";
    delay = api.nextPollDelay(delay, timing.pollMaxInterval);
  }
}

function outputsOf(inputs: api.CheckedInputs, live: api.LiveFunction, scope: Scope): api.FaasFunctionOutputs {
  return {
    ...inputs,
    url: typeof live.url === "string" ? live.url : "",
    status: typeof live.status === "string" ? live.status.toLowerCase() : "unknown",
    projectId: scope.projectId,
    location: scope.location,
  };
}

/**
 * Waits for running after a create, adoption or update. On failure the function exists: the error carries
 * its id and properties (status `failed`) so the engine records it and a later `up` can fix or replace it.
 */
async function settle(
  conn: api.Connection,
  scope: Scope,
  inputs: api.CheckedInputs,
  timeoutMs: number,
  what: string,
  missingIsPending: boolean,
  previous: Partial<api.FaasFunctionOutputs> = {},
): Promise<api.FaasFunctionOutputs> {
  const t = api.timeoutsOf(inputs);
  try {
    const { live } = await waitUntilRunning(
      conn,
      scope,
      inputs.name,
      { timeoutMs, pollInterval: t.pollInterval, pollMaxInterval: t.pollMaxInterval },
      { missingIsPending },
    );
    return outputsOf(inputs, live, scope);
  } catch (e) {
    const live = (e as { live?: api.LiveFunction }).live ?? {};
    // The code itself stays out: the host sends these properties (and `__provider`) in one gRPC trailer, which
    // HTTP/2 caps at 64 KiB; `codeHash` is enough for the next diff to redeploy it.
    const {
      codeInline: _inline,
      codeFile: _file,
      ...outs
    } = outputsOf(inputs, { url: previous.url, status: "failed", ...live }, scope);
    throw initError(`${what}: ${messageOf(e)}`, inputs.name, {
      ...outs,
      status: typeof live.status === "string" ? live.status.toLowerCase() : "unknown",
    });
  }
}

/** The connection's credentials for the boundary scrub; none when the connection cannot be resolved. */
function connectionSecrets(): string[] {
  try {
    const conn = currentConnection();
    return [conn.apiKey, conn.authToken];
  } catch {
    // Incomplete settings: every credential value that is set, from config and the environment.
    const raw = configured();
    const names = [...api.ENV_NAMES.apiKey, ...api.ENV_NAMES.authToken];
    return [raw.apiKey, raw.authToken, ...names.map((n) => process.env[n])].filter((v): v is string => !!v);
  }
}

/**
 * The provider of `FaasFunction`; one module-level object, so it is serialized once. Every error leaving a
 * method is scrubbed of the connection's credentials (the HTTP client's errors already are; this also covers
 * every other error and its causes).
 */
export const faasFunctionProvider = redact.scrubbingErrors(
  {
    async configure(req: { config: { get(key: string): string | undefined } }): Promise<void> {
      const raw: api.RawConfig = {};
      for (const k of ["apiKey", "authToken", "projectId", "location", "baseUrl"] as const) {
        const v = req.config.get(`e2e:${k}`);
        if (v !== undefined) raw[k] = v;
      }
      (globalThis as Record<string, unknown>)[SLOT] = raw;
    },

    async check(_olds: unknown, news: api.FaasFunctionInputs) {
      const { inputs, failures } = api.checkInputs(news);
      return failures.length ? { inputs: news, failures } : { inputs: inputs!, failures: [] };
    },

    async diff(_id: string, olds: api.FaasFunctionOutputs, news: api.CheckedInputs) {
      const d = api.diffFunction(olds, news);
      const deleteBeforeReplace = d.replaces.length > 0 && !d.replaces.includes("name");
      if (deleteBeforeReplace) {
        // The engine would delete the running function before creating its replacement: refuse here, in the
        // plan, a replacement E2E would reject, so the live function is never deleted for nothing.
        let problem: string | undefined;
        try {
          const conn = currentConnection();
          problem = await runtimeProblem(conn, conn, news);
        } catch (e) {
          problem = `the runtimes lookup failed (${messageOf(e)}), so the replacement cannot be shown valid`;
        }
        if (problem)
          throw new Error(
            `function "${news.name}": changing ${d.replaces.join(", ")} replaces it (the running function is deleted first), but ${problem}; nothing was changed`,
          );
      }
      // A function not known to be running (its deployment failed or was not waited for to the end) is looked
      // at, and redeployed if it failed, on the next `up`, even with the same inputs.
      const notRunning = api.classifyStatus(olds.status) !== "running";
      const changed = notRunning || d.replaces.length + d.apiChanges.length + d.localChanges.length > 0;
      // Names are unique per project: a replacement that keeps the name must delete the old function first.
      return {
        changes: changed,
        replaces: d.replaces,
        deleteBeforeReplace,
      };
    },

    async create(inputs: api.CheckedInputs): Promise<{ id: string; outs: api.FaasFunctionOutputs }> {
      const conn = currentConnection();
      const scope: Scope = { projectId: conn.projectId, location: conn.location };
      const t = api.timeoutsOf(inputs);
      const name = inputs.name;

      if (inputs.existingId !== undefined) {
        // Adoption: the live function must be the one declared; then it is redeployed with the declared settings.
        const live = await getFunction(conn, scope, name).catch((e) => {
          throw fail(`adopting function "${name}"`, e);
        });
        if (!live)
          throw new Error(
            `existingId: there is no function "${name}" in project ${scope.projectId} (${scope.location}) to adopt; remove existingId to create it`,
          );
        const mismatch = liveMismatch(live, inputs);
        if (mismatch)
          throw new Error(
            `existingId: function "${name}": ${mismatch}; declare it as it is or remove existingId`,
          );
        if (api.classifyStatus(live.status) === "pending")
          await waitUntilRunning(
            conn,
            scope,
            name,
            { timeoutMs: t.create, pollInterval: t.pollInterval, pollMaxInterval: t.pollMaxInterval },
            { missingIsPending: false },
          ).catch(() => undefined); // a failed function can still be redeployed
        await callApi(conn, scope, "PUT", api.PATHS.handlerFile(name), api.updateBody(inputs)).catch((e) => {
          throw fail(`adopting function "${name}" (redeploy with the declared settings)`, e);
        });
        const outs = await settle(conn, scope, inputs, t.create, `adopting function "${name}"`, false, live);
        return { id: name, outs };
      }

      const problem = await runtimeProblem(conn, scope, inputs).catch((e) => {
        throw fail(`creating function "${name}" (listing runtimes)`, e);
      });
      if (problem) throw new Error(`creating function "${name}": ${problem}`);
      await createOnce(conn, scope, inputs);
      const outs = await settle(conn, scope, inputs, t.create, `creating function "${name}"`, true);
      return { id: name, outs };
    },

    async read(id: string, props: api.FaasFunctionOutputs) {
      const conn = currentConnection();
      const scope: Scope = {
        projectId: props.projectId || conn.projectId,
        location: props.location || conn.location,
      };
      const live = await getFunction(conn, scope, id).catch((e) => {
        throw fail(`reading function "${id}"`, e);
      });
      if (!live) return {};
      const merged = api.mergeLive({ ...props, name: props.name ?? id, ...scope }, live);
      return { id, props: merged, inputs: api.inputsOf(merged as unknown as Record<string, unknown>) };
    },

    async update(id: string, olds: api.FaasFunctionOutputs, news: api.CheckedInputs) {
      const conn = currentConnection();
      const scope: Scope = {
        projectId: olds.projectId || conn.projectId,
        location: olds.location || conn.location,
      };
      const d = api.diffFunction(olds, news);
      const t = api.timeoutsOf(news);
      const timing = {
        timeoutMs: t.update,
        pollInterval: t.pollInterval,
        pollMaxInterval: t.pollMaxInterval,
      };
      const keep = (live: api.LiveFunction): api.FaasFunctionOutputs => ({
        ...news,
        url: typeof live.url === "string" ? live.url : olds.url,
        status: typeof live.status === "string" ? live.status.toLowerCase() : olds.status,
        projectId: scope.projectId,
        location: scope.location,
      });

      let phase = api.classifyStatus(olds.status);
      if (phase !== "running") {
        // The last deployment failed or was not seen to finish: look at the function before deciding.
        let live = await getFunction(conn, scope, id).catch((e) => {
          throw fail(`updating function "${id}"`, e);
        });
        if (!live)
          throw new Error(
            `updating function "${id}": it no longer exists; run "pulumi refresh" to drop it from state, then "pulumi up" creates it again`,
          );
        if (api.classifyStatus(live.status) === "pending")
          live = await waitUntilRunning(conn, scope, id, timing, { missingIsPending: false }).then(
            (r) => r.live,
            (e) => (e as { live?: api.LiveFunction }).live ?? { status: "failed" },
          );
        phase = api.classifyStatus(live.status);
        if (phase === "running" && d.apiChanges.length === 0) return { outs: keep(live) };
        if (phase === "pending")
          throw initError(
            `updating function "${id}": it is still ${String(live.status)}`,
            id,
            keep(live) as never,
          );
      }
      if (d.apiChanges.length === 0 && phase === "running") {
        // Only Pulumi-side settings changed (timeouts, existingId, how the code is given): no request.
        return { outs: keep({}) };
      }
      await callApi(conn, scope, "PUT", api.PATHS.handlerFile(id), api.updateBody(news)).catch((e) => {
        throw fail(`updating function "${id}" (${d.apiChanges.join(", ") || "redeploy after a failure"})`, e);
      });
      const outs = await settle(conn, scope, news, t.update, `updating function "${id}"`, false, olds);
      return { outs };
    },

    async delete(id: string, props: api.FaasFunctionOutputs): Promise<void> {
      const conn = currentConnection();
      const scope: Scope = {
        projectId: props.projectId || conn.projectId,
        location: props.location || conn.location,
      };
      try {
        await callApi(conn, scope, "DELETE", api.PATHS.function(id), { function: id });
      } catch (e) {
        if (isGone(e)) return;
        throw fail(`deleting function "${id}"`, e);
      }
      const t = api.timeoutsOf(props);
      await waitUntilGone(conn, scope, id, {
        timeoutMs: t.delete,
        pollInterval: t.pollInterval,
        pollMaxInterval: t.pollMaxInterval,
      }).catch((e) => {
        throw fail(`deleting function "${id}"`, e);
      });
    },
  },
  connectionSecrets,
);
