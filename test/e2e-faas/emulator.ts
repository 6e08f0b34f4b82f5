/**
 * A loopback emulator of the E2E MyAccount FaaS API, as E2E's own CLI uses it (shared/specs/e2e-faas-api.md):
 *
 * - `GET faas/runtimes/`, `GET|POST faas/functions/`, `GET|DELETE faas/function/{name}/`,
 *   `PUT faas/handler_file/{name}/`, all below `/myaccount/api/v1/`;
 * - every answer is the envelope `{code, data, errors, message}`; validation errors come back as HTTP 200
 *   with `code: 400`, as the real API does;
 * - every call must carry `Authorization: Bearer <token>` and `?apikey=…&project_id=…&location=…`;
 * - functions are kept by name and move Creating → Deploying → Running (or Failed) over time; a deleted one
 *   is Deleting for a while, then gone (404);
 * - faults (429 with Retry-After, 5xx, HTTP 200 with an error code, a dropped connection, a delay) can be
 *   queued for the next requests, in process (`inject`) or over HTTP (`POST /__control/faults` with the
 *   fault as JSON and `match` as `"METHOD path-prefix"`; `DELETE /__control/faults` clears them); with
 *   `afterApply` the request takes effect first and only its answer is lost (a create behind a gateway
 *   timeout).
 *
 * Binds 127.0.0.1 only. Status values are capitalised as in the UI, to prove the provider ignores case.
 */
import * as http from "node:http";
import { AddressInfo } from "node:net";

export interface EmulatedRuntime {
  runtime: string;
  node_type: "cpu" | "gpu";
  label: string;
  boiler_code: string;
  requirements_code: string;
}

export const RUNTIMES: EmulatedRuntime[] = [
  {
    runtime: "python3-http-debian",
    node_type: "cpu",
    label: "requirements.txt",
    boiler_code: "def handle(event, context):\n    return {'statusCode': 200, 'body': 'Hello from E2E'}\n",
    requirements_code: "",
  },
  {
    runtime: "node18",
    node_type: "cpu",
    label: "package.json",
    boiler_code: "module.exports = async (event, context) => context.status(200).succeed('ok');\n",
    requirements_code: '{"name":"function","version":"1.0.0"}\n',
  },
  {
    runtime: "python3-http-cuda",
    node_type: "gpu",
    label: "requirements.txt",
    boiler_code: "def handle(event, context):\n    return {'statusCode': 200}\n",
    requirements_code: "torch\n",
  },
];

export interface Fault {
  /** HTTP status to answer with (429, 500, 502, 503, ...); ignored with `drop`. */
  status: number;
  /** Destroy the connection without an answer. */
  drop?: boolean;
  /** Apply the request first, then answer with the fault instead of the real answer. */
  afterApply?: boolean;
  /** Wait this long (ms) before answering. */
  delayMs?: number;
  /** `Retry-After` header value, in seconds. */
  retryAfter?: string;
  /** Answer HTTP 200 with this status as the envelope `code` instead. */
  inEnvelope?: boolean;
  message?: string;
  /** Answer with this body verbatim (e.g. one without the envelope). */
  rawBody?: string;
  /** Only requests this matches consume the fault (default: any). A string is `"METHOD path-prefix"`. */
  match?: ((method: string, path: string) => boolean) | string;
}

function matches(f: Fault, method: string, path: string): boolean {
  if (!f.match) return true;
  if (typeof f.match === "function") return f.match(method, path);
  const [m, p] = f.match.includes(" ") ? f.match.split(" ") : [undefined, f.match];
  return (!m || m === method) && path.startsWith(p ?? "");
}

export interface RecordedRequest {
  method: string;
  /** Path below `/myaccount/api/v1/`. */
  path: string;
  query: Record<string, string>;
  authorization?: string;
  body?: unknown;
  /** The status the emulator answered with (HTTP, or envelope code when it differs). */
  answered: number;
}

interface StoredFunction {
  name: string;
  runtime: string;
  code: string;
  requirements: string;
  memory: number;
  timeout: number;
  environment_variables: Record<string, string>;
  secrets: string[];
  node_type: string;
  url: string;
  /** When the current deployment started. */
  deployStarted: number;
  /** Skip the Creating phase (redeploys). */
  redeploy: boolean;
  failReason?: string;
  deletedAt?: number;
}

