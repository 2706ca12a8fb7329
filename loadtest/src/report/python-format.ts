/**
 * Python's text forms, so Locust's files come out byte for byte: `repr(float)`, `repr(str)`,
 * `csv.writer` rows (QUOTE_MINIMAL, "\r\n"), `round()` (half to even) and Locust's UTC stamps.
 */

/** `repr(x)` of a Python float: shortest round-trip digits, ".0" on integers, exponent outside 1e-4..1e16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa = "0", exponentText = "0"] = x.toExponential().split("e");
  const exponent = Number(exponentText);
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace("-", "").replace(".", "");
  const sign = negative ? "-" : "";
  if (exponent < -4 || exponent >= 16) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : "";
    const expSign = exponent < 0 ? "-" : "+";
    return `${sign}${digits[0] ?? "0"}${fraction}e${expSign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
  const fraction = digits.slice(exponent + 1);
  return `${sign}${whole}.${fraction === "" ? "0" : fraction}`;
}

/** `repr(s)` of a Python str (the quoting rules and the common escapes). */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return out + quote;
}

/** Python's `round(x, ndigits)`: exact ties go to the even neighbour. */
export function pyRound(x: number, ndigits = 0): number {
  if (ndigits > 0) return Number(x.toFixed(ndigits));
  const scale = 10 ** -ndigits;
  const scaled = x / scale;
  const floor = Math.floor(scaled);
  const diff = scaled - floor;
  let rounded: number;
  if (diff > 0.5) rounded = floor + 1;
  else if (diff < 0.5) rounded = floor;
  else rounded = floor % 2 === 0 ? floor : floor + 1;
  return rounded * scale;
}

/** One field as Python's csv module (QUOTE_MINIMAL, doublequote) writes it. */
function csvField(field: string, onlyField: boolean): string {
  if (field === "" && onlyField) return '""';
  if (/[",\r\n]/.test(field)) return `"${field.replaceAll('"', '""')}"`;
  return field;
}

/** One row as `csv.writer(...).writerow(...)` writes it, with its "\r\n" terminator. */
export function csvRow(fields: readonly string[]): string {
  return fields.map((field) => csvField(field, fields.length === 1)).join(",") + "\r\n";
}

/** Locust's `format_utc_timestamp`: `%Y-%m-%dT%H:%M:%SZ` of the whole second. */
export function formatUtcTimestamp(unixSeconds: number): string {
  return new Date(Math.trunc(unixSeconds) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}
