// The fast get/set's plan (src/array/access.ts) and the plan a reused layout carries
// (src/array/layout.ts), as pure logic: no shared memory.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { accessPlan, flatView, INT } from "../src/array/access.ts";
import { layoutOf, planOf } from "../src/array/layout.ts";
import { parseDType } from "../src/format/dtype.ts";
import { decodeHeader, encodeHeader } from "../src/format/header.ts";

const f8 = parseDType("<f8");

describe("access plans", () => {
  test("a reversed float64 view: element [0] is the last, one element back per step", () => {
    const plan = accessPlan({ dtype: f8, shape: [4], strides: [-8], byteOffset: 24 })!;
    assert.equal(plan.base, 3);
    assert.deepEqual(plan.steps, [-1]);
    assert.deepEqual(plan.dims, [4]);
    assert.equal(plan.ctor, Float64Array);
  });

  test("integers carry their range; codec dtypes and split elements have no plan", () => {
    const i2 = accessPlan({ dtype: parseDType("<i2"), shape: [2], strides: [2], byteOffset: 0 })!;
    assert.deepEqual([i2.kind, i2.min, i2.max], [INT, -32768, 32767]);
    const bools = { dtype: parseDType("bool"), shape: [4], strides: [1], byteOffset: 0 };
    assert.equal(accessPlan(bools), null);
    assert.equal(accessPlan({ dtype: f8, shape: [2], strides: [8], byteOffset: 4 }), null);
    assert.equal(accessPlan({ dtype: f8, shape: [2], strides: [12], byteOffset: 0 }), null);
  });

  test("the TypedArray is made per buffer: none where the data starts mid-element", () => {
    const plan = accessPlan({ dtype: f8, shape: [2], strides: [8], byteOffset: 0 })!;
    const buffer = new ArrayBuffer(24);
    const flat = flatView(plan, buffer, 64)!;
    assert.ok(flat instanceof Float64Array);
    assert.equal(flat.length, 3, "over the whole buffer, not just the view's elements");
    assert.equal(flatView(plan, buffer, 64, flat), flat, "another view's, reused");
    assert.notEqual(flatView(plan, new ArrayBuffer(24), 64, flat), flat, "not another buffer's");
    assert.notEqual(flatView(plan, buffer, 64, new Int32Array(buffer)), flat);
    assert.equal(flatView(plan, buffer, 68), null);
  });

  test("a header's layout carries its plan, made once; a view made on the fly plans anew", () => {
    const layout = layoutOf(decodeHeader(encodeHeader(f8, [3, 4], false)));
    const plan = planOf(layout);
    assert.ok(plan !== null);
    assert.equal(planOf(layout), plan, "the same plan every time");
    assert.deepEqual(plan, accessPlan(layout));
    const fresh = { dtype: f8, shape: [3, 4], strides: [32, 8], byteOffset: 0 };
    assert.notEqual(planOf(fresh), planOf(fresh));
    assert.deepEqual(planOf({ ...fresh, strides: [8, 24] })?.steps, [1, 3]);
    const bools = layoutOf(decodeHeader(encodeHeader(parseDType("bool"), [2], false)));
    assert.equal(planOf(bools), null, "a dtype that needs a codec carries none");
  });
});