export interface EmulatorOptions {
  apiKey?: string;
  authToken?: string;
  projectId?: string;
  location?: string;
  /** ms in Creating, in Deploying, and in Deleting. */
  creatingMs?: number;
  deployingMs?: number;
  deletingMs?: number;
  /** A deployment failure reason for a function, or undefined for success. */
  failWhen?: (fn: { name: string; code: string; requirements: string }) => string | undefined;
  /** How a missing function is reported: HTTP 404 (default) or HTTP 200 with `code: 404`. */
  notFound?: "http" | "envelope";
  /** Leave out `memory`, `timeout`, ... from GET answers (only name, runtime, status, url). */
  sparseGet?: boolean;
}

export const EMULATOR_DEFAULTS = {
  apiKey: "emu-api-key-0123456789abcdef",
  authToken: "emu-auth-token-abcdef0123456789",
  projectId: "12345",
  location: "Delhi",
};

/** The default deployment failure rule: an uninstallable requirement. */
export function defaultFailWhen(fn: { requirements: string }): string | undefined {
  const bad = /^(does-not-exist[\w-]*)/m.exec(fn.requirements);
  return bad ? `Build failed: pip install: No matching distribution found for ${bad[1]}` : undefined;
}

const NAME = /^[a-z](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
const ACCOUNT_SUFFIX = "x7k2p9";
const BASE = "/myaccount/api/v1/";

export class E2eEmulator {
  readonly requests: RecordedRequest[] = [];
  readonly functions = new Map<string, StoredFunction>();
  private faults: Fault[] = [];
  readonly opts: Required<Omit<EmulatorOptions, "failWhen">> & Pick<EmulatorOptions, "failWhen">;

  private constructor(
    private readonly server: http.Server,
    readonly baseUrl: string,
    opts: EmulatorOptions,
  ) {
    this.opts = {
      ...EMULATOR_DEFAULTS,
      creatingMs: 30,
      deployingMs: 30,
      deletingMs: 30,
      notFound: "http",
      sparseGet: false,
      failWhen: defaultFailWhen,
      ...opts,
    };
  }

  static async start(opts: EmulatorOptions = {}): Promise<E2eEmulator> {
    const holder: { emu?: E2eEmulator } = {};
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => holder.emu!.handle(req, res, body));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    holder.emu = new E2eEmulator(server, `http://127.0.0.1:${port}${BASE}`, opts);
    return holder.emu;
  }

  /** The provider's connection settings for this emulator, as `configure` would get them. */
  get config(): Record<string, string> {
    return {
      "e2e:apiKey": this.opts.apiKey,
      "e2e:authToken": this.opts.authToken,
      "e2e:projectId": this.opts.projectId,
      "e2e:location": this.opts.location,
      "e2e:baseUrl": this.baseUrl,
    };
  }

  /** Queues faults; each is consumed by the next request it matches. */
  inject(...faults: Fault[]): void {
    this.faults.push(...faults);
  }

  /** Requests seen, optionally only those matching `method` and a path prefix. */
  count(method?: string, pathPrefix?: string): number {
    return this.requests.filter(
      (r) => (!method || r.method === method) && (!pathPrefix || r.path.startsWith(pathPrefix)),
    ).length;
  }

  reset(): void {
    this.requests.length = 0;
    this.functions.clear();
    this.faults = [];
  }

  /** Puts a function in place directly (e.g. one created outside Pulumi, to adopt). */
  seed(fn: Partial<StoredFunction> & { name: string; runtime: string }): void {
    this.functions.set(fn.name, {
      code: "def handle(event, context):\n    return 'old'\n",
      requirements: "",
      memory: 256,
      timeout: 15,
      environment_variables: {},
      secrets: [],
      node_type: "cpu",
      url: this.urlOf(fn.name),
      deployStarted: 0,
      redeploy: false,
      ...fn,
    });
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }

  statusOf(fn: StoredFunction, now = Date.now()): string {
    if (fn.deletedAt !== undefined) return "Deleting";
    const t = now - fn.deployStarted + (fn.redeploy ? this.opts.creatingMs : 0);
    if (t < this.opts.creatingMs) return "Creating";
    if (t < this.opts.creatingMs + this.opts.deployingMs) return "Deploying";
    return fn.failReason ? "Failed" : "Running";
  }

  private urlOf(name: string): string {
    return `https://${name}-${ACCOUNT_SUFFIX}.serverless.e2enetworks.net/`;
  }

  private view(fn: StoredFunction) {
    const status = this.statusOf(fn);
    const base: Record<string, unknown> = { name: fn.name, runtime: fn.runtime, status, url: fn.url };
    if (status === "Failed") base.error_message = fn.failReason;
    if (this.opts.sparseGet) return base;
    return {
      ...base,
      memory: fn.memory,
      timeout: fn.timeout,
      node_type: fn.node_type,
      environment_variables: fn.environment_variables,
      secrets: fn.secrets,
    };
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
    const url = new URL(req.url!, "http://127.0.0.1");
    const method = req.method!;
    const path = url.pathname.startsWith(BASE) ? url.pathname.slice(BASE.length) : url.pathname;
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const record: RecordedRequest = {
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization,
      body,
      answered: 0,
    };
    this.requests.push(record);

    const send = (httpStatus: number, code: number, data: unknown, message: string, errors: unknown = {}) => {
      record.answered = code;
      res.writeHead(httpStatus, { "content-type": "application/json" });
      res.end(JSON.stringify({ code, data, errors, message }));
    };

    if (path.startsWith("__control/faults")) {
      record.answered = 200;
      if (method === "DELETE") this.faults = [];
      else if (method === "POST") this.faults.push(body as Fault);
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ faults: this.faults.length }));
      return;
    }
    const faultAt = this.faults.findIndex((f) => matches(f, method, path));
    if (faultAt >= 0) {
      const [f] = this.faults.splice(faultAt, 1);
      const answerFault = () => {
        if (f.drop) {
          record.answered = 0;
          req.socket.destroy();
          return;
        }
        const message = f.message ?? (f.status === 429 ? "Request was throttled." : "Service unavailable");
        if (f.inEnvelope) return send(200, f.status, {}, message);
        record.answered = f.status;
        res.writeHead(f.status, {
          "content-type": "application/json",
          ...(f.retryAfter ? { "retry-after": f.retryAfter } : {}),
        });
        res.end(f.rawBody ?? JSON.stringify({ code: f.status, data: {}, errors: {}, message }));
      };
      if (f.afterApply) {
        // The request takes effect; its real answer is swallowed.
        this.route(req, url, method, path, body, () => undefined);
      }
      if (f.delayMs) setTimeout(answerFault, f.delayMs);
      else answerFault();
      return;
    }
    this.route(req, url, method, path, body, send);
  }

  private route(
    req: http.IncomingMessage,
    url: URL,
    method: string,
    path: string,
    body: unknown,
    send: (httpStatus: number, code: number, data: unknown, message: string, errors?: unknown) => void,
  ): void {
    const ok = (data: unknown, message = "Success") => send(200, 200, data, message);
    const invalid = (message: string, errors: Record<string, string[]> = {}) =>
      send(200, 400, {}, message, errors);
    const missing = (name: string) =>
      this.opts.notFound === "envelope"
        ? send(200, 404, {}, `Function ${name} not found`)
        : send(404, 404, {}, `Function ${name} not found`);
    if (req.headers.authorization !== `Bearer ${this.opts.authToken}`)
      return send(401, 401, {}, "Authentication credentials were not provided or are invalid.");
    if (url.searchParams.get("apikey") !== this.opts.apiKey) return send(401, 401, {}, "Invalid API key.");
    if (url.searchParams.get("project_id") !== this.opts.projectId)
      return send(403, 403, {}, "You do not have access to this project.");
    if (url.searchParams.get("location") !== this.opts.location)
      return invalid(`FaaS is not available in location ${url.searchParams.get("location") ?? "(none)"}.`);

    // Deleted functions disappear once their Deleting phase is over.
    for (const [name, fn] of this.functions)
      if (fn.deletedAt !== undefined && Date.now() - fn.deletedAt >= this.opts.deletingMs)
        this.functions.delete(name);

    let m: RegExpExecArray | null;
    if (method === "GET" && path === "faas/runtimes/") return ok(RUNTIMES);
    if (method === "GET" && path === "faas/functions/")
      return ok([...this.functions.values()].map((f) => this.view(f)));
    if (method === "POST" && path === "faas/functions/") return this.create(body, ok, invalid);
    if ((m = /^faas\/function\/([^/]+)\/$/.exec(path))) {
      const name = decodeURIComponent(m[1]);
      const fn = this.functions.get(name);
      if (!fn) return missing(name);
      if (method === "GET") return ok(this.view(fn));
      if (method === "DELETE") {
        if (fn.deletedAt === undefined) fn.deletedAt = Date.now();
        return ok({}, `Function ${name} deleted.`);
      }
    }
    if ((m = /^faas\/handler_file\/([^/]+)\/$/.exec(path)) && method === "PUT") {
      const name = decodeURIComponent(m[1]);
      const fn = this.functions.get(name);
      if (!fn || fn.deletedAt !== undefined) return missing(name);
      const status = this.statusOf(fn);
      if (status === "Creating" || status === "Deploying")
        return invalid(
          `Function ${name} is ${status.toLowerCase()}; it can be edited once it is Running or Failed.`,
        );
      const b = (body ?? {}) as Record<string, unknown>;
      const errors = this.validateSettings(b);
      if (Object.keys(errors).length) return invalid("Invalid request.", errors);
      Object.assign(fn, {
        code: b.code,
        requirements: b.requirements ?? "",
        memory: Number(b.memory),
        timeout: Number(b.timeout),
        environment_variables: b.environment_variables ?? {},
        secrets: b.secrets ?? [],
        deployStarted: Date.now(),
        redeploy: true,
      });
      fn.failReason = this.opts.failWhen?.({ name, code: fn.code, requirements: fn.requirements });
      return ok(this.view(fn), "Function update initiated.");
    }
    send(404, 404, {}, `No route for ${method} ${path}`);
  }

  private validateSettings(b: Record<string, unknown>): Record<string, string[]> {
    const errors: Record<string, string[]> = {};
    if (typeof b.code !== "string" || !b.code.trim()) errors.code = ["This field may not be blank."];
    if (![128, 256, 512, 1024].includes(Number(b.memory)))
      errors.memory = ["Memory must be 128, 256, 512 or 1024."];
    const t = Number(b.timeout);
    if (!Number.isInteger(t) || t < 1 || t > 600)
      errors.timeout = ["Timeout must be between 1 and 600 seconds."];
    const env = (b.environment_variables ?? {}) as Record<string, unknown>;
    if ("PORT" in env) errors.environment_variables = ["PORT is a reserved name."];
    return errors;
  }

  private create(
    body: unknown,
    ok: (data: unknown, message?: string) => void,
    invalid: (message: string, errors?: Record<string, string[]>) => void,
  ): void {
    const b = (body ?? {}) as Record<string, unknown>;
    const errors = this.validateSettings(b);
    const name = b.function;
    if (typeof name !== "string" || !NAME.test(name)) errors.function = ["Enter a valid function name."];
    const runtime = RUNTIMES.find((r) => r.runtime === b.runtime);
    if (!runtime) errors.runtime = [`Unknown runtime ${String(b.runtime)}.`];
    else if (b.node_type !== runtime.node_type)
      errors.node_type = [`Runtime ${runtime.runtime} runs on ${runtime.node_type}.`];
    if (Object.keys(errors).length) return invalid("Invalid request.", errors);
    if (this.functions.has(name as string)) return invalid(`Function with name ${name} already exists.`);
    const fn: StoredFunction = {
      name: name as string,
      runtime: b.runtime as string,
      code: b.code as string,
      requirements: (b.requirements as string) ?? "",
      memory: Number(b.memory),
      timeout: Number(b.timeout),
      environment_variables: (b.environment_variables as Record<string, string>) ?? {},
      secrets: (b.secrets as string[]) ?? [],
      node_type: b.node_type as string,
      url: this.urlOf(name as string),
      deployStarted: Date.now(),
      redeploy: false,
    };
    fn.failReason = this.opts.failWhen?.({ name: fn.name, code: fn.code, requirements: fn.requirements });
    this.functions.set(fn.name, fn);
    ok(this.view(fn), "Function creation initiated.");
  }
}
