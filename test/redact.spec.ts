/** The providers' one redaction (providers/redact.ts): forms of a secret, and the scrub at each method's boundary. */
import * as assert from "node:assert/strict";
import type * as pulumi from "@pulumi/pulumi";
import { scrub, scrubbingErrors, secretForms } from "../providers/redact";

const SECRET = "s3cr3t/with+chars=";

describe("providers/redact", () => {
  it("knows the raw, URL-encoded, form-encoded, JSON-escaped, base64 (standard, URL-safe) and hex forms", () => {
    const b64 = Buffer.from(SECRET).toString("base64");
    const hex = Buffer.from(SECRET).toString("hex");
    const forms = secretForms(SECRET);
    for (const f of [SECRET, encodeURIComponent(SECRET), b64, b64.replace(/=+$/, ""), hex, hex.toUpperCase()])
      assert.ok(forms.includes(f), f);
    assert.equal(scrub(`a ${SECRET} b ${hex} c`, [SECRET]), "a *** b *** c");
  });

  it("scrubs the message, own properties and causes of an error thrown by a wrapped method, and keeps `this`", async () => {
    const seen: unknown[] = [];
    const provider: pulumi.dynamic.ResourceProvider = {
      async create(inputs: { fail?: boolean }) {
        seen.push(this);
        if (!inputs.fail) return { id: "ok", outs: {} };
        const cause = new Error(`inner ${Buffer.from(SECRET).toString("base64")}`);
        throw Object.assign(new Error(`outer ${SECRET}`, { cause }), {
          body: { echo: encodeURIComponent(SECRET) },
        });
      },
    };
    const wrapped: pulumi.dynamic.ResourceProvider = scrubbingErrors(provider, (self) =>
      self === wrapped ? [SECRET] : [],
    );
    assert.deepEqual(await wrapped.create!({}), { id: "ok", outs: {} });
    assert.equal(seen[0], wrapped, "`this` is the wrapped provider");
    const err = (await wrapped.create!({ fail: true }).catch((e: unknown) => e)) as Error & { body: unknown };
    assert.equal(err.message, "outer ***");
    assert.equal((err.cause as Error).message, "inner ***");
    assert.deepEqual(err.body, { echo: "***" });
    assert.ok(!String(err.stack).includes(SECRET));
    assert.equal(wrapped.read, undefined, "methods the provider lacks stay absent");
  });
});
