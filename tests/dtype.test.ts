import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { CorruptHeaderError, InvalidArgumentError } from "../src/format/errors.ts";
import {
  type DType,
  DTYPE_NAMES,
  dtypeFromDescr,
  hasObjects,
  parseDType,
  sameDType,
} from "../src/format/dtype.ts";
import { parsePyLiteral, PyTuple } from "../src/format/pyliteral.ts";

/** [spec, descr, name, kind, itemsize, byteOrder, alignment] as NumPy 2.4 reports them. */
const TABLE: [string, string, string, string, number, string, number][] = [
  ["bool", "|b1", "bool", "b", 1, "|", 1],
  ["bool_", "|b1", "bool", "b", 1, "|", 1],
  ["?", "|b1", "bool", "b", 1, "|", 1],
  ["b1", "|b1", "bool", "b", 1, "|", 1],
  ["|b1", "|b1", "bool", "b", 1, "|", 1],
  [">b1", "|b1", "bool", "b", 1, "|", 1],
  ["int8", "|i1", "int8", "i", 1, "|", 1],
  ["i1", "|i1", "int8", "i", 1, "|", 1],
  ["<i1", "|i1", "int8", "i", 1, "|", 1],
  ["byte", "|i1", "int8", "i", 1, "|", 1],
  ["b", "|i1", "int8", "i", 1, "|", 1],
  ["uint8", "|u1", "uint8", "u", 1, "|", 1],
  ["<u1", "|u1", "uint8", "u", 1, "|", 1],
  ["ubyte", "|u1", "uint8", "u", 1, "|", 1],
  ["B", "|u1", "uint8", "u", 1, "|", 1],
  ["int16", "<i2", "int16", "i", 2, "<", 2],
  ["short", "<i2", "int16", "i", 2, "<", 2],
  ["h", "<i2", "int16", "i", 2, "<", 2],
  ["uint16", "<u2", "uint16", "u", 2, "<", 2],
  ["ushort", "<u2", "uint16", "u", 2, "<", 2],
  ["H", "<u2", "uint16", "u", 2, "<", 2],
  ["int32", "<i4", "int32", "i", 4, "<", 4],
  ["i4", "<i4", "int32", "i", 4, "<", 4],
  ["<i4", "<i4", "int32", "i", 4, "<", 4],
  ["=i4", "<i4", "int32", "i", 4, "<", 4],
  ["|i4", "<i4", "int32", "i", 4, "<", 4],
  [">i4", ">i4", "int32", "i", 4, ">", 4],
  ["intc", "<i4", "int32", "i", 4, "<", 4],
  ["i", "<i4", "int32", "i", 4, "<", 4],
  [">i", ">i4", "int32", "i", 4, ">", 4],
  ["uint32", "<u4", "uint32", "u", 4, "<", 4],
  ["uintc", "<u4", "uint32", "u", 4, "<", 4],
  ["I", "<u4", "uint32", "u", 4, "<", 4],
  ["int64", "<i8", "int64", "i", 8, "<", 8],
  ["int", "<i8", "int64", "i", 8, "<", 8],
  ["int_", "<i8", "int64", "i", 8, "<", 8],
  ["long", "<i8", "int64", "i", 8, "<", 8],
  ["longlong", "<i8", "int64", "i", 8, "<", 8],
  ["intp", "<i8", "int64", "i", 8, "<", 8],
  ["l", "<i8", "int64", "i", 8, "<", 8],
  ["q", "<i8", "int64", "i", 8, "<", 8],
  ["p", "<i8", "int64", "i", 8, "<", 8],
  ["uint64", "<u8", "uint64", "u", 8, "<", 8],
  ["uint", "<u8", "uint64", "u", 8, "<", 8],
  ["ulong", "<u8", "uint64", "u", 8, "<", 8],
  ["ulonglong", "<u8", "uint64", "u", 8, "<", 8],
  ["uintp", "<u8", "uint64", "u", 8, "<", 8],
  ["L", "<u8", "uint64", "u", 8, "<", 8],
  ["Q", "<u8", "uint64", "u", 8, "<", 8],
  ["P", "<u8", "uint64", "u", 8, "<", 8],
  ["float16", "<f2", "float16", "f", 2, "<", 2],
  ["half", "<f2", "float16", "f", 2, "<", 2],
  ["f2", "<f2", "float16", "f", 2, "<", 2],
  ["e", "<f2", "float16", "f", 2, "<", 2],
  [">f2", ">f2", "float16", "f", 2, ">", 2],
  ["float32", "<f4", "float32", "f", 4, "<", 4],
  ["single", "<f4", "float32", "f", 4, "<", 4],
  ["f4", "<f4", "float32", "f", 4, "<", 4],
  ["f", "<f4", "float32", "f", 4, "<", 4],
  ["float64", "<f8", "float64", "f", 8, "<", 8],
  ["double", "<f8", "float64", "f", 8, "<", 8],
  ["float", "<f8", "float64", "f", 8, "<", 8],
  ["f8", "<f8", "float64", "f", 8, "<", 8],
  ["d", "<f8", "float64", "f", 8, "<", 8],
  ["|f8", "<f8", "float64", "f", 8, "<", 8],
  [">f8", ">f8", "float64", "f", 8, ">", 8],
  ["complex64", "<c8", "complex64", "c", 8, "<", 4],
  ["csingle", "<c8", "complex64", "c", 8, "<", 4],
  ["c8", "<c8", "complex64", "c", 8, "<", 4],
  ["F", "<c8", "complex64", "c", 8, "<", 4],
  ["complex128", "<c16", "complex128", "c", 16, "<", 8],
  ["complex", "<c16", "complex128", "c", 16, "<", 8],
  ["cdouble", "<c16", "complex128", "c", 16, "<", 8],
  ["c16", "<c16", "complex128", "c", 16, "<", 8],
  ["D", "<c16", "complex128", "c", 16, "<", 8],
  [">c16", ">c16", "complex128", "c", 16, ">", 8],
  ["S10", "|S10", "bytes80", "S", 10, "|", 1],
  ["|S10", "|S10", "bytes80", "S", 10, "|", 1],
  [">S10", "|S10", "bytes80", "S", 10, "|", 1],
  ["S1", "|S1", "bytes8", "S", 1, "|", 1],
  ["U5", "<U5", "str160", "U", 20, "<", 4],
  ["<U5", "<U5", "str160", "U", 20, "<", 4],
  ["|U5", "<U5", "str160", "U", 20, "<", 4],
  [">U5", ">U5", "str160", "U", 20, ">", 4],
  ["V8", "|V8", "void64", "V", 8, "|", 1],
  ["<V8", "|V8", "void64", "V", 8, "|", 1],
  ["M8[ns]", "<M8[ns]", "datetime64[ns]", "M", 8, "<", 8],
  ["<M8[ns]", "<M8[ns]", "datetime64[ns]", "M", 8, "<", 8],
  ["|M8[ns]", "<M8[ns]", "datetime64[ns]", "M", 8, "<", 8],
  [">M8[ns]", ">M8[ns]", "datetime64[ns]", "M", 8, ">", 8],
  ["datetime64[ns]", "<M8[ns]", "datetime64[ns]", "M", 8, "<", 8],
  ["<datetime64[ns]", "<M8[ns]", "datetime64[ns]", "M", 8, "<", 8],
  ["datetime64", "<M8", "datetime64", "M", 8, "<", 8],
  ["M8", "<M8", "datetime64", "M", 8, "<", 8],
  ["M", "<M8", "datetime64", "M", 8, "<", 8],
  ["M8[10s]", "<M8[10s]", "datetime64[10s]", "M", 8, "<", 8],
  ["M8[1s]", "<M8[s]", "datetime64[s]", "M", 8, "<", 8],
  ["M8[\u03bcs]", "<M8[us]", "datetime64[us]", "M", 8, "<", 8],
  ["M8[Y]", "<M8[Y]", "datetime64[Y]", "M", 8, "<", 8],
  ["m8[s]", "<m8[s]", "timedelta64[s]", "m", 8, "<", 8],
  ["timedelta64[s]", "<m8[s]", "timedelta64[s]", "m", 8, "<", 8],
  ["timedelta64", "<m8", "timedelta64", "m", 8, "<", 8],
  ["m", "<m8", "timedelta64", "m", 8, "<", 8],
  ["O", "|O", "object", "O", 8, "|", 8],
  ["|O", "|O", "object", "O", 8, "|", 8],
  ["<O", "|O", "object", "O", 8, "|", 8],
  ["O8", "|O", "object", "O", 8, "|", 8],
  ["object", "|O", "object", "O", 8, "|", 8],
];

