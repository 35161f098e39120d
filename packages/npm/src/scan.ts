// One pass over JSON text that `JSON.parse` accepted, for what it lets through and the Rust
// validator (serde_json) refuses: a key twice in one object (`JSON.parse` keeps the last),
// nesting deeper than 127 levels, a number out of the range of a double (`JSON.parse` gives
// Infinity) and an escaped lone surrogate (`"\ud800"`). A loop with its own stack: no input
// can overflow the call stack.

import type { ValidationError } from "./runtime.js";

/** The deepest nesting serde_json reads (its recursion limit, 128, less one). */
export const MAX_DEPTH = 127;

/** One open object or array: an object's keys so far and its current key, an array's index. */
interface Frame {
  readonly keys: Set<string> | undefined;
  key: string;
  index: number;
}

/** The first thing in `text` (valid JSON) that the Rust validator refuses, if any. */
export function scanJson(text: string): ValidationError | undefined {
  const frames: Frame[] = [];
  let expectKey = false;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) {
      // `{` or `[`
      frames.push({ keys: c === 0x7b ? new Set() : undefined, key: "", index: 0 });
      if (frames.length > MAX_DEPTH) return jsonError(text, i, `nested deeper than ${MAX_DEPTH} levels`);
      expectKey = c === 0x7b;
      i += 1;
    } else if (c === 0x7d || c === 0x5d) {
      frames.pop();
      i += 1;
    } else if (c === 0x2c) {
      // `,`
      const top = frames[frames.length - 1];
      if (top !== undefined && top.keys === undefined) top.index += 1;
      expectKey = top?.keys !== undefined;
      i += 1;
    } else if (c === 0x22) {
      const end = stringEnd(text, i);
      const token = text.slice(i, end);
      if (token.includes("\\u") && hasLoneSurrogate(token)) {
        return jsonError(text, i, "a string holds an escaped lone surrogate");
      }
      const top = frames[frames.length - 1];
      if (expectKey && top?.keys !== undefined) {
        const key = token.includes("\\") ? (JSON.parse(token) as string) : token.slice(1, -1);
        if (top.keys.has(key)) {
          return {
            pointer: pointer(frames, key),
            message: `duplicate key ${JSON.stringify(key)} (the object has it already)`,
            keyword: "duplicate_key",
          };
        }
        top.keys.add(key);
        top.key = key;
        expectKey = false;
      }
      i = end;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      let end = i + 1;
      while (end < text.length && isNumberChar(text.charCodeAt(end))) end += 1;
      if (!Number.isFinite(Number(text.slice(i, end)))) {
        return jsonError(text, i, "number out of range");
      }
      i = end;
    } else {
      i += 1;
    }
  }
  return undefined;
}

/** The index just past the string that starts at `start` (its opening quote). */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  for (;;) {
    const quote = text.indexOf('"', i);
    if (quote < 0) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === 0x5c) backslashes += 1;
    if (backslashes % 2 === 0) return quote + 1;
    i = quote + 1;
  }
}

/** Whether a string token's `\u` escapes hold a surrogate that is not half of a pair. */
function hasLoneSurrogate(token: string): boolean {
  let highPending = false;
  for (let i = 1; i < token.length - 1; i += 1) {
    if (token.charCodeAt(i) !== 0x5c) {
      if (highPending) return true;
      continue;
    }
    const escaped = token.charCodeAt(i + 1);
    if (escaped !== 0x75) {
      // `\n`, `\\`, …: one escaped character.
      if (highPending) return true;
      i += 1;
      continue;
    }
    const unit = parseInt(token.slice(i + 2, i + 6), 16);
    const high = unit >= 0xd800 && unit <= 0xdbff;
    const low = unit >= 0xdc00 && unit <= 0xdfff;
    if (highPending !== low) return true;
    highPending = high;
    i += 5;
  }
  return highPending;
}

/** Characters of a JSON number after its first. */
function isNumberChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d;
}

/** The JSON pointer of `key` in the innermost open object. */
function pointer(frames: readonly Frame[], key: string): string {
  const tokens = frames.slice(0, -1).map((f) => (f.keys === undefined ? String(f.index) : f.key));
  tokens.push(key);
  return tokens.map((t) => "/" + t.replace(/~/g, "~0").replace(/\//g, "~1")).join("");
}

/** An error of the JSON text at `offset`, with its line and column. */
function jsonError(text: string, offset: number, what: string): ValidationError {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return { pointer: "", message: `invalid JSON: ${what} at line ${line}, column ${offset - lineStart + 1}`, keyword: "json" };
}
