// Parses each AsyncAPI document given with @asyncapi/parser (its default rules) and fails on any
// error diagnostic; warnings and the rest are printed. A parsed document must hold one receive
// operation per message of its channel, each message with a payload schema.
// Usage: node parse_asyncapi.mjs FILE...
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Parser, DiagnosticSeverity } from "@asyncapi/parser";

const parser = new Parser();
const { version } = createRequire(import.meta.url)("@asyncapi/parser/package.json");
const severity = Object.fromEntries(Object.entries(DiagnosticSeverity).map(([k, v]) => [v, k]));
let failed = 0;
for (const file of process.argv.slice(2)) {
  const { document, diagnostics } = await parser.parse(readFileSync(file, "utf8"), { source: file });
  const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error);
  for (const d of diagnostics) {
    console.log(`  ${file}: ${severity[d.severity] ?? d.severity} ${d.code} at /${d.path.join("/")}: ${d.message}`);
  }
  const problems = errors.length > 0 ? [`${errors.length} error diagnostics`] : [];
  if (document === undefined) {
    problems.push("no document");
  } else {
    const operations = document.operations().all();
    const messages = document.messages().all();
    if (operations.length === 0 || operations.length !== document.channels().all()[0]?.messages().all().length) {
      problems.push(`${operations.length} operations for the channel's messages`);
    }
    for (const operation of operations) {
      if (!operation.isReceive()) problems.push(`${operation.id()}: not a receive operation`);
      if (operation.messages().all().length !== 1) problems.push(`${operation.id()}: not one message`);
    }
    for (const message of messages) {
      if (!message.hasPayload() || message.payload().type() !== "object") {
        problems.push(`${message.id()}: no object payload`);
      }
    }
    console.log(
      `asyncapi ${file}: ${operations.length} receive operations, ${messages.length} messages, ` +
        `${diagnostics.length - errors.length} non-error diagnostics, ${problems.length} problems`,
    );
  }
  for (const p of problems) console.log(`  ${file}: ${p}`);
  failed += problems.length > 0;
}
console.log(`@asyncapi/parser ${version}: ${process.argv.length - 2 - failed} of ${process.argv.length - 2} documents parse without error`);
process.exit(failed > 0 ? 1 : 0);