describe("parseDType: NumPy's names, codes and normalisation", () => {
  for (const [spec, descr, name, kind, itemsize, byteOrder, alignment] of TABLE) {
    test(JSON.stringify(spec), () => {
      const dt = parseDType(spec);
      assert.deepEqual(
        [dt.descr, dt.name, dt.kind, dt.itemsize, dt.byteOrder, dt.alignment],
        [descr, name, kind, itemsize, byteOrder, alignment],
      );
      assert.equal(dt.fields, undefined);
    });
  }
});

describe("views", () => {
  const cases: [string, string, number, string][] = [
    ["bool", "Uint8Array", 1, "bool"],
    ["int8", "Int8Array", 1, "int"],
    ["uint8", "Uint8Array", 1, "int"],
    ["int16", "Int16Array", 1, "int"],
    ["uint16", "Uint16Array", 1, "int"],
    ["int32", "Int32Array", 1, "int"],
    ["uint32", "Uint32Array", 1, "int"],
    ["int64", "BigInt64Array", 1, "bigint"],
    ["uint64", "BigUint64Array", 1, "bigint"],
    ["float32", "Float32Array", 1, "float"],
    ["float64", "Float64Array", 1, "float"],
    ["complex64", "Float32Array", 2, "complex"],
    ["complex128", "Float64Array", 2, "complex"],
    [">i1", "Int8Array", 1, "int"],
  ];
  for (const [spec, ctor, lanes, kind] of cases) {
    test(`${spec} -> ${ctor} x${lanes}`, () => {
      const v = parseDType(spec).view;
      assert.ok(v);
      assert.deepEqual([v.ctor.name, v.lanes, v.kind], [ctor, lanes, kind]);
      assert.equal(v.ctor.BYTES_PER_ELEMENT * v.lanes, parseDType(spec).itemsize);
    });
  }

  test("float16 uses Float16Array where the runtime has one, raw bits elsewhere", () => {
    const v = parseDType("float16").view!;
    const native = (globalThis as { Float16Array?: unknown }).Float16Array;
    if (native) assert.deepEqual([v.ctor, v.kind], [native, "float"]);
    else assert.deepEqual([v.ctor, v.kind], [Uint16Array, "float16raw"]);
    assert.equal(v.lanes, 1);
  });

  test("a view constructor makes a working view", () => {
    const v = parseDType("<i4").view!;
    const a = new v.ctor(new ArrayBuffer(16), 4, 3);
    assert.equal(a.length, 3);
  });

  test("no view for big-endian multi-byte numbers and non-numeric kinds", () => {
    for (const spec of [">i2", ">u4", ">i8", ">f2", ">f4", ">f8", ">c8", ">c16"]) {
      assert.equal(parseDType(spec).view, null, spec);
    }
    for (const spec of ["S3", "U3", "V4", ">M8[ns]", ">m8[s]", "O"]) {
      assert.equal(parseDType(spec).view, null, spec);
    }
    // Native-order datetimes are int64 counts of their unit: a BigInt64Array plus the unit.
    for (const [spec, unit] of [["M8[ns]", "ns"], ["<m8[10s]", "10s"], ["M8", ""]]) {
      assert.equal(parseDType(spec).view?.ctor, BigInt64Array, spec);
      assert.equal(parseDType(spec).unit, unit, spec);
    }
    assert.equal(dtypeFromDescr([["a", "<f8"]]).view, null);
  });
});

