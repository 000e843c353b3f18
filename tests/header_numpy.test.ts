/**
 * encodeHeader/decodeHeader against real NumPy: one python3 run writes the headers of every
 * case with `numpy.lib.format` (and `np.save` where the array is small enough to make), and
 * the tests demand identical bytes and identical readings.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { type DType, DTYPE_NAMES, dtypeFromDescr, parseDType } from "../src/format/dtype.ts";
import { ALIGN, decodeHeader, encodeHeader } from "../src/format/header.ts";
import { parsePyLiteral } from "../src/format/pyliteral.ts";

interface Case {
  /** A NumPy dtype spec: a string, or Python literal text of a list/dict (structured). */
  dtype: string;
  structured: boolean;
  align?: boolean;
  shape: number[];
  fortran: boolean;
}

interface Result {
  header: string;
  save: string | null;
  saveFortran: boolean | null;
  descr: string;
  str: string;
  name: string;
  kind: string;
  itemsize: number;
  alignment: number;
  fields: [string, number, string | null][] | null;
}

interface Extra {
  header: string;
  descr: string;
  shape: number[];
  fortran: boolean;
  loads: string;
}

const PYTHON = String.raw`
import ast, io, json, sys, warnings
import numpy as np
from numpy.lib import _format_impl as F

warnings.simplefilter("ignore")
req = json.load(sys.stdin)

def make_dtype(c):
    if not c["structured"]:
        return np.dtype(c["dtype"])
    spec = ast.literal_eval(c["dtype"])
    return np.dtype(spec, align=bool(c.get("align")))

def header(d, version=None):
    b = io.BytesIO()
    F._write_array_header(b, d, version)
    return b.getvalue()

def saved(dt, shape, fortran):
    size = 1
    for n in shape:
        size *= n
    # Object arrays are pickled after the header, so their data is not nbytes long.
    if size * dt.itemsize > 1 << 16 or dt.hasobject:
        return None, None
    a = np.zeros(shape, dt, order="F" if fortran else "C")
    b = io.BytesIO()
    np.save(b, a)
    v = b.getvalue()
    return v[: len(v) - a.nbytes].hex(), F.header_data_from_array_1_0(a)["fortran_order"]

cases = []
for c in req["cases"]:
    dt = make_dtype(c)
    descr = F.dtype_to_descr(dt)
    d = {"descr": descr, "fortran_order": c["fortran"], "shape": tuple(c["shape"])}
    save, save_fortran = saved(dt, tuple(c["shape"]), c["fortran"])
    fields = None
    if dt.names is not None:
        fields = sorted(
            [(n, dt.fields[n][1], dt.fields[n][2] if len(dt.fields[n]) > 2 else None) for n in dt.names],
            key=lambda f: f[1],
        )
    cases.append({
        "header": header(d).hex(), "save": save, "saveFortran": save_fortran,
        "descr": descr if isinstance(descr, str) else repr(descr), "str": dt.str,
        "name": dt.name, "kind": dt.kind, "itemsize": dt.itemsize,
        "alignment": dt.alignment, "fields": fields,
    })

def loads(h, dt, shape, fortran):
    n = dt.itemsize
    for s in shape:
        n *= s
    a = np.load(io.BytesIO(h + bytes(n)))
    return f"{a.dtype.str} {a.shape} {a.flags.f_contiguous and not a.flags.c_contiguous}"

def extra(dtype_spec, shape, fortran, version=None, align=None, growth=None):
    dt = np.dtype(ast.literal_eval(dtype_spec)) if dtype_spec.startswith("[") else np.dtype(dtype_spec)
    descr = F.dtype_to_descr(dt)
    d = {"descr": descr, "fortran_order": fortran, "shape": shape}
    old = F.ARRAY_ALIGN, F.GROWTH_AXIS_MAX_DIGITS
    try:
        if align is not None:
            F.ARRAY_ALIGN = align
        if growth is not None:
            F.GROWTH_AXIS_MAX_DIGITS = growth
        h = header(d, version)
    finally:
        F.ARRAY_ALIGN, F.GROWTH_AXIS_MAX_DIGITS = old
    return {"header": h.hex(), "descr": descr if isinstance(descr, str) else repr(descr),
            "shape": list(shape), "fortran": fortran, "loads": loads(h, dt, shape, fortran)}

extras = {
    "v1": extra("<f8", (3, 4), False, (1, 0)),
    "v2": extra("<f8", (3, 4), False, (2, 0)),
    "v2_struct": extra("[('a', '<i4'), ('b', '>f8', (2,))]", (2,), False, (2, 0)),
    "v3": extra("<i4", (5,), True, (3, 0)),
    "v3_utf8": extra("[('\u20ac', '<i4'), ('\u00e9', '<f2')]", (2, 2), True, (3, 0)),
    "old16": extra("<i2", (7, 3), False, (1, 0), align=16, growth=0),
    "old16_0d": extra("|b1", (), False, (1, 0), align=16, growth=0),
    "old16_v2": extra(">c8", (4,), True, (2, 0), align=16, growth=0),
}
json.dump({"numpy": np.__version__, "cases": cases, "extras": extras}, sys.stdout)
`;

