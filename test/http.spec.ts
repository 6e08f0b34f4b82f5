import * as assert from "node:assert/strict";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import {
  AttemptEvent,
  HttpError,
  NetworkError,
  NotFoundError,
  backoffDelay,
  describeErrorBody,
  joinUrl,
  parseRetryAfter,
  redactUrl,
  request,
} from "../providers/http";
import * as httpModule from "../providers/http";
import { secretForms } from "../providers/redact";
import { loadSerialized, serializeProvider } from "./harness/provider-host";

type Reply = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

/** A loopback server answering each request with the next scripted reply (the last one repeats). */
async function scripted(replies: Reply[]) {
  const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      replies[Math.min(seen.length - 1, replies.length - 1)](req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Reply =>
  (_req, res) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };
const fast = { baseDelayMs: 5, maxDelayMs: 50 };

describe("providers/http: the shared client", () => {
  it("sends JSON with the caller's headers and returns the parsed body", async () => {
    const s = await scripted([json(201, { data: { id: "s1" } })]);
    try {
      const res = await request({
        method: "POST",
        baseUrl: s.base + "/",
        path: "/provision/spaces",
        headers: { authorization: "Bearer k" },
        body: { space: { name: "x" } },
      });
      assert.deepEqual(res, { status: 201, body: { data: { id: "s1" } }, attempts: 1 });
      assert.equal(s.seen[0].url, "/provision/spaces");
      assert.equal(s.seen[0].headers["content-type"], "application/json");
      assert.deepEqual(JSON.parse(s.seen[0].body), { space: { name: "x" } });
    } finally {
      await s.close();
    }
  });

  it("retries 429 honouring Retry-After, and 502/503/504, then succeeds", async () => {
    const s = await scripted([
      json(429, { errors: { detail: "slow down" } }, { "retry-after": "0.05" }),
      json(502, {}),
      json(503, {}),
      json(504, {}),
      json(200, { ok: true }),
    ]);
    const events: AttemptEvent[] = [];
    try {
      const started = Date.now();
      const res = await request({
        method: "GET",
        baseUrl: s.base,
        path: "x",
        retry: fast,
        onAttempt: (e) => events.push(e),
      });
      assert.equal(res.attempts, 5);
      assert.deepEqual(
        events.map((e) => e.status),
        [429, 502, 503, 504, 200],
      );
      assert.equal(events[0].retryInMs, 50, "Retry-After of 0.05 s is honoured");
      assert.ok(Date.now() - started >= 50);
    } finally {
      await s.close();
    }
  });

  it("fails at once on other 4xx with the API's field messages", async () => {
    const s = await scripted([
      json(422, { errors: { name: ["is required"], endpoint: ["is invalid URL", "must use HTTPS"] } }),
    ]);
    try {
      await assert.rejects(
        request({ method: "POST", baseUrl: s.base, path: "x", body: {}, retry: fast }),
        (e: HttpError) => {
          assert.ok(e instanceof HttpError);
          assert.equal(e.status, 422);
          assert.equal(e.attempts, 1);
          assert.equal(
            e.message,
            "API error 422: name is required; endpoint is invalid URL; endpoint must use HTTPS",
          );
          return true;
        },
      );
      assert.equal(s.seen.length, 1);
    } finally {
      await s.close();
    }
  });

  it("throws NotFoundError on 404", async () => {
    const s = await scripted([json(404, { errors: { space: ["not found"] } })]);
    try {
      await assert.rejects(request({ method: "GET", baseUrl: s.base, path: "x" }), (e: Error) => {
        assert.ok(e instanceof NotFoundError);
        assert.equal(e.message, "API error 404: space not found");
        return true;
      });
    } finally {
      await s.close();
    }
  });

  it("is bounded: gives up after maxAttempts on a server that never recovers", async () => {
    const s = await scripted([json(503, { message: "down" })]);
    try {
      await assert.rejects(
        request({ method: "GET", baseUrl: s.base, path: "x", retry: { ...fast, maxAttempts: 3 } }),
        (e: HttpError) => {
          assert.equal(e.status, 503);
          assert.equal(e.attempts, 3);
          assert.equal(e.message, "API error 503: down");
          return true;
        },
      );
      assert.equal(s.seen.length, 3);
    } finally {
      await s.close();
    }
  });

  it("is bounded in time: stops when the next wait would pass maxElapsedMs", async () => {
    const s = await scripted([json(429, {}, { "retry-after": "5" })]);
    try {
      const started = Date.now();
      await assert.rejects(
        request({
          method: "GET",
          baseUrl: s.base,
          path: "x",
          retry: { maxElapsedMs: 1000, maxDelayMs: 5000 },
        }),
        HttpError,
      );
      assert.ok(Date.now() - started < 1000);
      assert.equal(s.seen.length, 1);
    } finally {
      await s.close();
    }
  });

  it("retries a connection reset and a timeout", async () => {
    const s = await scripted([
      (req) => req.socket.destroy(),
      () => {
        /* never answers: the client's timeout fires */
      },
      json(200, { ok: true }),
    ]);
    try {
      const events: AttemptEvent[] = [];
      const res = await request({
        method: "GET",
        baseUrl: s.base,
        path: "x",
        timeoutMs: 200,
        retry: fast,
        onAttempt: (e) => events.push(e),
      });
      assert.equal(res.attempts, 3);
      assert.equal(events[0].error, "UND_ERR_SOCKET");
      assert.equal(events[1].error, "timed out");
    } finally {
      await s.close();
    }
  });

  it("never shows a secret query parameter or a credential in an error", async () => {
    const s = await scripted([json(401, { message: "bad key sekrit-api-key-123" })]);
    try {
      await assert.rejects(
        request({
          method: "GET",
          baseUrl: s.base,
          path: "faas/functions/",
          query: { apikey: "sekrit-api-key-123", location: "Delhi" },
          headers: { authorization: "Bearer sekrit-token-456" },
          secretQueryParams: ["apikey"],
          secrets: ["sekrit-api-key-123", "sekrit-token-456"],
        }),
        (e: HttpError) => {
          assert.equal(e.message, "API error 401: bad key ***");
          assert.equal(e.request, `GET ${s.base}/faas/functions/?apikey=***&location=Delhi`);
          return true;
        },
      );
    } finally {
      await s.close();
    }
    // A refused connection: the URL in the NetworkError is redacted too.
    await assert.rejects(
      request({
        method: "GET",
        baseUrl: s.base,
        path: "x",
        query: { apikey: "sekrit-api-key-123" },
        secretQueryParams: ["apikey"],
        retry: { maxAttempts: 1 },
      }),
      (e: NetworkError) => {
        assert.ok(e instanceof NetworkError);
        assert.ok(!e.message.includes("sekrit"), e.message);
        assert.match(e.message, /apikey=\*\*\*/);
        return true;
      },
    );
  });

  it("treats an envelope error inside HTTP 200 as that status", async () => {
    const s = await scripted([json(200, { code: 400, message: "Function name already exists", errors: {} })]);
    try {
      await assert.rejects(
        request({
          method: "POST",
          baseUrl: s.base,
          path: "x",
          body: {},
          envelopeStatus: (b) => (b as { code?: number }).code,
        }),
        (e: HttpError) => e.status === 400 && e.message === "API error 400: Function name already exists",
      );
    } finally {
      await s.close();
    }
  });

  it("has pure helpers for URLs, Retry-After, backoff and error bodies", () => {
    assert.equal(
      joinUrl("https://api.e2enetworks.com/myaccount/api/v1/", "/faas/functions/"),
      "https://api.e2enetworks.com/myaccount/api/v1/faas/functions/",
    );
    assert.equal(joinUrl("https://x.io", "a/b"), "https://x.io/a/b");
    assert.equal(redactUrl("https://x.io/p?apikey=abc&a=1", ["apikey"]), "https://x.io/p?apikey=***&a=1");
    assert.equal(parseRetryAfter("2"), 2000);
    assert.equal(parseRetryAfter(new Date(Date.now() + 3000).toUTCString())! > 1000, true);
    assert.equal(parseRetryAfter("soon"), undefined);
    const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000, maxElapsedMs: 10_000 };
    assert.equal(
      backoffDelay(1, policy, () => 0),
      50,
    );
    assert.equal(
      backoffDelay(3, policy, () => 1),
      400,
    );
    assert.equal(
      backoffDelay(10, policy, () => 1),
      1000,
    );
    assert.equal(
      describeErrorBody({ errors: { module: { reference: ["is invalid"] } } }),
      "module.reference is invalid",
    );
    assert.equal(describeErrorBody({ errors: { detail: "Not Found" } }), "detail Not Found");
    assert.equal(describeErrorBody("<html>bad gateway</html>"), "<html>bad gateway</html>");
    assert.equal(describeErrorBody(undefined), "no details");
  });

  it("keeps error messages and types once serialized into a provider's closure", async () => {
    const probe = {
      async create() {
        const errors = [
          new httpModule.HttpError("API error 422: name is required", 422, "POST /x", {}, 1),
          new httpModule.NotFoundError("API error 404: space not found", "GET /x", {}, 1),
          new httpModule.NetworkError("GET /x: no answer (timed out) after 5 attempt(s)", "GET /x", 5),
        ];
        return {
          id: "probe",
          outs: {
            messages: errors.map((e) => e.message),
            notFound: errors[1] instanceof httpModule.NotFoundError && errors[1].status === 404,
            httpError: errors[0] instanceof httpModule.HttpError,
          },
        };
      },
    };
    const loaded = loadSerialized((await serializeProvider(probe)).text);
    const { outs } = await loaded.create({});
    assert.deepEqual(outs, {
      messages: [
        "API error 422: name is required",
        "API error 404: space not found",
        "GET /x: no answer (timed out) after 5 attempt(s)",
      ],
      notFound: true,
      httpError: true,
    });
  });

  it("keeps status and type of errors from real requests inside a serialized provider", async () => {
    // Dynamic providers are stored as serialized text; its class rewrite used to drop Error messages.
    const { serializeProvider, loadSerialized } = await import("./harness/provider-host");
    const s = await scripted([json(422, { message: "bad input" }), json(404, { message: "gone" })]);
    try {
      const provider = {
        async create(inputs: { base: string }) {
          const errors: { message: string; status?: number; notFound: boolean }[] = [];
          for (let i = 0; i < 2; i++) {
            try {
              await request({ method: "GET", baseUrl: inputs.base, path: "x", retry: fast });
            } catch (e) {
              const err = e as HttpError;
              errors.push({ message: err.message, status: err.status, notFound: e instanceof NotFoundError });
            }
          }
          return { id: "x", outs: { errors } };
        },
      };
      const { text } = await serializeProvider(provider);
      const loaded = loadSerialized(text);
      const { outs } = await loaded.create({ base: s.base });
      assert.deepEqual(outs.errors, [
        { message: "API error 422: bad input", status: 422, notFound: false },
        { message: "API error 404: gone", status: 404, notFound: true },
      ]);
    } finally {
      await s.close();
    }
  });
});

