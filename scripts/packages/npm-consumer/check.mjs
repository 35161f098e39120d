// Checks the installed livechat-webhooks package from a scratch project (run by
// scripts/packages/npm-check.sh, which installs the tarball and sets the environment):
//   samples    every sample of every version in samples/index.json gets the Rust validator's
//              verdict from `validate`, `errors` and `parse` (text and bytes); a negative
//              sample is rejected with an error at the pointer of its invalid/expected.json
//              (an action the version does not have: `parse` gives an UnknownWebhook)
//   hostile    bodies that must never make `parse` throw anything but InvalidWebhook, nor
//              `validate` throw at all
//   exports    the subpaths of each version resolve (module, bundles, examples), the root is
//              the stable version, and `require` reaches the same module
//   ajv        ajv 8 in strict mode (ajv-formats, no custom keyword) compiles every shipped
//              schema
//   types      see typecheck.mjs: the samples typed with `satisfies` under tsc --strict true
//              and false, narrowing on `action`, no `any` or `never` in the declarations, the
//              README usage compiled and run
//   differential  see differential.mjs: mutations of the documented samples get the verdicts
//              of the Rust validator
// Environment: NPM_CHECK_ROOT (the repository, for the samples and the manifest),
// NPM_CHECK_VALIDATOR (the webhooks-validate binary), NPM_CHECK_START (when the check began,
// in nanoseconds since the epoch, for the time printed before the count).
// Prints `npm package: N passed, M failed` last; exits 1 on any failure.
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { differential } from "./differential.mjs";
import { hostileBodies } from "./hostile.mjs";
import { checkTypes } from "./typecheck.mjs";

const root = process.env.NPM_CHECK_ROOT;
const validator = process.env.NPM_CHECK_VALIDATOR;
if (!root || !validator) throw new Error("NPM_CHECK_ROOT and NPM_CHECK_VALIDATOR must be set");
const manifest = JSON.parse(readFileSync(`${root}/samples/index.json`, "utf8"));
const PACKAGE = "livechat-webhooks";

let passed = 0;
const failures = [];
/** Records one check: `problem` is undefined when it passed. */
const check = (name, problem) => {
  if (problem === undefined) passed += 1;
  else failures.push(`${name}: ${problem}`);
};

/** `f()`'s result, or what it threw as `{ thrown }`. */
const attempt = (f) => {
  try {
    return { value: f() };
  } catch (thrown) {
    return { thrown };
  }
};

const modules = new Map();
for (const { version } of manifest.versions) {
  modules.set(version, await import(`${PACKAGE}/v${version}`));
}

// --- samples
for (const { version, samples, files } of manifest.versions) {
  const m = modules.get(version);
  for (const f of files) {
    const text = readFileSync(`${root}/${samples}/${f.file}`, "utf8");
    check(`v${version} ${f.file}`, judgeSample(m, f, text));
  }
}

/** What is wrong with the package's verdicts on one sample, if anything. */
function judgeSample(m, f, text) {
  const json = attempt(() => JSON.parse(text));
  const valid = json.thrown === undefined && m.validate(json.value);
  const found = json.thrown === undefined ? m.errors(json.value) : [];
  for (const body of [text, new TextEncoder().encode(text)]) {
    const kind = typeof body === "string" ? "text" : "bytes";
    const parsed = attempt(() => m.parse(body));
    if (f.valid) {
      if (parsed.thrown) return `valid, but parse(${kind}) threw ${parsed.thrown}`;
      if (parsed.value instanceof m.UnknownWebhook) return `valid, but parse(${kind}) gave an UnknownWebhook`;
      if (parsed.value.action !== json.value.action) return `parse(${kind}) changed the action`;
      continue;
    }
    if (f.typed === "accept") {
      // The typed parse accepts what the validator refuses: an action the version lacks.
      if (!(parsed.value instanceof m.UnknownWebhook)) {
        return `parse(${kind}) should give an UnknownWebhook, got ${parsed.thrown ?? parsed.value}`;
      }
      continue;
    }
    if (!(parsed.thrown instanceof m.InvalidWebhook)) {
      return `invalid at "${f.pointer}", but parse(${kind}) ${parsed.thrown ? `threw ${parsed.thrown}` : "accepted it"}`;
    }
    const pointers = parsed.thrown.errors.map((e) => e.pointer);
    if (!pointers.includes(f.pointer)) return `parse(${kind}) errors at ${JSON.stringify(pointers)}, not "${f.pointer}"`;
  }
  if (f.valid) {
    if (!valid || found.length > 0) return `valid, but validate gives ${JSON.stringify(found.slice(0, 3))}`;
    return undefined;
  }
  if (json.thrown) return f.keyword === "json" ? undefined : `not JSON, but expected a ${f.keyword} error`;
  if (valid) return `invalid at "${f.pointer}", but validate accepts it`;
  if (!found.some((e) => e.pointer === f.pointer)) {
    return `validate's errors are at ${JSON.stringify(found.map((e) => e.pointer))}, not "${f.pointer}"`;
  }
  return undefined;
}

