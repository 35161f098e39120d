// The samples of samples/v3.5/ and the verdict each must get, shared by the Node checks.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const jsonFiles = (dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort();

/**
 * Valid samples (top level and extra/) and negative ones (invalid/, with the pointer from
 * invalid/expected.json): [{ name, text, valid, pointer }].
 */
export function loadSamples(samplesDir) {
  const out = [];
  for (const f of jsonFiles(samplesDir)) {
    if (f === "errata.json") continue; // the repairs applied to the documented samples
    out.push({ name: f.slice(0, -5), text: readFileSync(join(samplesDir, f), "utf8"), valid: true });
  }
  for (const f of jsonFiles(join(samplesDir, "extra"))) {
    const text = readFileSync(join(samplesDir, "extra", f), "utf8");
    out.push({ name: `extra/${f.slice(0, -5)}`, text, valid: true });
  }
  const invalidDir = join(samplesDir, "invalid");
  const expected = JSON.parse(readFileSync(join(invalidDir, "expected.json"), "utf8"));
  const negatives = jsonFiles(invalidDir).filter((f) => f !== "expected.json");
  const names = negatives.map((f) => f.slice(0, -5));
  const missing = names.filter((n) => !(n in expected)).concat(Object.keys(expected).filter((n) => !names.includes(n)));
  if (missing.length > 0) throw new Error(`invalid/expected.json and invalid/*.json differ: ${missing.join(", ")}`);
  for (const name of names) {
    const text = readFileSync(join(invalidDir, `${name}.json`), "utf8");
    out.push({ name: `invalid/${name}`, text, valid: false, pointer: expected[name].pointer });
  }
  return out;
}

/** The parsed JSON of a sample, or undefined when it is not JSON. */
export function parse(sample) {
  try {
    return JSON.parse(sample.text);
  } catch {
    return undefined;
  }
}
