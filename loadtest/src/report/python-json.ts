/**
 * Python's `json.dumps(value, indent=N)` byte for byte, for Locust's `--json` output. JavaScript
 * numbers do not say whether Python held an int or a float (`json.dumps` writes `2` and `2.0`), and
 * a JavaScript object puts integer-like keys first in ascending order where a Python dict keeps
 * insertion order, so values are built from these explicit types instead of plain objects.
 */
import { pyFloatRepr } from "./python-format.ts";

export interface PyInt {
  readonly kind: "int";
  readonly value: number;
}

export interface PyFloat {
  readonly kind: "float";
  readonly value: number;
}

/** A dict: keys in insertion order, as Python keeps them. */
export interface PyDict {
  readonly kind: "dict";
  readonly entries: ReadonlyArray<readonly [string, PyJson]>;
}

export type PyJson = null | boolean | string | PyInt | PyFloat | PyDict | readonly PyJson[];

export function pyInt(value: number): PyInt {
  if (!Number.isSafeInteger(value)) throw new Error(`pyInt: ${value} is not an integer`);
  return { kind: "int", value };
}

export function pyFloat(value: number): PyFloat {
  return { kind: "float", value };
}

export function pyDict(entries: ReadonlyArray<readonly [string, PyJson]>): PyDict {
  return { kind: "dict", entries };
}

/** `json.dumps`' float form: `float.__repr__`, and NaN/Infinity as its default `allow_nan=True` writes them. */
function floatText(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
  return pyFloatRepr(value);
}

/**
 * A string as `json.dumps` writes it with its default `ensure_ascii=True`: JSON's escapes, and
 * everything else outside ' '..'~' as \uXXXX (UTF-16 units, lone surrogates included).
 */
function stringText(text: string): string {
  return JSON.stringify(text).replace(/[^\x20-\x7e]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function dump(value: PyJson, indent: number, depth: number): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "string") return stringText(value);
  const inner = `\n${" ".repeat(indent * (depth + 1))}`;
  const close = `\n${" ".repeat(indent * depth)}`;
  if (Array.isArray(value)) {
    const items = value as readonly PyJson[];
    return items.length === 0 ? "[]" : `[${inner}${items.map((item) => dump(item, indent, depth + 1)).join(`,${inner}`)}${close}]`;
  }
  const typed = value as PyInt | PyFloat | PyDict;
  if (typed.kind === "int") return String(typed.value);
  if (typed.kind === "float") return floatText(typed.value);
  if (typed.entries.length === 0) return "{}";
  return `{${inner}${typed.entries.map(([key, item]) => `${stringText(key)}: ${dump(item, indent, depth + 1)}`).join(`,${inner}`)}${close}}`;
}

/** `json.dumps(value, indent=indent)` (separators `,` and `: `, as Python uses whenever indent is set). */
export function pyJsonDumps(value: PyJson, indent: number): string {
  return dump(value, indent, 0);
}
