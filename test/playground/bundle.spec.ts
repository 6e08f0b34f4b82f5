import * as assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { bundle } from "../../lib/bundle";
import { toApiEvent } from "../../scripts/playground-local";
import { freshTable, local } from "./local";

describe("the deployed artifact: functions/playground-api bundled by lib/bundle.ts", function () {
  this.timeout(60000);
  let dir: string;
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it("is one self-contained index.js that serves requests against dynalite", async () => {
    await local();
    await freshTable("Bundled");
    const b = bundle("playground-api");
    const external = [...new Set([...b.code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]))].filter(
      (m) => !m.startsWith("node:"),
    );
    // The SDK's optional SigV4a signer, loaded inside a try/catch only for multi-region endpoints.
    assert.deepEqual(external, ["@aws-sdk/signature-v4-crt"], "every dependency is bundled");
    assert.ok(!b.code.includes("@pulumi/"), "no Pulumi code in the Lambda");
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "playground-bundle-"));
    fs.writeFileSync(path.join(dir, "index.js"), b.code);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { handler } = require(path.join(dir, "index.js")) as {
      handler: (e: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
    };
    const send = async (method: string, url: string, body?: unknown) => {
      const r = await handler(
        toApiEvent({
          method,
          url,
          headers: {},
          body: body === undefined ? "" : JSON.stringify(body),
          requestId: randomUUID(),
        }),
      );
      return { status: r.statusCode, body: JSON.parse(String(r.body)) };
    };
    assert.equal((await send("GET", "/health")).status, 200);
    assert.equal((await send("POST", "/tables", { tableId: "bundled" })).status, 201);
    const put = await send("PUT", "/tables/bundled/users/u", { submissionCount: "3", totalCount: 4 });
    assert.deepEqual(put, {
      status: 200,
      body: {
        username: "u",
        submissionCount: 3,
        totalCount: 4,
        createdNew: true,
        message: "User data updated successfully",
      },
    });
    assert.equal((await send("GET", "/tables/bundled")).body.userCount, 1);
  });
});
