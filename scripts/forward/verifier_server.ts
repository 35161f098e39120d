// A Standard Webhooks destination for scripts/forward-check.sh, in TypeScript: each request is
// verified with the README's TypeScript example (verify.ts, extracted beside this file),
// recorded as one JSON line, and answered 204 when verified, 400 when not.
//
//     node verifier_server.js PORT RECORDS
import { appendFileSync } from "node:fs";
import { createServer } from "node:http";

import { verify } from "./verify.js";

const [port, records] = [Number(process.argv[2]), process.argv[3] ?? ""];
const attempts = new Map<string, number>();

createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    const body = Buffer.concat(chunks);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === "string") headers[name] = value;
    }
    const id = headers["webhook-id"] ?? "";
    let verified = true;
    let error: string | null = null;
    try {
      verify(body.toString("utf8"), headers);
    } catch (e) {
      verified = false;
      error = String(e);
    }
    const attempt = (attempts.get(id) ?? 0) + 1;
    attempts.set(id, attempt);
    const status = verified ? 204 : 400;
    const line = {
      id,
      attempt,
      verified,
      error,
      status,
      content_type: headers["content-type"] ?? null,
      body: body.toString("base64"),
    };
    appendFileSync(records, JSON.stringify(line) + "\n");
    response.writeHead(status, { "content-length": "0" });
    response.end();
  });
}).listen(port, "127.0.0.1");
