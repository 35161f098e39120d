// What every version module shares: the errors, the unknown webhook, and the checks bound to a
// version's precompiled validators (`bind`). Parsing follows the Rust validator of this project:
// a body is refused when it is not JSON, holds a key twice in one object, nests deeper than
// serde_json reads (127 levels), holds a number out of the range of a double or a lone
// surrogate, or does not match the schemas of its action.

import { scanJson } from "./scan.js";

/** One reason a body is not a valid webhook. */
export interface ValidationError {
  /** JSON pointer of the value at fault: `""` for the whole body, `/payload/chat` below it. */
  readonly pointer: string;
  /** What is wrong. */
  readonly message: string;
  /**
   * The JSON Schema keyword that failed (`required`, `type`, `enum`, `format`, …), or
   * `unknown_action` for an action the version does not have, `duplicate_key`, or `json` for a
   * body that is not acceptable JSON.
   */
  readonly keyword: string;
}

/** An error of a precompiled validator, as ajv reports it. */
export interface CompiledError {
  /** JSON pointer of the value at fault. */
  readonly instancePath: string;
  /** The keyword that failed. */
  readonly keyword: string;
  /** What is wrong. */
  readonly message?: string;
  /** The keyword's details: a `discriminator` error names its tag member. */
  readonly params?: { readonly tag?: unknown };
}

/** A precompiled validator: ajv's standalone code for one schema. */
export interface CompiledValidator {
  /** Whether `data` matches; the errors are then in `errors`. */
  (data: unknown): boolean;
  /** The errors of the last call that failed. */
  errors?: readonly CompiledError[] | null;
}

/** The validators the package build compiles for a version. */
export interface Compiled {
  /** The bundle `webhook.json`: any webhook of the version. */
  readonly webhook: CompiledValidator;
  /** The envelope shared by every action, with any `action` string and any payload. */
  readonly unknown: CompiledValidator;
}

/** Thrown by `parse` for a body that is not a valid webhook; nothing else is thrown. */
export class InvalidWebhook extends Error {
  /** Why the body is invalid: at least one error. */
  readonly errors: readonly ValidationError[];

  /** An error carrying `errors` (its message names the first). */
  constructor(errors: readonly ValidationError[]) {
    const first = errors[0];
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
    super(first ? `invalid webhook: ${first.pointer || "(root)"}: ${first.message}${more}` : "invalid webhook");
    this.name = "InvalidWebhook";
    this.errors = errors;
  }
}

/**
 * A webhook whose action the version does not have (as LiveChat may add actions): its envelope
 * (`webhook_id`, `secret_key`, `organization_id`, `additional_data`, …) is checked, its payload
 * is kept as parsed. `parse` returns it beside the version's `Webhook` union: test
 * `instanceof UnknownWebhook` first, then narrow on `action`.
 */
export class UnknownWebhook {
  // A private member makes the class nominal: no webhook type of the schemas is assignable to
  // it, so `instanceof` narrows a parse result both ways.
  readonly #version: string;
  /** The action's name. */
  readonly action: string;
  /** The payload, as parsed. */
  readonly payload: unknown;
  /** The whole body, as parsed. */
  readonly body: { readonly [key: string]: unknown };

  /** An unknown webhook of API version `apiVersion` from its parsed `body`. */
  constructor(apiVersion: string, body: { readonly [key: string]: unknown }, action: string) {
    this.#version = apiVersion;
    this.action = action;
    this.payload = body["payload"];
    this.body = body;
  }

  /** The API version whose `parse` did not know the action. */
  get apiVersion(): string {
    return this.#version;
  }
}

/** The checks of one version (what its module exports as `validate`, `errors` and `parse`). */
export interface Checks<W> {
  /** Whether `value` is a valid webhook; never throws. */
  validate(value: unknown): value is W;
  /** Why `value` is not a valid webhook; empty when it is. Never throws. */
  errors(value: unknown): ValidationError[];
  /** The webhook in `body`, or an `UnknownWebhook`; throws `InvalidWebhook` only. */
  parse(body: string | Uint8Array): W | UnknownWebhook;
}

// Only the type of what the package uses: TextDecoder is global in Node and browsers.
declare const TextDecoder: new (
  label: string,
  options: { fatal: boolean; ignoreBOM: boolean },
) => { decode(input: Uint8Array): string };

