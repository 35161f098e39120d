// Generates TypeScript declarations from the per-action bundles with json-schema-to-typescript,
// and a module that assigns every valid sample, as an object literal, to the type of its action
// (so that excess properties and literal types are checked too). tsc then type-checks it.
// Usage: node gen_ts.mjs BUNDLE_DIR SAMPLES_DIR OUT_DIR
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compile } from "json-schema-to-typescript";
import { loadSamples, parse } from "./samples.mjs";

const [bundleDir, samplesDir, outDir] = process.argv.slice(2);
rmSync(outDir, { recursive: true, force: true });
mkdirSync(join(outDir, "types"), { recursive: true });

const typeName = (action) => action.replace(/(^|_)([a-z])/g, (_, __, c) => c.toUpperCase()) + "Webhook";
const actions = readdirSync(join(bundleDir, "actions"))
  .filter((f) => f.endsWith(".json"))
  .map((f) => f.slice(0, -5))
  .sort();
for (const action of actions) {
  const schema = JSON.parse(readFileSync(join(bundleDir, "actions", `${action}.json`), "utf8"));
  const rootId = schema.$id;
  const ts = await compile(schema, typeName(action), {
    bannerComment: `/* Generated from ${join(bundleDir, "actions", action)}.json by json-schema-to-typescript. */`,
    // The root type gets a fixed name, whatever its title.
    customName: (s) => (s.$id === rootId ? typeName(action) : undefined),
    format: false,
  });
  if (!ts.includes(`export interface ${typeName(action)} `)) {
    throw new Error(`json-schema-to-typescript: no interface ${typeName(action)} for ${action}`);
  }
  writeFileSync(join(outDir, "types", `${action}.d.ts`), ts);
}

const imports = actions.map((a) => `import type { ${typeName(a)} } from "./types/${a}";`);
const body = [];
let count = 0;
for (const sample of loadSamples(samplesDir).filter((s) => s.valid)) {
  const value = parse(sample);
  if (!actions.includes(value?.action)) throw new Error(`${sample.name}: no type for action ${value?.action}`);
  body.push(`// ${sample.name}\nexport const sample${count}: ${typeName(value.action)} = ${JSON.stringify(value, null, 2)};\n`);
  count += 1;
}
// The types must check something: a wrong action and a wrong field type are errors.
const first = typeName(parse(loadSamples(samplesDir)[0]).action);
body.push(
  "// @ts-expect-error: an action is a literal type",
  `export const wrongAction: ${first} = { ...sample0, action: "no_such_action" };`,
  "// @ts-expect-error: webhook_id is a string",
  `export const wrongType: ${first} = { ...sample0, webhook_id: 42 };\n`,
);
writeFileSync(join(outDir, "samples.ts"), `${imports.join("\n")}\n\n${body.join("\n")}`);
writeFileSync(
  join(outDir, "tsconfig.json"),
  JSON.stringify(
    {
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: "es2022",
        module: "esnext",
        moduleResolution: "bundler",
        types: [],
      },
      files: ["samples.ts"],
    },
    null,
    2,
  ),
);
console.log(`json-schema-to-typescript: ${actions.length} declaration files, ${count} samples to type-check`);
