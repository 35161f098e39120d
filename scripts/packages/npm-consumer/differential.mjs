// The npm package against the Rust validator on bodies neither was written for: mutations of
// every documented sample of every version (each member removed, each value replaced by values
// of other types and by edge cases of the formats and patterns, an undocumented member added),
// judged by `webhooks-validate --ndjson` and by the package's `parse` and `validate`. Any body
// on which they disagree fails the check (an action the version lacks counts as the same
// verdict: the validator refuses it, `parse` gives an UnknownWebhook, `validate` refuses it).
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";

// Texts that probe `date-time`, `uri`, the `HH:MM` patterns and lengths.
const TEXTS = [
  "2019-12-09T12:01:18.909000Z",
  "2019-12-09t12:01:18z",
  "2019-12-09 12:01:18Z",
  "2019-12-09T12:01:18",
  "2019-02-29T12:00:00+01:00",
  "2019-12-31T23:59:60Z",
  "https://example.com/a b",
  "mailto:someone@example.com",
  "//example.com/path",
  "relative/path",
  "12:30",
  "25:00",
  "",
  "x".repeat(300),
];
const NUMBERS = [-1, 0, 1.5, 1e20, 4294967296];

/** Every mutation of `value`, as JSON text. */
function mutations(value) {
  const out = [];
  const walk = (v, set) => {
    if (typeof v === "string") for (const t of [...TEXTS, 5, null]) set(t);
    else if (typeof v === "number") for (const n of [...NUMBERS, String(v), null]) set(n);
    else if (typeof v === "boolean") for (const b of [!v, "true", null]) set(b);
    else if (Array.isArray(v)) {
      for (const other of [[], {}, null]) set(other);
      if (v.length > 0) set([...v, v[0]]);
      v.forEach((item, i) => walk(item, (next) => set(v.map((x, j) => (j === i ? next : x)))));
    } else if (v !== null && typeof v === "object") {
      for (const other of [[], "x", { ...v, undocumented_member: { a: [1] } }]) set(other);
      for (const key of Object.keys(v)) {
        const { [key]: _, ...rest } = v;
        set(rest);
        walk(v[key], (next) => set({ ...v, [key]: next }));
      }
    }
  };
  walk(value, (next) => out.push(JSON.stringify(next)));
  return out;
}

/** `[[name, problem or undefined]]`, one per version. */
export function differential(manifest, root, modules, validator, scratch) {
  const results = [];
  for (const { version, samples, files } of manifest.versions) {
    const m = modules.get(version);
    const bodies = files
      .filter((f) => f.kind === "documented")
      .flatMap((f) => mutations(JSON.parse(readFileSync(`${root}/${samples}/${f.file}`, "utf8"))));
    const input = `${scratch}/bodies-v${version}.ndjson`;
    writeFileSync(input, bodies.join("\n") + "\n");
    let output;
    try {
      output = execFileSync(validator, ["--api-version", version, "--ndjson", "--format", "json", "--quiet", input], {
        encoding: "utf8",
        maxBuffer: 1 << 30,
      });
    } catch (error) {
      output = error.stdout ?? ""; // exit status 1: some bodies are invalid
    }
    const verdicts = output.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line));
    if (verdicts.length !== bodies.length) {
      results.push([`v${version} differential`, `webhooks-validate gave ${verdicts.length} verdicts for ${bodies.length} bodies`]);
      continue;
    }
    const disagreements = [];
    bodies.forEach((body, i) => {
      const rust = verdicts[i];
      const unknownAction = !rust.valid && rust.errors?.some((e) => e.kind === "unknown_action");
      let parsed;
      try {
        parsed = m.parse(body) instanceof m.UnknownWebhook ? "unknown" : "valid";
      } catch (error) {
        parsed = error instanceof m.InvalidWebhook ? error.errors[0] : `threw ${error}`;
      }
      const validated = m.validate(JSON.parse(body));
      const agree = rust.valid
        ? parsed === "valid" && validated
        : !validated && (unknownAction ? parsed === "unknown" : typeof parsed === "object");
      if (!agree) {
        const theirs = rust.valid ? "valid" : `${rust.errors[0].pointer}: ${rust.errors[0].message}`;
        const ours = typeof parsed === "object" ? `${parsed.pointer}: ${parsed.message}` : parsed;
        disagreements.push(`${body.slice(0, 120)}… webhooks-validate: ${theirs}; parse: ${ours}; validate: ${validated}`);
      }
    });
    results.push([
      `v${version} differential: ${bodies.length} mutated bodies, the same verdicts as webhooks-validate`,
      disagreements.length ? `${disagreements.length} disagreements, e.g.\n  ${disagreements.slice(0, 5).join("\n  ")}` : undefined,
    ]);
  }
  return results;
}