describe("DTYPE_NAMES", () => {
  test("every name parses to itself and has a view", () => {
    assert.equal(DTYPE_NAMES.length, 14);
    for (const name of DTYPE_NAMES) {
      const dt = parseDType(name);
      assert.equal(dt.name, name);
      assert.ok(dt.view, name);
    }
  });

  test("is frozen", () => {
    assert.ok(Object.isFrozen(DTYPE_NAMES));
  });
});

describe("parseDType rejects", () => {
  const bad: [unknown, RegExp][] = [
    ["", /invalid dtype "": not a dtype NumPy knows/],
    ["f3", /invalid dtype "f3"/],
    ["i16", /invalid dtype "i16"/],
    ["u16", /invalid dtype "u16"/],
    ["b2", /invalid dtype "b2"/],
    ["c4", /invalid dtype "c4"/],
    ["S-1", /invalid dtype "S-1"/],
    ["S05", /invalid dtype "S05"/],
    ["S", /S needs a size of at least 1/],
    ["S0", /S needs a size of at least 1/],
    ["U0", /U needs a size of at least 1/],
    ["V0", /V needs a size of at least 1/],
    ["bytes", /S needs a size/],
    ["str", /U needs a size/],
    ["void", /V needs a size/],
    ["S2147483648", /item size exceeds/],
    ["U536870912", /item size exceeds/],
    ["<float64", /invalid dtype "<float64"/],
    [">int32", /invalid dtype ">int32"/],
    [" f8", /invalid dtype " f8"/],
    ["f8 ", /invalid dtype "f8 "/],
    ["Float64", /invalid dtype "Float64"/],
    ["toString", /invalid dtype "toString"/],
    ["constructor", /invalid dtype "constructor"/],
    ["__proto__", /invalid dtype "__proto__"/],
    ["a10", /invalid dtype "a10"/],
    ["f16", /longdouble has no portable layout/],
    ["g", /longdouble/],
    ["float128", /longdouble/],
    ["c32", /clongdouble/],
    ["M8[xs]", /bad datetime unit/],
    ["M8[]", /bad datetime unit/],
    ["M8[0s]", /bad datetime unit/],
    ["M8[ns", /bad datetime unit/],
    ["M4", /invalid dtype "M4"/],
    ["i4[ns]", /only M8\/m8 take a unit/],
    ["[('a', '<i4')]", /invalid dtype/],
    [123, /invalid dtype 123: not a string or a DType/],
    [null, /not a string or a DType/],
    [undefined, /not a string or a DType/],
    [{}, /not a string or a DType/],
  ];
  for (const [spec, pattern] of bad) {
    test(String(JSON.stringify(spec)), () => {
      assert.throws(() => parseDType(spec as string), (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentError, `got ${e}`);
        assert.match(e.message, pattern);
        return true;
      });
    });
  }

  test("the message lists accepted forms", () => {
    assert.throws(
      () => parseDType("f3"),
      /such as "float64", "<f8", "int32", "u1", "bool", "complex128", "S10", "U5"/,
    );
  });
});

