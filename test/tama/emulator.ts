/**
 * A loopback Tama provisioning API for the tests and the benchmark, following shared/specs/tama-api.md:
 *
 * - `POST /auth/tokens`: OAuth2 client credentials (`Authorization: Bearer base64(id:secret)`, standard or
 *   URL-safe base64; JSON or form body with `grant_type=client_credentials` and `scope`) → `access_token`,
 *   `token_type`, `scope`, `expires_in`; 401 `{"error":"invalid_client",...}` otherwise.
 * - `/provision/...` with `Authorization: Bearer <token or static api key>` (401 otherwise).
 * - Request bodies wrapped in a singular key, responses in `{"data": …}`; create 201, get/patch 200,
 *   delete 204; 404 `{"errors":{"<kind>":["not found"]}}`; 422 `{"errors":{field:[msg…]}}` with the
 *   server-side validation the spec lists.
 * - Faults to inject: a status (429 with Retry-After, 5xx) for the next N matching requests, a delay, or a
 *   dropped connection.
 *
 * It binds to 127.0.0.1 only and records every request (method, path, headers, body) for assertions.
 */
import { randomUUID } from "crypto";
import * as http from "http";
import { AddressInfo } from "net";

type Obj = Record<string, unknown>;

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  rawBody: string;
}

export interface Fault {
  /** Which requests: `"METHOD /path-prefix"`, a path prefix, or every request when omitted. */
  match?: string;
  /** Answer with this status (e.g. 429, 502, 503, 504, 500). */
  status?: number;
  /** Retry-After header value with the status. */
  retryAfter?: string;
  /** Wait this long before answering (or before dropping). */
  delayMs?: number;
  /** Destroy the connection without an answer. */
  drop?: boolean;
  /** Apply the request first, then answer with the fault (a create behind a gateway timeout). */
  afterApply?: boolean;
  /** How many matching requests get the fault. Default 1. */
  times?: number;
  /** JSON body of the fault's answer (default: an "injected fault" error). */
  body?: unknown;
}

export interface EmulatorOptions {
  /** OAuth2 clients: id → secret. */
  clients?: Record<string, string>;
  /** Static API keys accepted as Bearer tokens (the seed's `api_key` auth). */
  apiKeys?: string[];
  /** Lifetime of issued tokens in seconds. Default 3600. */
  tokenTtlSeconds?: number;
}

const SPACE_TYPES = ["root", "component", "global"];
const SCALE_UNITS = ["seconds", "minutes", "hours"];

export const slugify = (name: string) => name.trim().toLowerCase().replace(/\s+/g, "-");

export class TamaEmulator {
  readonly requests: RecordedRequest[] = [];
  readonly spaces = new Map<string, Obj>();
  readonly sources = new Map<string, Obj>();
  readonly models = new Map<string, Obj>();
  readonly limits = new Map<string, Obj>();
  /** Source api keys by source id (never returned by the API). */
  readonly sourceKeys = new Map<string, string>();
  readonly tokens = new Map<string, { clientId: string; expiresAt: number; scope: string }>();
  tokenRequests = 0;
  private faults: (Fault & { left: number })[] = [];
  private server?: http.Server;
  baseUrl = "";

  constructor(readonly opts: EmulatorOptions = {}) {}

