// The type checks of the npm check, in the scratch project:
//   - every valid sample of every version as `<sample> satisfies Webhook` and as its action's
//     type (`WebhookByAction[...]`), one webhook of an action refused as another's, a switch on
//     `action` that narrows to each action's payload and is exhaustive, and `parse`'s result
//     narrowed by `instanceof UnknownWebhook`: compiled by tsc with --strict true and false
//     (NodeNext resolution), and strict with Bundler and Node10 resolution;
//   - the package's declarations hold no `any`, no `never` and no intersection, and no member
//     of an exported type is `never` under either setting;
//   - the README's usage (usage.ts) compiled, run on the stable version's example, and found
//     word for word in the repository's README.md and the package's.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const PACKAGE = "livechat-webhooks";
const tsc = fileURLToPath(new URL("./node_modules/typescript/bin/tsc", import.meta.url));
const here = fileURLToPath(new URL(".", import.meta.url));
const compilerOptions = {
  target: "ES2022",
  module: "NodeNext",
  moduleResolution: "NodeNext",
  types: [],
  skipLibCheck: false,
  noEmit: true,
};

/** Runs tsc; its output when it fails, else undefined. */
function runTsc(args) {
  try {
    execFileSync(process.execPath, [tsc, ...args], { cwd: here, encoding: "utf8", stdio: "pipe" });
    return undefined;
  } catch (error) {
    return `${error.stdout}${error.stderr}`.split("\n").slice(0, 20).join("\n");
  }
}

/** The consumer file of one version. */
function consumer(version, samples, actions) {
  const lines = [
    `import { parse, UnknownWebhook, type Webhook, type WebhookByAction } from "${PACKAGE}/v${version}";`,
    "",
  ];
  const byAction = new Map();
  samples.forEach(({ text }, i) => {
    const action = JSON.parse(text).action;
    lines.push(`export const sample${i} = ${text.trim()} satisfies Webhook;`);
    lines.push(`sample${i} satisfies WebhookByAction[${JSON.stringify(action)}];`);
    if (!byAction.has(action)) byAction.set(action, i);
  });
  const [[, firstSample], [secondAction]] = [...byAction];
  lines.push(
    "// @ts-expect-error one action's webhook is not another's",
    `export const wrong: WebhookByAction[${JSON.stringify(secondAction)}] = sample${firstSample};`,
    "",
    "export function narrow(webhook: Webhook): string {",
    "  switch (webhook.action) {",
  );
  for (const action of actions) {
    const name = JSON.stringify(action);
    lines.push(
      `    case ${name}: {`,
      `      const payload: WebhookByAction[${name}]["payload"] = webhook.payload;`,
      "      return payload === undefined ? \"\" : webhook.action;",
      "    }",
    );
  }
  lines.push(
    "    default: {",
    "      const unreachable: never = webhook;",
    "      return unreachable;",
    "    }",
    "  }",
    "}",
    "",
    "export function handle(body: string): string {",
    "  const webhook = parse(body);",
    "  if (webhook instanceof UnknownWebhook) return `unknown ${webhook.action}`;",
    "  return narrow(webhook);",
    "}",
    "",
  );
  return lines.join("\n");
}