describe("parseDType with a DType", () => {
  test("one of ours comes back as is", () => {
    const dt = parseDType("f8");
    assert.equal(parseDType(dt), dt);
  });

  test("a foreign object is re-derived from its descr", () => {
    const foreign = { ...parseDType(">i4") } as DType;
    const dt = parseDType(foreign);
    assert.notEqual(dt, foreign);
    assert.equal(dt.descr, ">i4");
    const s = { ...dtypeFromDescr([["a", "<i4"], ["b", "<f8"]]) } as DType;
    assert.deepEqual(parseDType(s).fields!.map((f) => f.offset), [0, 4]);
  });

  test("a foreign object with a bad descr is refused", () => {
    for (const descr of ["<f3", "[('a'", "{'a': 1}", 5]) {
      assert.throws(() => parseDType({ descr } as unknown as DType), InvalidArgumentError);
    }
  });

  test("dtypes are frozen", () => {
    const dt = parseDType("<c16");
    assert.ok(Object.isFrozen(dt));
    assert.ok(Object.isFrozen(dt.view));
    const s = dtypeFromDescr([["a", "<i4", [2]]]);
    assert.ok(Object.isFrozen(s.fields));
    assert.ok(Object.isFrozen(s.fields![0]));
    assert.ok(Object.isFrozen(s.fields![0].shape));
  });
});

