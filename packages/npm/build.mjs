// The package build's validators: ajv's standalone code for each version with schemas of its
// own, compiled here so that nothing is compiled when the package is imported. Run by
// `cargo xtask package` in its staging folder, before tsc:
//
//   node build.mjs build.json
//
// build.json lists `{ "module": "v3_6", "bundle": "v3.6/webhook.json" }` per version. For each,
// writes `src/validators/<module>.cjs` with two validators, `webhook` (the bundle) and `unknown`
// (the envelope every action shares, for an action the version does not have), its
// declarations `<module>.d.cts` for tsc, and the same `.cjs` into `dist/validators/`, beside
// the formats they require (`src/formats.cjs`).
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import Ajv, { _ } from "ajv";
import standaloneCode from "ajv/dist/standalone/index.js";

// The formats, for ajv here and for the standalone code (which requires the same file).
const formats = createRequire(import.meta.url)("./src/formats.cjs");

const [configPath] = process.argv.slice(2);
if (!configPath) throw new Error("usage: node build.mjs build.json");
const { versions } = JSON.parse(readFileSync(configPath, "utf8"));
const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));

/**
 * The envelope of a webhook whose action the version does not have: an object with the
 * members every action's envelope requires, each member's schema as most actions write it
 * (the first in the documentation's order on a tie), `action` any string and `payload` any
 * JSON.
 */
function unknownEnvelope(bundle) {
  const envelopes = bundle.properties.action.enum.map((action) => bundle.$defs[action]);
  const required = envelopes
    .map((e) => e.required ?? [])
    .reduce((all, some) => all.filter((name) => some.includes(name)));
  const properties = {};
  for (const name of new Set(envelopes.flatMap((e) => Object.keys(e.properties ?? {})))) {
    const counts = new Map();
    for (const e of envelopes) {
      const schema = e.properties?.[name];
      if (schema === undefined) continue;
      const key = JSON.stringify(schema);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const [best] = [...counts].reduce((a, b) => (b[1] > a[1] ? b : a));
    properties[name] = JSON.parse(best);
  }
  properties.action = { description: "Name of the action.", type: "string" };
  properties.payload = { description: "Data of the action." };
  return {
    $schema: bundle.$schema,
    $id: new URL("unknown.json", bundle.$id).href,
    title: "Webhook of an unknown action",
    description: "The envelope every action shares, with any action name and any payload.",
    type: "object",
    required,
    properties,
    $defs: bundle.$defs,
  };
}

/**
 * The bundle to compile: a copy of `bundle` where each `oneOf` whose branches are objects told
 * apart by one constant member (events by `type`, users by `type`, …) names that member as its
 * `discriminator`, so that ajv checks the branch the tag names and reports its errors, or one
 * error on the tag, as the Rust validator does. The verdicts stay those of `oneOf`.
 */
function withDiscriminators(bundle) {
  const copy = structuredClone(bundle);
  const target = (branch) => copy.$defs[branch.$ref?.replace(/^#\/\$defs\//, "")];
  for (const schema of Object.values(copy.$defs)) {
    const branches = (schema.oneOf ?? []).map(target);
    if (branches.length < 2 || branches.some((b) => b === undefined)) continue;
    const tags = Object.keys(branches[0].properties ?? {}).filter((name) =>
      branches.every((b) => b.properties?.[name]?.const !== undefined && b.required?.includes(name)),
    );
    if (tags.length === 0) continue;
    schema.discriminator = { propertyName: tags[0] };
    // ajv applies `discriminator` to objects only and then skips `oneOf`: every branch is an
    // object, so saying so keeps the verdict on anything else.
    schema.type = "object";
  }
  return copy;
}

const declarations = `// Written by the package build (build.mjs): ajv's standalone validators.
interface CompiledError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly message?: string;
  readonly params?: { readonly tag?: unknown };
}
interface CompiledValidator {
  (data: unknown): boolean;
  errors?: readonly CompiledError[] | null;
}
declare const validators: { readonly webhook: CompiledValidator; readonly unknown: CompiledValidator };
export = validators;
`;
mkdirSync("src/validators", { recursive: true });
mkdirSync("dist/validators", { recursive: true });
copyFileSync("src/formats.cjs", "dist/validators/formats.cjs");
for (const { module, bundle: bundlePath } of versions) {
  const bundle = readJson(bundlePath);
  const envelope = unknownEnvelope(bundle);
  // Strict mode (ajv's default): a keyword ajv does not know fails the build.
  const ajv = new Ajv({
    discriminator: true,
    code: { source: true, lines: false, formats: _`require("./formats.cjs")` },
  });
  for (const [name, format] of Object.entries(formats)) ajv.addFormat(name, format);
  ajv.addSchema(withDiscriminators(bundle));
  ajv.addSchema(withDiscriminators(envelope));
  const code = `// Written by the package build (build.mjs) from ${bundlePath}: ajv's standalone validators.\n${standaloneCode(
    ajv,
    { webhook: bundle.$id, unknown: envelope.$id },
  )}\n`;
  writeFileSync(`src/validators/${module}.cjs`, code);
  writeFileSync(`dist/validators/${module}.cjs`, code);
  writeFileSync(`src/validators/${module}.d.cts`, declarations);
  console.log(`build.mjs: ${bundlePath} -> validators/${module}.cjs (${code.length} bytes)`);
}