describe("providers/http: a hostile server never gets a credential into an error or a log line", () => {
  const creds = {
    apiKey: "hostile-api-key-9f8e7d6c",
    token: "hostile/token+with=chars&more",
    sourceKey: 'sk-"quoted"\\slash-key',
  };
  const all = Object.values(creds);
  const forms = all.flatMap((c) => secretForms(c));
  const echoes: ((c: string) => unknown)[] = [
    (c) => ({ message: `bad key ${c}` }),
    (c) => ({ errors: { credential: [`${encodeURIComponent(c)} is invalid`] } }),
    (c) => ({ error: JSON.stringify({ echoed: c }) }),
    (c) => ({ detail: Buffer.from(c).toString("base64") }),
    (c) => `plain text ${Buffer.from(c).toString("base64url")}`,
  ];
  const statuses = [400, 401, 422, 500, 200];
  let n = 0;
  for (const status of statuses)
    for (const echo of echoes)
      for (const [name, c] of Object.entries(creds)) {
        n++;
        it(`#${n}: HTTP ${status} echoing ${name}`, async () => {
          const payload = echo(c);
          const s = await scripted([
            (_req, res) => {
              res.writeHead(status, { "content-type": "application/json" });
              res.end(
                status === 200
                  ? JSON.stringify({ code: 400, message: JSON.stringify(payload), data: payload })
                  : JSON.stringify(payload),
              );
            },
          ]);
          const lines: string[] = [];
          try {
            const err = await request({
              method: "PUT",
              baseUrl: s.base,
              path: "x",
              query: { apikey: creds.apiKey },
              headers: { authorization: `Bearer ${creds.token}` },
              body: { source: { credential: { api_key: creds.sourceKey } } },
              secretQueryParams: ["apikey"],
              secrets: [creds.sourceKey],
              retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
              envelopeStatus: (b) => (b as { code?: number })?.code,
              onAttempt: (e) => lines.push(JSON.stringify(e)),
            }).then(
              () => undefined,
              (e: unknown) => e,
            );
            assert.ok(err instanceof HttpError, `an API error, not a local one: ${String(err)}`);
            assert.equal(
              s.seen.length,
              status >= 500 ? 2 : 1,
              "the server was reached (PUT 5xx retried once)",
            );
            const seen =
              JSON.stringify(err, Object.getOwnPropertyNames(err)) + String(err) + lines.join("\n");
            for (const f of forms) assert.ok(!seen.includes(f), `leaked ${JSON.stringify(f)}: ${seen}`);
          } finally {
            await s.close();
          }
        });
      }
});