describe("dtypeFromDescr: strings", () => {
  test("header strings, including NumPy's unsized S0/U0/V0", () => {
    assert.equal(dtypeFromDescr("<f8").name, "float64");
    assert.equal(dtypeFromDescr("|S0").itemsize, 0);
    assert.equal(dtypeFromDescr("|S0").name, "bytes");
    assert.equal(dtypeFromDescr("<U0").name, "str");
    assert.equal(dtypeFromDescr("|V0").name, "void");
    assert.equal(dtypeFromDescr("float64").descr, "<f8");
  });

  test("bad descr strings are corrupt headers naming the descr", () => {
    assert.throws(() => dtypeFromDescr("<f3"), (e: unknown) => {
      assert.ok(e instanceof CorruptHeaderError);
      assert.match(e.message, /descr '<f3' is not a valid dtype/);
      return true;
    });
  });

  test("non-descr values", () => {
    for (const v of [null, 3n, true, undefined, {}, parsePyLiteral("{'a': 1}")]) {
      assert.throws(() => dtypeFromDescr(v), CorruptHeaderError);
    }
    assert.throws(
      () => dtypeFromDescr(parsePyLiteral("('<f4', (2,))")),
      /sub-array dtype cannot describe a whole array/,
    );
  });
});

function fromText(text: string): DType {
  return dtypeFromDescr(parsePyLiteral(text));
}

function layout(dt: DType): [string, number, string, number[]][] {
  return dt.fields!.map((f) => [f.name, f.offset, f.dtype.descr, [...f.shape]]);
}

