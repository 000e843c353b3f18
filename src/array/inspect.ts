/**
 * What `console.log(array)` shows, in Deno, Node and Bun: a title line (what the array is, its
 * dtype and shape), then the values the way NumPy prints them — nested brackets, columns padded
 * to one width, and only the first and last three along each axis (`...` between) once the
 * array has more than 1000 elements.
 *
 * @example
 * ```ts
 * import { formatArray } from "./inspect.ts";
 * formatArray("shared array 'grid': int32 (2, 2)", [2, 2], "i", (ix) => ix[0] * 2 + ix[1]);
 * // shared array 'grid': int32 (2, 2)
 * // [[0, 1],
 * //  [2, 3]]
 * ```
 * @module
 */
import type { FieldValue, Scalar } from "../format/typed.ts";

/** NumPy's print options: summarize above this many elements, showing this many per edge. */
const THRESHOLD = 1000;
const EDGE_ITEMS = 3;
const LINE_WIDTH = 75;

/** Marks the skipped middle of a summarized axis. */
const SKIPPED = -1;

/**
 * The title, a newline, and the values of an array of `shape` read through `read` (which
 * gets a full index), formatted for dtype kind `kind` (NumPy's `dtype.kind`).
 *
 * @example
 * ```ts
 * formatArray("x: float64 (3,)", [3], "f", ([i]) => i / 2); // "x: float64 (3,)\n[0. , 0.5, 1. ]"
 * ```
 */
export function formatArray(
  title: string,
  shape: readonly number[],
  kind: string,
  read: (index: readonly number[]) => Scalar,
): string {
  const summarize = shape.reduce((a, b) => a * b, 1) > THRESHOLD;
  const positions = shape.map((n) =>
    summarize && n > 2 * EDGE_ITEMS
      ? [0, 1, 2, SKIPPED, n - 3, n - 2, n - 1]
      : Array.from({ length: n }, (_, i) => i)
  );
  const cells = new Map<string, string>();
  const collect = (index: number[]): void => {
    if (index.length === shape.length) {
      cells.set(index.join(","), formatScalar(read(index), kind));
      return;
    }
    for (const i of positions[index.length]) if (i !== SKIPPED) collect([...index, i]);
  };
  collect([]);
  const width = Math.max(0, ...[...cells.values()].map((c) => c.length));
  const render = (index: number[], indent: string): string => {
    const axis = index.length;
    if (axis === shape.length) return cells.get(index.join(","))!.padStart(width);
    const items = positions[axis].map((i) =>
      i === SKIPPED ? "..." : render([...index, i], indent + " ")
    );
    if (axis === shape.length - 1) return `[${wrap(items, indent + " ")}]`;
    const gap = ",\n" + "\n".repeat(shape.length - axis - 2) + indent + " ";
    return `[${items.join(gap)}]`;
  };
  return `${title}\n${render([], "")}`;
}

/** One line of items, broken before the one that would pass the line width. */
function wrap(items: string[], indent: string): string {
  let out = "";
  let line = indent.length;
  items.forEach((item, i) => {
    const piece = i === items.length - 1 ? item : `${item},`;
    if (i > 0 && line + 1 + piece.length > LINE_WIDTH) {
      out += `\n${indent}`;
      line = indent.length;
    } else if (i > 0) {
      out += " ";
      line += 1;
    }
    out += piece;
    line += piece.length;
  });
  return out;
}

/**
 * One element as NumPy prints it: floats with a trailing `.` when whole (`1.`), `nan`, `inf`,
 * booleans as `True`/`False`, complex as `1.+2.j`, strings quoted, records as tuples.
 *
 * @example
 * ```ts
 * formatScalar(2, "f"); // "2."
 * formatScalar({ re: 1, im: -0.5 }, "c"); // "1.-0.5j"
 * ```
 */
export function formatScalar(value: Scalar | FieldValue, kind: string): string {
  if (typeof value === "number") return kind === "f" ? formatFloat(value) : String(value);
  if (typeof value === "bigint") return String(value);
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "string") return kind === "S" ? `b${quote(value)}` : quote(value);
  if (value instanceof Uint8Array) {
    return `b'${Array.from(value, (b) => `\\x${b.toString(16).padStart(2, "0")}`).join("")}'`;
  }
  if (Array.isArray(value)) return `[${value.map((v) => formatScalar(v, "")).join(", ")}]`;
  const { re, im } = value as { re?: unknown; im?: unknown };
  if (kind === "c" && typeof re === "number" && typeof im === "number") {
    const imag = formatFloat(im);
    return `${formatFloat(re)}${imag.startsWith("-") ? "" : "+"}${imag}j`;
  }
  return `(${Object.values(value).map((v) => formatScalar(v, "")).join(", ")})`;
}

function formatFloat(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  const s = String(Number(x.toPrecision(8)));
  return /^-?\d+$/.test(s) ? `${s}.` : s;
}

function quote(s: string): string {
  return `'${s.replaceAll("\\", "\\\\").replaceAll("'", "\\'").replaceAll("\n", "\\n")}'`;
}