// --- hostile bodies: each against every version, with the verdict its rule gives.
for (const { version, samples, files } of manifest.versions) {
  const m = modules.get(version);
  const base = readFileSync(`${root}/${samples}/${files.find((f) => f.valid && f.kind === "documented").file}`, "utf8");
  for (const { name, body, accept } of hostileBodies(base)) {
    const parsed = attempt(() => m.parse(body));
    const json = attempt(() => JSON.parse(typeof body === "string" ? body : new TextDecoder().decode(body)));
    const validated = attempt(() => (json.thrown ? false : m.validate(json.value)));
    let problem;
    if (validated.thrown) problem = `validate threw ${validated.thrown}`;
    else if (typeof validated.value !== "boolean") problem = "validate gave no boolean";
    else if (accept && !validated.value) problem = "validate refused a body the Rust validator accepts";
    else if (validated.value && (json.value === null || typeof json.value !== "object" || Array.isArray(json.value))) {
      problem = "validate accepted JSON that is not an object";
    } else if (accept && parsed.thrown) problem = `parse threw ${parsed.thrown}, expected a webhook`;
    else if (!accept && !(parsed.thrown instanceof m.InvalidWebhook)) {
      problem = `parse ${parsed.thrown ? `threw ${parsed.thrown?.constructor?.name}: ${parsed.thrown}` : "accepted it"}`;
    }
    check(`v${version} hostile ${name}`, problem);
  }
  // Values no JSON text gives: validate and errors answer, never throw.
  const trap = new Proxy({}, { get: () => { throw new Error("trap"); }, has: () => { throw new Error("trap"); }, ownKeys: () => { throw new Error("trap"); } });
  for (const [name, value] of [["undefined", undefined], ["function", () => 1], ["bigint", 1n], ["proxy that throws", trap]]) {
    const validated = attempt(() => m.validate(value));
    const listed = attempt(() => m.errors(value));
    check(`v${version} value ${name}`, validated.thrown || listed.thrown
      ? `threw ${validated.thrown ?? listed.thrown}`
      : validated.value !== false || listed.value.length === 0 ? "accepted" : undefined);
  }
}

// --- exports
const index = await import(PACKAGE);
check("root is the stable version", index.API_VERSION === manifest.stable_version
  ? undefined : `root API_VERSION ${index.API_VERSION}, stable ${manifest.stable_version}`);
check("root lists every version", JSON.stringify(index.API_VERSIONS) === JSON.stringify(manifest.versions.map((v) => v.version))
  ? undefined : `API_VERSIONS ${JSON.stringify(index.API_VERSIONS)}`);
const require = createRequire(import.meta.url);
const required = attempt(() => require(`${PACKAGE}/v${manifest.stable_version}`));
check("require() reaches the ES module", required.thrown ? `threw ${required.thrown}`
  : required.value.InvalidWebhook === index.InvalidWebhook ? undefined : "another InvalidWebhook class");
const shipped = [];
for (const { version, files } of manifest.versions) {
  const m = modules.get(version);
  const resolve = (sub) => attempt(() => fileURLToPath(import.meta.resolve(`${PACKAGE}/v${version}/${sub}`)));
  const subs = ["webhook.json", ...m.ACTIONS.map((a) => `actions/${a}.json`)];
  const unresolved = subs.filter((sub) => resolve(sub).thrown);
  check(`v${version} bundles resolve`, unresolved.length ? `cannot resolve ${unresolved.join(", ")}` : undefined);
  shipped.push(...subs.filter((sub) => !resolve(sub).thrown).map((sub) => ({ version, sub, path: resolve(sub).value })));
  const documented = files.filter((f) => f.kind === "documented").map((f) => f.file);
  const missing = documented.filter((file) => resolve(`examples/${file}`).thrown);
  const dir = fileURLToPath(new URL(".", import.meta.resolve(`${PACKAGE}/v${version}/webhook.json`)));
  const extra = readdirSync(`${dir}/actions`).filter((a) => !subs.includes(`actions/${a}`));
  check(`v${version} examples and actions`, missing.length || extra.length
    ? `examples missing: ${missing.join(", ")}; unlisted actions: ${extra.join(", ")}` : undefined);
}

// --- ajv: strict mode (unknown keywords, formats, types and tuples refused); `required` may
// name properties defined beside an `if`/`then`, which only `strictRequired` refuses.
for (const { version, sub, path } of shipped) {
  const warnings = [];
  const logger = { log() {}, warn: (...a) => warnings.push(a.join(" ")), error: (...a) => warnings.push(a.join(" ")) };
  const ajv = new Ajv({ strict: true, strictRequired: false, logger });
  addFormats(ajv);
  const compiled = attempt(() => ajv.compile(JSON.parse(readFileSync(path, "utf8"))));
  check(`ajv strict v${version}/${sub}`, compiled.thrown ? String(compiled.thrown) : warnings.length ? warnings.join("; ") : undefined);
}

// --- types
for (const [name, problem] of await checkTypes(manifest, root, modules)) check(name, problem);

// --- differential
const here = fileURLToPath(new URL(".", import.meta.url));
for (const [name, problem] of differential(manifest, root, modules, validator, here)) check(name, problem);

for (const failure of failures) console.log(`FAILED ${failure}`);
const start = process.env.NPM_CHECK_START;
if (start) console.log(`npm-check: ${((Date.now() - Number(BigInt(start) / 1000000n)) / 1000).toFixed(1)} s`);
console.log(`npm package: ${passed} passed, ${failures.length} failed`);
process.exit(failures.length > 0 ? 1 : 0);