const BIG = 2 ** 40;
const SHAPES: number[][] = [[], [0], [5], [3, 4], [2, 3, 4], [BIG], [1, BIG], [BIG, 3]];

const SIMPLE: string[] = [
  ...DTYPE_NAMES,
  ...[">i2", ">u2", ">i4", ">u4", ">i8", ">u8", ">f2", ">f4", ">f8", ">c8", ">c16", ">b1", ">i1"],
  ...["S10", "S1", "U5", ">U5", "V8", "M8[ns]", ">M8[ns]", "m8[s]", "M8", "M8[10s]", "m8[us]"],
  ...["O", "=i4", "|f8", "d", "half", "int", "uint", "datetime64[ms]"],
];

const many = Array.from({ length: 4000 }, (_, i) => `('f${i}', '<f8')`).join(", ");
const STRUCTURED: { spec: string; align?: boolean; what: string }[] = [
  { what: "aligned with padding", spec: "[('a', '<i4'), ('b', '<f8')]", align: true },
  {
    what: "explicit itemsize, trailing padding",
    spec: "{'names': ['a', 'b'], 'formats': ['<i4', '<f8'], 'offsets': [0, 8], 'itemsize': 24}",
  },
  {
    what: "nested with a sub-array field",
    spec: "[('n', [('x', '<i2'), ('y', '>f4')]), ('s', '<f4', (2, 3)), ('t', 'S3')]",
  },
  {
    what: "titles, void and str",
    spec: "[(('my title', 'name'), '<i4'), ('v', 'V3'), ('u', '<U2')]",
  },
  { what: "sub-array of structs", spec: "[('n', [('x', '<i2')], (2,))]" },
  { what: "latin-1 field name", spec: "[('\u00e9', '<i4')]" },
  { what: "non-latin-1 field name (v3)", spec: "[('\u20ac', '<i4'), ('b', 'u1')]" },
  {
    what: "quotes and escapes in names",
    spec: String
      .raw`[("it's", '<i4'), ('q"', '<i2'), ('both\'"', 'u1'), ('nl\n\t\x01\x7f\x80\xa0\xff\u200b', 'u1')]`,
  },
  { what: "object field", spec: "[('o', 'O'), ('f', '<f8')]" },
  { what: "4000 fields (v2)", spec: `[${many}]` },
];
const STRUCT_SHAPES: number[][] = [[], [3], [2, 3]];

const cases: { case: Case; label: string }[] = [];
for (const spec of SIMPLE) {
  for (const shape of SHAPES) {
    for (const fortran of [false, true]) {
      cases.push({
        case: { dtype: spec, structured: false, shape, fortran },
        label: `${spec} (${shape.join(", ")}) ${fortran ? "F" : "C"}`,
      });
    }
  }
}
for (const s of STRUCTURED) {
  for (const shape of STRUCT_SHAPES) {
    for (const fortran of [false, true]) {
      cases.push({
        case: { dtype: s.spec, structured: true, align: s.align, shape, fortran },
        label: `${s.what} (${shape.join(", ")}) ${fortran ? "F" : "C"}`,
      });
    }
  }
}

function runNumpy(): { numpy: string; cases: Result[]; extras: Record<string, Extra> } {
  const input = JSON.stringify({ cases: cases.map((c) => c.case) });
  try {
    const out = execFileSync("python3", ["-c", PYTHON], {
      input,
      encoding: "utf-8",
      maxBuffer: 256 * 1024 * 1024,
    });
    return JSON.parse(out);
  } catch (e) {
    throw new Error(`python3 with numpy 2.x is needed for this test: ${e}`);
  }
}