/** The checks of the version `apiVersion`, whose actions are `actions`. */
export function bind<W>(actions: readonly string[], apiVersion: string, compiled: Compiled): Checks<W> {
  const known = new Set<string>(actions);
  // The action of a JSON object when it is a string the version does not have.
  const unknownAction = (value: unknown): string | undefined => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(value, "action")) return undefined;
    const action: unknown = (value as { readonly [key: string]: unknown })["action"];
    return typeof action === "string" && !known.has(action) ? action : undefined;
  };
  const unknownActionError = (action: string): ValidationError => ({
    pointer: "/action",
    message: `${JSON.stringify(action)} is not a v${apiVersion} action`,
    keyword: "unknown_action",
  });
  const run = (validator: CompiledValidator, value: unknown): ValidationError[] => {
    try {
      if (validator(value)) return [];
      const found = (validator.errors ?? []).map((e) => ({
        // A union's tag that names no branch is the tag's error, not the object's.
        pointer: e.keyword === "discriminator" && typeof e.params?.tag === "string"
          ? `${e.instancePath}/${e.params.tag.replace(/~/g, "~0").replace(/\//g, "~1")}`
          : e.instancePath,
        message: e.message ?? `fails \`${e.keyword}\``,
        keyword: e.keyword,
      }));
      // `if`/`then` reports its branch's errors and then its own, which says nothing more.
      const telling = found.filter((e) => e.keyword !== "if");
      if (telling.length > 0) return telling;
      return found.length > 0 ? found : [{ pointer: "", message: "does not match the schema", keyword: "schema" }];
    } catch (error) {
      // A value that is not plain JSON (a getter or proxy that throws) is not a webhook.
      return [{ pointer: "", message: `cannot be read: ${describe(error)}`, keyword: "json" }];
    }
  };
  const errors = (value: unknown): ValidationError[] => {
    const action = unknownAction(value);
    return action === undefined ? run(compiled.webhook, value) : [unknownActionError(action)];
  };
  const parseChecked = (body: string | Uint8Array): W | UnknownWebhook => {
    const text = decode(body);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new InvalidWebhook([{ pointer: "", message: `invalid JSON: ${describe(error)}`, keyword: "json" }]);
    }
    const problem = scanJson(text);
    if (problem !== undefined) throw new InvalidWebhook([problem]);
    const action = unknownAction(value);
    if (action !== undefined) {
      const found = run(compiled.unknown, value);
      if (found.length > 0) throw new InvalidWebhook(found);
      return new UnknownWebhook(apiVersion, value as { readonly [key: string]: unknown }, action);
    }
    const found = run(compiled.webhook, value);
    if (found.length > 0) throw new InvalidWebhook(found);
    return value as W;
  };
  return {
    validate: (value: unknown): value is W => errors(value).length === 0,
    errors,
    parse(body: string | Uint8Array): W | UnknownWebhook {
      try {
        return parseChecked(body);
      } catch (error) {
        if (error instanceof InvalidWebhook) throw error;
        // Out of memory or stack on an absurd body: still an invalid webhook, never a crash.
        throw new InvalidWebhook([{ pointer: "", message: `cannot be read: ${describe(error)}`, keyword: "json" }]);
      }
    },
  };
}

/** The text of a body: a string with no lone surrogate, or bytes that are UTF-8. */
function decode(body: string | Uint8Array): string {
  if (typeof body === "string") {
    if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(body)) {
      throw new InvalidWebhook([{ pointer: "", message: "the text holds a lone surrogate: it is not Unicode", keyword: "json" }]);
    }
    return body;
  }
  if (body instanceof Uint8Array) {
    try {
      // A byte order mark is kept, so that it is refused as JSON, as the Rust validator does.
      return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(body);
    } catch {
      throw new InvalidWebhook([{ pointer: "", message: "the body is not UTF-8", keyword: "json" }]);
    }
  }
  throw new InvalidWebhook([{ pointer: "", message: "the body must be a string or bytes", keyword: "json" }]);
}

/** The message of anything thrown, without calling code that could throw again. */
function describe(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return "unreadable error";
  }
}
