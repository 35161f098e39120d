// Generates TypeScript types from each version's OpenAPI document with openapi-typescript, and
// beside them a module that assigns every valid sample of the version, as an object literal,
// to the requestBody type of its action's webhook (so `required: true` must have made the body
// non-optional); two assignments that must not compile are marked with @ts-expect-error. tsc
// then compiles everything with --strict (the tsconfig.json written into OUT_DIR).
// Usage: node gen_types.mjs ROOT OUT_DIR VERSION...   (ROOT holds samples/index.json)
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";

const [root, outDir, ...versions] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(join(root, "samples", "index.json"), "utf8"));
rmSync(outDir, { recursive: true, force: true });
const files = [];
let samples = 0;
for (const version of versions) {
  const entry = manifest.versions.find((v) => v.version === version);
  if (!entry) throw new Error(`samples/index.json has no version ${version}`);
  const dir = join(outDir, `v${version}`);
  mkdirSync(dir, { recursive: true });
  const doc = pathToFileURL(join(root, entry.dist, "openapi.json"));
  // An object schema without properties (an event's free-form `content`) holds any members:
  // openapi-typescript's default would type it as having none.
  const types = astToString(await openapiTS(doc, { emptyObjectsUnknown: true }));
  if (!types.includes("export interface webhooks")) throw new Error(`v${version}: no webhooks interface`);
  writeFileSync(join(dir, "openapi.ts"), types);

  const lines = [
    `// The valid samples of v${version}, each typed as the requestBody of its action's webhook.`,
    'import type { webhooks } from "./openapi";',
    'type Body<A extends keyof webhooks> = webhooks[A]["post"]["requestBody"]["content"]["application/json"];',
  ];
  let first;
  for (const file of entry.files.filter((f) => f.valid)) {
    const value = JSON.parse(readFileSync(join(root, entry.samples, file.file), "utf8"));
    first ??= value;
    lines.push(`// ${file.file}`, `export const sample${samples}: Body<${JSON.stringify(value.action)}> = ${JSON.stringify(value, null, 2)};`);
    samples += 1;
  }
  if (first === undefined) throw new Error(`v${version}: no valid sample`);
  const action = JSON.stringify(first.action);
  lines.push(
    "// @ts-expect-error: webhook_id is a string",
    `export const wrongType: Body<${action}> = { ...${JSON.stringify(first)}, webhook_id: 42 };`,
    "// @ts-expect-error: no webhook of that name",
    'export type NoSuchAction = Body<"no_such_action">;',
    "",
  );
  writeFileSync(join(dir, "samples.ts"), lines.join("\n"));
  files.push(`v${version}/openapi.ts`, `v${version}/samples.ts`);
}
const tsconfig = {
  compilerOptions: { strict: true, noEmit: true, target: "es2022", module: "esnext", moduleResolution: "bundler", skipLibCheck: false },
  files,
};
writeFileSync(join(outDir, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
const { version } = createRequire(import.meta.url)("openapi-typescript/package.json");
console.log(`openapi-typescript ${version}: types of ${versions.length} documents, ${samples} valid samples typed as their requestBody`);