const numpy = runNumpy();

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function unhex(text: string): Uint8Array {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function jsDType(c: Case, r: Result): DType {
  return c.structured ? dtypeFromDescr(parsePyLiteral(r.descr)) : parseDType(c.dtype);
}

function expectedLength(itemsize: number, shape: number[]): number | null {
  const n = shape.reduce((a, d) => a * d, itemsize);
  return Number.isSafeInteger(n) ? n : null;
}

describe(`headers match NumPy ${numpy.numpy}`, () => {
  test("NumPy is 2.x", () => {
    assert.match(numpy.numpy, /^2\./);
    assert.equal(numpy.cases.length, cases.length);
  });

  cases.forEach(({ case: c, label }, i) => {
    test(label, () => {
      const r = numpy.cases[i];
      const dt = jsDType(c, r);
      // The dtype reads as NumPy reads it.
      assert.equal(dt.descr, r.descr);
      assert.equal(dt.itemsize, r.itemsize);
      assert.equal(dt.name, r.name);
      assert.equal(dt.kind, r.kind);
      if (!c.structured) {
        assert.equal(dt.alignment, r.alignment);
        assert.equal(dt.byteOrder, r.str[0] === "=" ? "<" : r.str[0]);
      }
      // encodeHeader writes NumPy's bytes; np.save agrees where it could run.
      assert.equal(hex(encodeHeader(dt, c.shape, c.fortran)), r.header);
      if (r.save !== null && r.saveFortran === c.fortran) assert.equal(r.save, r.header);
      // decodeHeader reads NumPy's bytes.
      const bytes = unhex(r.header);
      const h = decodeHeader(bytes);
      assert.equal(h.dtype.descr, r.descr);
      assert.equal(h.dtype.itemsize, r.itemsize);
      assert.deepEqual(h.shape, c.shape);
      assert.equal(h.fortranOrder, c.fortran);
      assert.equal(h.dataOffset, bytes.length);
      assert.equal(h.dataOffset % ALIGN, 0);
      assert.deepEqual(h.version, [bytes[6], 0]);
      assert.equal(h.dataLength, expectedLength(r.itemsize, c.shape));
      if (r.fields) {
        const ours = h.dtype.fields!.map((f) => [f.name, f.offset, f.title ?? null]);
        assert.deepEqual(ours, r.fields);
      }
    });
  });

  test("np.save itself was compared wherever the array was small enough to make", () => {
    const compared = cases.filter((c, i) => {
      const r = numpy.cases[i];
      return r.save !== null && r.saveFortran === c.case.fortran;
    });
    // Arrays of 2**40 items cannot be made, and np.save calls 0-d and 1-d arrays C-ordered.
    assert.ok(compared.length > 300, `${compared.length} of ${cases.length}`);
  });

  test("the version NumPy picks: 1.0, 2.0 past 65535 bytes, 3.0 for UTF-8 names", () => {
    const versionOf = (what: string) => {
      const i = cases.findIndex((c) => c.label.startsWith(what));
      return unhex(numpy.cases[i].header)[6];
    };
    assert.equal(versionOf("float64"), 1);
    assert.equal(versionOf("latin-1 field name"), 1);
    assert.equal(versionOf("non-latin-1 field name"), 3);
    assert.equal(versionOf("4000 fields"), 2);
  });
});

describe("decoding headers NumPy writes in other versions and alignments", () => {
  const expectations: Record<string, [number, number]> = {
    v1: [1, 64],
    v2: [2, 64],
    v2_struct: [2, 64],
    v3: [3, 64],
    v3_utf8: [3, 64],
    old16: [1, 16],
    old16_0d: [1, 16],
    old16_v2: [2, 16],
  };
  for (const [name, [major, align]] of Object.entries(expectations)) {
    test(name, () => {
      const e = numpy.extras[name];
      const bytes = unhex(e.header);
      const h = decodeHeader(bytes);
      assert.deepEqual(h.version, [major, 0]);
      assert.equal(bytes.length % align, 0);
      assert.equal(h.dataOffset, bytes.length);
      assert.equal(h.dtype.descr, e.descr);
      assert.deepEqual(h.shape, e.shape);
      assert.equal(h.fortranOrder, e.fortran);
      // NumPy itself loaded these bytes (plus zeroed data) in the same run.
      assert.match(
        e.loads,
        new RegExp(`\\(${e.shape.join(", ")}${e.shape.length === 1 ? "," : ""}\\)`),
      );
    });
  }

  test("old 16-byte headers have no growth spaces and are shorter than ours", () => {
    const old = unhex(numpy.extras.old16.header);
    assert.ok(old.length % ALIGN !== 0);
    const ours = encodeHeader(decodeHeader(old).dtype, [7, 3], false);
    assert.equal(ours.length % ALIGN, 0);
  });
});