/** Where the package's declarations hold `any`, `never` or an intersection. */
function forbiddenSyntax(files) {
  const found = [];
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
    const visit = (node) => {
      const kind =
        node.kind === ts.SyntaxKind.AnyKeyword ? "any"
        : node.kind === ts.SyntaxKind.NeverKeyword ? "never"
        : node.kind === ts.SyntaxKind.IntersectionType ? "intersection"
        : undefined;
      if (kind) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart());
        found.push(`${kind} at ${file}:${line + 1}`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

/** The exported types and members that are `never` once checked with `strict`. */
function neverTypes(entries, strict) {
  const options = { ...ts.convertCompilerOptionsFromJson({ ...compilerOptions, strict }, here).options };
  const program = ts.createProgram(entries, options);
  const checker = program.getTypeChecker();
  const found = [];
  const isNever = (type) => (type.flags & ts.TypeFlags.Never) !== 0;
  for (const entry of entries) {
    const module = checker.getSymbolAtLocation(program.getSourceFile(entry));
    for (const symbol of module ? checker.getExportsOfModule(module) : []) {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      if (!(target.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias))) continue;
      const type = checker.getDeclaredTypeOfSymbol(target);
      if (isNever(type)) found.push(`${entry}: ${symbol.name}`);
      for (const member of type.getProperties()) {
        if (isNever(checker.getTypeOfSymbol(member))) found.push(`${entry}: ${symbol.name}.${member.name}`);
      }
    }
  }
  return found;
}

/** `[[name, problem or undefined]]` for every type check. */
export async function checkTypes(manifest, root, modules) {
  const results = [];
  const dir = join(here, "consumer");
  mkdirSync(dir, { recursive: true });
  const entries = [];
  for (const { version, samples, files } of manifest.versions) {
    const valid = files.filter((f) => f.valid).map((f) => ({ text: readFileSync(`${root}/${samples}/${f.file}`, "utf8") }));
    const file = join(dir, `v${version.replace(".", "_")}.ts`);
    writeFileSync(file, consumer(version, valid, modules.get(version).ACTIONS));
    entries.push(file);
  }
  writeFileSync(join(here, "tsconfig.json"), JSON.stringify({ compilerOptions, include: ["consumer"] }, null, 2));
  const settings = [
    ["--strict", "true"],
    ["--strict", "false"],
    // Bundlers' resolution, and `node` (node10), which reads typesVersions instead of exports.
    ["--strict", "true", "--module", "ESNext", "--moduleResolution", "Bundler"],
    ["--strict", "true", "--module", "CommonJS", "--moduleResolution", "Node10"],
  ];
  for (const args of settings) {
    results.push([`tsc ${args.join(" ")}: every valid sample typed, narrowing`, runTsc(["-p", "tsconfig.json", ...args])]);
  }

  const packageDir = fileURLToPath(new URL(`./node_modules/${PACKAGE}/dist/`, import.meta.url));
  const declarations = [];
  for (const sub of ["", "generated/"]) {
    for (const f of readdirSync(packageDir + sub)) if (f.endsWith(".d.ts")) declarations.push(packageDir + sub + f);
  }
  const syntax = forbiddenSyntax(declarations);
  results.push([`no any, never or intersection in ${declarations.length} declaration files`, syntax.length ? syntax.slice(0, 10).join("; ") : undefined]);
  const moduleEntries = declarations.filter((f) => f.includes("/generated/"));
  for (const strict of [true, false]) {
    const nevers = neverTypes(moduleEntries, strict);
    results.push([`no exported type or member is never (strict ${strict})`, nevers.length ? nevers.slice(0, 10).join("; ") : undefined]);
  }

  // The README's usage: compiled (strict), run, and the README shows it as it is.
  const usage = readFileSync(join(here, "usage.ts"), "utf8");
  const usageOptions = { ...compilerOptions, strict: true, noEmit: false, outDir: "usage-out" };
  writeFileSync(join(here, "tsconfig.usage.json"), JSON.stringify({ compilerOptions: usageOptions, files: ["usage.ts"] }, null, 2));
  const compiled = runTsc(["-p", "tsconfig.usage.json"]);
  let run = compiled;
  if (compiled === undefined) {
    const { describe } = await import(join(here, "usage-out", "usage.js"));
    const stable = manifest.versions.find((v) => v.version === manifest.stable_version);
    const example = readFileSync(fileURLToPath(import.meta.resolve(`${PACKAGE}/v${stable.version}/examples/incoming_chat.json`)), "utf8");
    const got = [describe(example), describe(example.replace('"incoming_chat"', '"brand_new_action"'))];
    const want = [`chat ${JSON.parse(example).payload.chat.id}`, "unknown action brand_new_action"];
    run = JSON.stringify(got) === JSON.stringify(want) ? undefined : `gave ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`;
  }
  results.push(["README usage compiles and runs", run]);
  const readmes = [`${root}/README.md`, fileURLToPath(new URL(`./node_modules/${PACKAGE}/README.md`, import.meta.url))];
  for (const readme of readmes) {
    const text = readFileSync(readme, "utf8");
    results.push([`${readme} shows usage.ts word for word`, text.includes(usage.trim()) ? undefined : "it does not contain scripts/packages/npm-consumer/usage.ts"]);
  }
  return results;
}
