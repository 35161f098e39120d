// The samples of one API version and the verdict each must get, shared by the Node checks.
// The list comes from samples/index.json (written by `cargo xtask codegen`); the files are read
// from the folder given. Environment: POLYGLOT_MANIFEST and POLYGLOT_VERSION.
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The version's samples as the manifest lists them: [{ name, text, valid, pointer }]. */
export function loadSamples(samplesDir) {
  const manifest = JSON.parse(readFileSync(process.env.POLYGLOT_MANIFEST, "utf8"));
  const version = process.env.POLYGLOT_VERSION;
  const entry = manifest.versions.find((v) => v.version === version);
  if (!entry) throw new Error(`samples/index.json has no version ${version}`);
  return entry.files.map((f) => ({
    name: f.file.slice(0, -5),
    text: readFileSync(join(samplesDir, f.file), "utf8"),
    valid: f.valid,
    pointer: f.pointer,
  }));
}

/** The parsed JSON of a sample, or undefined when it is not JSON. */
export function parse(sample) {
  try {
    return JSON.parse(sample.text);
  } catch {
    return undefined;
  }
}