  static async start(opts: EmulatorOptions = {}): Promise<TamaEmulator> {
    const emu = new TamaEmulator(opts);
    emu.server = http.createServer((req, res) => emu.handle(req, res));
    await new Promise<void>((resolve) => emu.server!.listen(0, "127.0.0.1", resolve));
    emu.baseUrl = `http://127.0.0.1:${(emu.server.address() as AddressInfo).port}`;
    return emu;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  /** Injects a fault for the next matching request(s). */
  inject(fault: Fault): void {
    this.faults.push({ ...fault, left: fault.times ?? 1 });
  }

  /** Clears requests, faults and counters (keeps the objects). */
  resetLog(): void {
    this.requests.length = 0;
    this.faults = [];
    this.tokenRequests = 0;
  }

  /** Requests to `/provision` only (no token requests). */
  apiRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path.startsWith("/provision"));
  }

  /** Adds a source as a specification would create it (for the lookup by specification and slug). */
  seedSpecificationSource(specificationId: string, spaceId: string, name: string, endpoint: string): Obj {
    const id = randomUUID();
    const src = {
      id,
      name,
      slug: slugify(name),
      type: "model",
      endpoint,
      space_id: spaceId,
      specification_id: specificationId,
      provision_state: "active",
    };
    this.sources.set(id, src);
    return src;
  }

  private takeFault(method: string, path: string): Fault | undefined {
    const i = this.faults.findIndex((f) => {
      if (!f.match) return true;
      const [m, p] = f.match.includes(" ") ? f.match.split(" ") : [undefined, f.match];
      return (!m || m === method) && path.startsWith(p);
    });
    if (i < 0) return undefined;
    const f = this.faults[i];
    if (--f.left <= 0) this.faults.splice(i, 1);
    return f;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const rawBody = Buffer.concat(chunks).toString("utf8");
      const path = (req.url ?? "/").split("?")[0];
      const method = req.method ?? "GET";
      let body: unknown = undefined;
      const type = String(req.headers["content-type"] ?? "");
      if (rawBody) {
        if (type.includes("application/x-www-form-urlencoded")) {
          body = Object.fromEntries(new URLSearchParams(rawBody));
        } else {
          try {
            body = JSON.parse(rawBody);
          } catch {
            body = rawBody;
          }
        }
      }
      this.requests.push({ method, path, headers: req.headers, body, rawBody });
      const fault = this.takeFault(method, path);
      if (fault?.afterApply) {
        const discard = Object.assign(Object.create(res), {
          writeHead: () => discard,
          end: () => discard,
        }) as http.ServerResponse;
        this.route(method, path, req.headers, body, discard);
      }
      const answer = () => {
        if (fault?.drop) {
          req.socket.destroy();
          return;
        }
        if (fault?.status) {
          const headers: Record<string, string> = { "content-type": "application/json" };
          if (fault.retryAfter !== undefined) headers["retry-after"] = fault.retryAfter;
          res
            .writeHead(fault.status, headers)
            .end(JSON.stringify(fault.body ?? { errors: { detail: "injected fault" } }));
          return;
        }
        this.route(method, path, req.headers, body, res);
      };
      if (fault?.delayMs) setTimeout(answer, fault.delayMs);
      else answer();
    });
  }

  private send(res: http.ServerResponse, status: number, body?: unknown): void {
    if (body === undefined) {
      res.writeHead(status).end();
      return;
    }
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  }

  private notFound(res: http.ServerResponse, kind: string): void {
    this.send(res, 404, { errors: { [kind]: ["not found"] } });
  }

  private invalid(res: http.ServerResponse, errors: Record<string, string[]>): boolean {
    if (Object.keys(errors).length === 0) return false;
    this.send(res, 422, { errors });
    return true;
  }

  private authorized(headers: http.IncomingHttpHeaders): boolean {
    const m = /^Bearer (.+)$/.exec(String(headers.authorization ?? ""));
    if (!m) return false;
    if ((this.opts.apiKeys ?? []).includes(m[1])) return true;
    const t = this.tokens.get(m[1]);
    return !!t && t.expiresAt > Date.now();
  }

  private issueToken(headers: http.IncomingHttpHeaders, body: unknown, res: http.ServerResponse): void {
    this.tokenRequests++;
    const m = /^Bearer (.+)$/.exec(String(headers.authorization ?? ""));
    const decoded = m
      ? Buffer.from(m[1].replace(/-/g, "+").replace(/_/g, "/"), "base64").toString("utf8")
      : "";
    const sep = decoded.indexOf(":");
    const [id, secret] = sep > 0 ? [decoded.slice(0, sep), decoded.slice(sep + 1)] : ["", ""];
    const b = (body ?? {}) as Obj;
    if (!id || this.opts.clients?.[id] !== secret) {
      this.send(res, 401, { error: "invalid_client", error_description: "client authentication failed" });
      return;
    }
    if (b.grant_type !== "client_credentials") {
      this.send(res, 400, {
        error: "unsupported_grant_type",
        error_description: "grant_type must be client_credentials",
      });
      return;
    }
    const ttl = this.opts.tokenTtlSeconds ?? 3600;
    const token = `tok-${randomUUID()}`;
    const scope = typeof b.scope === "string" ? b.scope : "provision.all";
    this.tokens.set(token, { clientId: id, expiresAt: Date.now() + ttl * 1000, scope });
    this.send(res, 200, { access_token: token, token_type: "Bearer", scope, expires_in: ttl });
  }

  /** The wrapped object of a request body, or a 422 when the singular key is missing. */
  private unwrap(body: unknown, key: string, res: http.ServerResponse): Obj | undefined {
    const inner = body && typeof body === "object" ? (body as Obj)[key] : undefined;
    if (!inner || typeof inner !== "object" || Array.isArray(inner)) {
      this.send(res, 422, { errors: { [key]: ["is required"] } });
      return undefined;
    }
    return inner as Obj;
  }

  private route(
    method: string,
    path: string,
    headers: http.IncomingHttpHeaders,
    body: unknown,
    res: http.ServerResponse,
  ): void {
    if (method === "POST" && path === "/auth/tokens") return this.issueToken(headers, body, res);
    if (!path.startsWith("/provision/")) return this.send(res, 404, { errors: { detail: "Not Found" } });
    if (!this.authorized(headers)) return this.send(res, 401, { errors: { detail: "Unauthorized" } });
    const seg = path.split("/").slice(2).map(decodeURIComponent);
    const collections = new Set(["spaces", "sources", "models", "limits", "specifications"]);
    const route = `${method} /${seg.map((s, i) => (i > 0 && collections.has(seg[i - 1]) ? ":" : s)).join("/")}`;
    switch (route) {
      case "POST /neural/spaces":
        return this.createSpace(body, res);
      case "GET /neural/spaces/:":
      case "PATCH /neural/spaces/:":
      case "DELETE /neural/spaces/:":
        return this.item(method, "space", this.spaces, seg[2], body, res);
      case "POST /sensory/spaces/:/sources":
        return this.createSource(seg[2], body, res);
      case "GET /sensory/sources/:":
      case "PATCH /sensory/sources/:":
      case "DELETE /sensory/sources/:":
        return this.item(method, "source", this.sources, seg[2], body, res);
      case "GET /sensory/specifications/:/sources/:": {
        const found = [...this.sources.values()].find(
          (s) => s.specification_id === seg[2] && s.slug === seg[4],
        );
        return found ? this.send(res, 200, { data: found }) : this.notFound(res, "source");
      }
      case "POST /sensory/sources/:/models":
        return this.createModel(seg[2], body, res);
      case "GET /sensory/models/:":
      case "PATCH /sensory/models/:":
      case "DELETE /sensory/models/:":
        return this.item(method, "model", this.models, seg[2], body, res);
      case "POST /sensory/sources/:/limits":
        return this.createLimit(seg[2], body, res);
      case "GET /sensory/limits/:":
      case "PATCH /sensory/limits/:":
      case "DELETE /sensory/limits/:":
        return this.item(method, "limit", this.limits, seg[2], body, res);
      default:
        return this.send(res, 404, { errors: { detail: "Not Found" } });
    }
  }

  // ---- validation, as the spec lists it ----

  private spaceErrors(s: Obj, partial: boolean): Record<string, string[]> {
    const e: Record<string, string[]> = {};
    if (!partial || "name" in s) if (typeof s.name !== "string" || !s.name.trim()) e.name = ["is required"];
    if (!partial || "type" in s) if (!SPACE_TYPES.includes(s.type as string)) e.type = ["is invalid"];
    return e;
  }

  private sourceErrors(s: Obj, partial: boolean): Record<string, string[]> {
    const e: Record<string, string[]> = {};
    const add = (k: string, m: string) => (e[k] ??= []).push(m);
    if (!partial || "name" in s) if (typeof s.name !== "string" || !s.name.trim()) add("name", "is required");
    if (!partial || "type" in s) if (s.type !== "model") add("type", "is invalid");
    if (!partial || "endpoint" in s) {
      let url: URL | undefined;
      try {
        url = new URL(String(s.endpoint));
      } catch {
        add("endpoint", "is invalid URL");
      }
      if (!url || url.protocol !== "https:") add("endpoint", "must use HTTPS");
    }
    if (!partial || "credential" in s) {
      const key = (s.credential as Obj | undefined)?.api_key;
      if (typeof key !== "string" || !key) add("credential.api_key", "can't be blank");
    }
    if (s.request !== undefined && s.request !== null) {
      const r = s.request as Obj;
      if (r.headers !== undefined && !Array.isArray(r.headers)) add("request.headers", "is invalid");
      for (const h of Array.isArray(r.headers) ? (r.headers as Obj[]) : [])
        if (!h.name || typeof h.value !== "string") add("request.headers", "name and value are required");
      const sa = r.session_affinity as Obj | undefined;
      if (sa && !["header", "body"].includes(sa.location as string))
        add("request.session_affinity.location", "is invalid");
    }
    return e;
  }

  private modelErrors(m: Obj, partial: boolean): Record<string, string[]> {
    const e: Record<string, string[]> = {};
    if (!partial || "identifier" in m)
      if (typeof m.identifier !== "string" || !m.identifier) e.identifier = ["is required"];
    if (!partial || "path" in m) if (typeof m.path !== "string" || !m.path) e.path = ["is required"];
    if (
      "parameters" in m &&
      (typeof m.parameters !== "object" || Array.isArray(m.parameters) || m.parameters === null)
    )
      e.parameters = ["must be an object"];
    return e;
  }

  private limitErrors(l: Obj, partial: boolean): Record<string, string[]> {
    const e: Record<string, string[]> = {};
    if (!partial || "scale_unit" in l)
      if (!SCALE_UNITS.includes(l.scale_unit as string)) e.scale_unit = ["is invalid"];
    const pos = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v > 0;
    if (!partial || "scale_count" in l) if (!pos(l.scale_count)) e.scale_count = ["must be greater than 0"];
    if (!partial || "count" in l) if (!pos(l.count)) e.count = ["must be greater than 0"];
    return e;
  }

  // ---- handlers ----

  private createSpace(body: unknown, res: http.ServerResponse): void {
    const s = this.unwrap(body, "space", res);
    if (!s || this.invalid(res, this.spaceErrors(s, false))) return;
    const id = randomUUID();
    const space = {
      id,
      name: s.name,
      type: s.type,
      slug: slugify(String(s.name)),
      provision_state: "active",
    };
    this.spaces.set(id, space);
    this.send(res, 201, { data: space });
  }

  private createSource(spaceId: string, body: unknown, res: http.ServerResponse): void {
    const s = this.unwrap(body, "source", res);
    if (!s) return;
    if (!this.spaces.has(spaceId)) return this.notFound(res, "space");
    if (this.invalid(res, this.sourceErrors(s, false))) return;
    const id = randomUUID();
    const src: Obj = {
      id,
      name: s.name,
      slug: slugify(String(s.name)),
      type: s.type,
      endpoint: s.endpoint,
      space_id: spaceId,
      provision_state: "active",
    };
    if (s.request) src.request = s.request;
    this.sources.set(id, src);
    this.sourceKeys.set(id, String((s.credential as Obj).api_key));
    this.send(res, 201, { data: src });
  }

  private createModel(sourceId: string, body: unknown, res: http.ServerResponse): void {
    const m = this.unwrap(body, "model", res);
    if (!m) return;
    if (!this.sources.has(sourceId)) return this.notFound(res, "source");
    if (this.invalid(res, this.modelErrors(m, false))) return;
    const id = randomUUID();
    const model: Obj = { id, identifier: m.identifier, path: m.path, provision_state: "active" };
    if (m.parameters && Object.keys(m.parameters as Obj).length > 0) model.parameters = m.parameters;
    this.models.set(id, { ...model, __source_id: sourceId });
    this.send(res, 201, { data: model });
  }

  private createLimit(sourceId: string, body: unknown, res: http.ServerResponse): void {
    const l = this.unwrap(body, "limit", res);
    if (!l) return;
    if (!this.sources.has(sourceId)) return this.notFound(res, "source");
    if (this.invalid(res, this.limitErrors(l, false))) return;
    const id = randomUUID();
    const limit = {
      id,
      source_id: sourceId,
      scale_unit: l.scale_unit,
      scale_count: l.scale_count,
      count: l.count,
      provision_state: "active",
    };
    this.limits.set(id, limit);
    this.send(res, 201, { data: limit });
  }

  /** A model as the API shows it: no source id. */
  private view(kind: string, o: Obj): Obj {
    if (kind !== "model") return o;
    const { __source_id: _s, ...rest } = o;
    return rest;
  }

  private item(
    method: string,
    kind: "space" | "source" | "model" | "limit",
    store: Map<string, Obj>,
    id: string,
    body: unknown,
    res: http.ServerResponse,
  ): void {
    // A space is also found by its slug (the Elixir client reads `GET /provision/neural/spaces/<slug>`).
    const current =
      store.get(id) ??
      (kind === "space" && method === "GET" ? [...store.values()].find((o) => o.slug === id) : undefined);
    if (!current) return this.notFound(res, kind);
    if (method === "GET") return this.send(res, 200, { data: this.view(kind, current) });
    if (method === "DELETE") {
      store.delete(id);
      this.cascade(kind, id);
      return this.send(res, 204);
    }
    const patch = this.unwrap(body, kind, res);
    if (!patch) return;
    const errors =
      kind === "space"
        ? this.spaceErrors(patch, true)
        : kind === "source"
          ? this.sourceErrors(patch, true)
          : kind === "model"
            ? this.modelErrors(patch, true)
            : this.limitErrors(patch, true);
    if (this.invalid(res, errors)) return;
    const next: Obj = { ...current };
    for (const [k, v] of Object.entries(patch)) {
      if (kind === "source" && k === "credential") {
        this.sourceKeys.set(id, String((v as Obj).api_key));
      } else if (kind === "source" && k === "request") {
        if (v === null) delete next.request;
        else next.request = v;
      } else if (kind === "model" && k === "parameters") {
        if (v && Object.keys(v as Obj).length > 0) next.parameters = v;
        else delete next.parameters;
      } else if (k !== "id" && k !== "provision_state") {
        next[k] = v;
      }
    }
    if ((kind === "space" || kind === "source") && typeof patch.name === "string")
      next.slug = slugify(patch.name);
    store.set(id, next);
    this.send(res, 200, { data: this.view(kind, next) });
  }

  private cascade(kind: string, id: string): void {
    if (kind === "space") {
      for (const [sid, s] of this.sources) {
        if (s.space_id !== id) continue;
        this.sources.delete(sid);
        this.cascade("source", sid);
      }
    } else if (kind === "source") {
      for (const [mid, m] of this.models) if (m.__source_id === id) this.models.delete(mid);
      for (const [lid, l] of this.limits) if (l.source_id === id) this.limits.delete(lid);
    }
  }
}