describe("dtypeFromDescr: structured", () => {
  test("aligned struct with padding, as NumPy writes it", () => {
    const dt = fromText("[('a', '<i4'), ('', '|V4'), ('b', '<f8')]");
    assert.deepEqual(layout(dt), [["a", 0, "<i4", []], ["b", 8, "<f8", []]]);
    assert.deepEqual(
      [dt.itemsize, dt.kind, dt.name, dt.byteOrder, dt.alignment, dt.view],
      [16, "V", "void128", "|", 8, null],
    );
    assert.equal(dt.descr, "[('a', '<i4'), ('', '|V4'), ('b', '<f8')]");
  });

  test("trailing padding counts in the itemsize", () => {
    const dt = fromText("[('a', '<i4'), ('', '|V4'), ('b', '<f8'), ('', '|V8')]");
    assert.equal(dt.itemsize, 24);
    assert.equal(dt.descr, "[('a', '<i4'), ('', '|V4'), ('b', '<f8'), ('', '|V8')]");
  });

  test("adjacent padding merges in the canonical descr, as NumPy's dtype.descr does", () => {
    const dt = fromText("[('a', '|u1'), ('', '|V1'), ('', '|V2'), ('b', '<i4')]");
    assert.equal(dt.descr, "[('a', '|u1'), ('', '|V3'), ('b', '<i4')]");
    assert.equal(dt.fields![1].offset, 4);
  });

  test("nested structs and sub-array fields", () => {
    const text = "[('n', [('x', '<i2'), ('y', '>f4')]), ('s', '<f4', (2, 3)), ('t', '|S3')]";
    const dt = fromText(text);
    assert.equal(dt.itemsize, 6 + 24 + 3);
    assert.equal(dt.descr, text);
    assert.deepEqual(layout(dt), [
      ["n", 0, "[('x', '<i2'), ('y', '>f4')]", []],
      ["s", 6, "<f4", [2, 3]],
      ["t", 30, "|S3", []],
    ]);
    assert.deepEqual(layout(dt.fields![0].dtype), [["x", 0, "<i2", []], ["y", 2, ">f4", []]]);
  });

  test("sub-array of structs", () => {
    const dt = fromText("[('n', [('x', '<i2')], (2,))]");
    assert.equal(dt.itemsize, 4);
    assert.equal(dt.descr, "[('n', [('x', '<i2')], (2,))]");
  });

  test("titles", () => {
    const dt = fromText("[(('my title', 'name'), '<i4'), ('v', '|V3'), ('u', '<U2')]");
    assert.deepEqual(dt.fields![0].title, "my title");
    assert.equal(dt.fields![0].name, "name");
    assert.equal(dt.fields![1].title, undefined);
    assert.ok(!("title" in dt.fields![1]));
    assert.equal(dt.itemsize, 15);
    assert.equal(dt.descr, "[(('my title', 'name'), '<i4'), ('v', '|V3'), ('u', '<U2')]");
    assert.equal(fromText("[((None, 'a'), '<i4')]").descr, "[('a', '<i4')]");
  });

  test("shape spellings: int, list, (), nested tuple formats", () => {
    assert.deepEqual(layout(fromText("[('a', '<i4', 3)]")), [["a", 0, "<i4", [3]]]);
    assert.deepEqual(layout(fromText("[('a', '<i4', [2])]")), [["a", 0, "<i4", [2]]]);
    assert.deepEqual(layout(fromText("[('a', '<i4', ())]")), [["a", 0, "<i4", []]]);
    assert.equal(fromText("[('a', '<i4', ())]").descr, "[('a', '<i4')]");
    const nested = fromText("[('a', ('<i4', (2,)), (3,))]");
    assert.deepEqual(layout(nested), [["a", 0, "<i4", [3, 2]]]);
    assert.equal(nested.itemsize, 24);
    assert.equal(fromText("[('a', '<i4', (1,))]").descr, "[('a', '<i4', (1,))]");
    assert.equal(fromText("[('a', '<i4', (0,))]").itemsize, 0);
  });

  test("lists as entries and JS numbers work for programmatic use", () => {
    const dt = dtypeFromDescr([["a", "<i4"], ["b", "<f8", [2]]]);
    assert.deepEqual(layout(dt), [["a", 0, "<i4", []], ["b", 4, "<f8", [2]]]);
    assert.equal(dt.descr, "[('a', '<i4'), ('b', '<f8', (2,))]");
  });

  test("NumPy's padding rule: unnamed plain void or unnamed sub-array", () => {
    assert.deepEqual(fromText("[('', '|V4'), ('', '|V4')]").fields, []);
    assert.equal(fromText("[('', '|V4'), ('', '|V4')]").descr, "[('', '|V8')]");
    assert.deepEqual(fromText("[('', '<i4', (2,))]").fields, []);
    assert.equal(fromText("[('', '<i4', (2,))]").itemsize, 8);
    // An unnamed non-void field is a real field named ''.
    assert.deepEqual(layout(fromText("[('', '<i4')]")), [["", 0, "<i4", []]]);
    assert.deepEqual(layout(fromText("[('', [])]")), [["", 0, "[]", []]]);
  });

  test("empty structured dtypes", () => {
    const empty = fromText("[]");
    assert.deepEqual([empty.itemsize, empty.name, empty.descr], [0, "void", "[]"]);
    assert.deepEqual(empty.fields, []);
  });

  test("field names are quoted as Python's repr quotes them", () => {
    const dt = fromText(String.raw`[("it's", '<i4'), ('q"', '<i2'), ('both\'"', '|u1')]`);
    assert.equal(dt.descr, String.raw`[("it's", '<i4'), ('q"', '<i2'), ('both\'"', '|u1')]`);
    assert.deepEqual(dt.fields!.map((f) => f.name), ["it's", 'q"', `both'"`]);
  });

  test("object fields parse and are reported", () => {
    const dt = fromText("[('a', '|O'), ('b', '<f8')]");
    assert.equal(dt.itemsize, 16);
    assert.ok(hasObjects(dt));
    assert.ok(hasObjects(fromText("[('n', [('o', '|O')])]")));
    assert.ok(!hasObjects(fromText("[('a', '<f8')]")));
  });

  test("alignment is the largest field alignment", () => {
    assert.equal(fromText("[('a', '|u1'), ('b', '<c8')]").alignment, 4);
    assert.equal(fromText("[('a', '|S3')]").alignment, 1);
    assert.equal(fromText("[('n', [('x', '<i8')])]").alignment, 8);
  });

  const broken: [string, RegExp][] = [
    ["[('a', '<i4'), ('a', '<f8')]", /field name 'a' is used twice/],
    ["[(('t', 'a'), '<i4'), (('t', 'b'), '<i4')]", /field title 't' is used twice/],
    ["[(('a', 'a'), '<i4')]", /used twice/],
    ["[(('b', 'a'), '<i4'), ('b', '<i2')]", /field name 'b' is used twice/],
    ["[(b'a', '<i4', 1, 2)]", /not a \(name, format\[, shape\]\) tuple/],
    ["[('a',)]", /not a \(name, format/],
    ["['a']", /not a \(name, format/],
    ["[('a', '<i4', (2,), 5)]", /not a \(name, format/],
    ["[(1, '<i4')]", /field name 1 is neither a str nor a \(title, name\) pair/],
    ["[((1, 'a'), '<i4')]", /neither a str nor a \(title, name\) pair/],
    ["[(('t', 'a', 'x'), '<i4')]", /neither a str/],
    ["[(['t', 'a'], '<i4')]", /neither a str/],
    ["[('a', '<f3')]", /field format '<f3': not a dtype NumPy knows/],
    ["[('a', 5)]", /field format 5 is not a dtype descriptor/],
    ["[('a', ('<i4',))]", /not a dtype descriptor/],
    ["[('a', '<i4', (-1,))]", /sub-array dimension -1 is not a non-negative integer/],
    ["[('a', '<i4', (True,))]", /sub-array dimension True is not/],
    ["[('a', '<i4', ((2,),))]", /sub-array dimension a tuple/],
    ["[('a', '<i4', 'x')]", /sub-array dimension 'x'/],
    ["[('a', '|u1', (2147483648,))]", /item size exceeds 2147483647/],
    ["[('a', '<i8', (1073741824,))]", /item size exceeds/],
    ["[('a', '|V2147483647'), ('b', '|u1')]", /item size exceeds/],
    ["[('a', '|u1', (65536, 65536))]", /item size exceeds/],
  ];
  for (const [text, pattern] of broken) {
    test(`refuses ${text}`, () => {
      assert.throws(() => fromText(text), (e: unknown) => {
        assert.ok(e instanceof CorruptHeaderError, `got ${e}`);
        assert.match(e.message, /^structured descr is not a valid dtype: /);
        assert.match(e.message, pattern);
        return true;
      });
    });
  }

  test("deep and cyclic descr values are refused, not followed", () => {
    let deep: unknown = "<i4";
    for (let i = 0; i < 100; i++) deep = [["a", deep]];
    assert.throws(() => dtypeFromDescr(deep), /nested deeper than/);
    const cyclic: unknown[] = [];
    cyclic.push(["a", cyclic]);
    assert.throws(() => dtypeFromDescr(cyclic), CorruptHeaderError);
    const tupleCycle: unknown[] = [];
    const t = new PyTuple([]);
    (t as { items: unknown[] }).items = [tupleCycle, [2n]];
    tupleCycle.push(["a", t]);
    assert.throws(() => dtypeFromDescr(tupleCycle), CorruptHeaderError);
  });
});

describe("sameDType", () => {
  test("equal spellings of one dtype", () => {
    assert.ok(sameDType(parseDType("f8"), parseDType("<f8")));
    assert.ok(sameDType(parseDType("float64"), parseDType("d")));
    assert.ok(sameDType(parseDType("u1"), parseDType(">u1")));
    assert.ok(sameDType(parseDType("M8[1s]"), parseDType("datetime64[s]")));
    assert.ok(sameDType(fromText("[('a', '<i4')]"), dtypeFromDescr([["a", "i4"]])));
  });

  test("different dtypes", () => {
    assert.ok(!sameDType(parseDType("<f8"), parseDType(">f8")));
    assert.ok(!sameDType(parseDType("<f8"), parseDType("<i8")));
    assert.ok(!sameDType(parseDType("S3"), parseDType("S4")));
    assert.ok(!sameDType(parseDType("M8[s]"), parseDType("M8[ms]")));
    assert.ok(!sameDType(fromText("[('a', '<i4')]"), fromText("[('b', '<i4')]")));
    assert.ok(!sameDType(fromText("[('a', '<i4')]"), parseDType("V4")));
    assert.ok(!sameDType(fromText("[('a', '<i4', (2,))]"), fromText("[('a', '<i4', (1, 2))]")));
  });
});
