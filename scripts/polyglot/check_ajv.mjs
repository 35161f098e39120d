// Validates every sample with ajv (draft-07, ajv-formats) against the bundled webhook.json and,
// for samples of a known action, against that action's bundle; reports every verdict that
// differs from the expected one. Usage: node check_ajv.mjs BUNDLE_DIR SAMPLES_DIR
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { loadSamples, parse } from "./samples.mjs";

const [bundleDir, samplesDir] = process.argv.slice(2);
const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));

// Strict mode stays on and no keyword is declared: the bundles hold none outside JSON Schema.
const ajv = new Ajv({ allErrors: true });
addFormats(ajv);

// The formats must really be checked.
for (const [format, value, ok] of [
  ["date-time", "2019-12-09T12:01:18.909000Z", true],
  ["date-time", "2019-02-30T12:01:18Z", false],
  ["uri", "not a uri", false],
]) {
  if (ajv.validate({ type: "string", format }, value) !== ok) {
    throw new Error(`ajv: format ${format} ${ok ? "rejects" : "accepts"} ${value}`);
  }
}

const webhook = ajv.compile(readJson(join(bundleDir, "webhook.json")));
const actions = new Map();
for (const f of readdirSync(join(bundleDir, "actions")).filter((f) => f.endsWith(".json")).sort()) {
  actions.set(f.slice(0, -5), ajv.compile(readJson(join(bundleDir, "actions", f))));
}

let disagreements = 0;
let actionChecks = 0;
const samples = loadSamples(samplesDir);
const judge = (sample, validate, what) => {
  const value = parse(sample);
  const ok = validate(value);
  const pointers = new Set((validate.errors ?? []).map((e) => e.instancePath));
  if (sample.valid && !ok) {
    disagreements += 1;
    for (const e of validate.errors.slice(0, 3)) {
      console.log(`  ${sample.name} (${what}): expected valid, got ${e.instancePath || "/"} ${e.message}`);
    }
  } else if (!sample.valid && (ok || !pointers.has(sample.pointer))) {
    disagreements += 1;
    console.log(`  ${sample.name} (${what}): expected an error at "${sample.pointer}", got ${ok ? "valid" : [...pointers].join(", ")}`);
  }
};
for (const sample of samples) {
  const value = parse(sample);
  if (value === undefined) {
    if (sample.valid) {
      disagreements += 1;
      console.log(`  ${sample.name}: not JSON but expected valid`);
    }
    continue; // a body that is not JSON is rejected before validation
  }
  judge(sample, webhook, "webhook.json");
  const validate = actions.get(value?.action);
  if (validate) {
    actionChecks += 1;
    judge(sample, validate, `actions/${value.action}.json`);
  }
}
const valid = samples.filter((s) => s.valid).length;
const { version } = readJson(new URL("./node_modules/ajv/package.json", import.meta.url));
console.log(
  `ajv ${version}: ${samples.length} samples (${valid} valid, ${samples.length - valid} invalid) against webhook.json, ` +
    `${actionChecks} against their action's bundle, ${disagreements} disagreements`,
);
process.exit(disagreements > 0 ? 1 : 0);
