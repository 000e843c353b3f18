// Must type-check (`deno task check`): the types of data, get and set follow the dtype wherever
// it is known, and the common TypedArray methods work where it is not. Never run: the
// functions are only compiled.
import {
  attachSharedArray,
  type Complex,
  createNpy,
  createSharedArray,
  type DType,
  type DTypeField,
  openNpy,
  readSharedArray,
  type RecordValue,
  type Scalar,
  SharedArrayScope,
  type TypedArray,
} from "../../mod.ts";

export function created(): void {
  using f = createSharedArray("f", { shape: [2, 3], dtype: "float64" });
  const x: number = f.get(0, 1);
  const y: number = f.get([0, 1]);
  const d: Float64Array = f.data;
  f.set(0, 1, 1.5);
  f.set([0, 1], 2);
  using i = createSharedArray("i", { shape: [4], dtype: "int32" });
  const ii: number = i.get(0);
  const id: Int32Array = i.data;
  using q = createSharedArray("q", { shape: [4], dtype: "int64" });
  const qq: bigint = q.get(0);
  const qd: BigInt64Array = q.data;
  q.set(0, 1n);
  q.set(0, 1); // a safe integer is fine for int64
  using u = createSharedArray("u", { shape: [4], dtype: "<u8" });
  const uu: bigint = u.get(-1);
  using b = createSharedArray("b", { shape: [4], dtype: "bool" });
  const bb: boolean = b.get(0);
  const bd: Uint8Array = b.data;
  b.set(0, true);
  using z = createSharedArray("z", { shape: [4], dtype: "complex128" });
  const zz: Complex = z.get(0);
  const zd: Float64Array = z.data;
  z.set(0, { re: 1, im: 2 });
  z.set(1, [1, 2]);
  z.set(2, 3);
  using h = createSharedArray("h", { shape: [4], dtype: "half" });
  const hh: number = h.get(0);
  using s = createSharedArray("s", { shape: [4], dtype: "S4" });
  const ss: string = s.get(0);
  s.set(0, "ab");
  s.set(1, new Uint8Array([1, 2]));
  using w = createSharedArray("w", { shape: [4], dtype: "<U8" });
  const ww: string = w.get(0);
  using v = createSharedArray("v", { shape: [4], dtype: "V8" });
  const vv: Uint8Array = v.get(0);
  using t = createSharedArray("t", { shape: [4], dtype: "datetime64[ns]" });
  const tt: bigint = t.get(0);
  const td: BigInt64Array = t.data;
  using be = createSharedArray("be", { shape: [4], dtype: ">f8" });
  const bev: number = be.get(0); // read through the codec, a number all the same
  const bed: TypedArray = be.data; // no native TypedArray shows >f8: data throws at run time
  using dd = createSharedArray("dd", { shape: [4], dtype: "double" });
  const ddd: Float64Array = dd.data;
  console.log(x, y, d, ii, id, qq, qd, uu, bb, bd, zz, zd, hh, ss, ww, vv, tt, td, bev, bed, ddd);
}

export function views(): void {
  using f = createSharedArray("f", { shape: [2, 3], dtype: "float32" });
  const a: number = f.slice("1:, ::-1").get(0, 0);
  const b: Float32Array = f.T.data;
  const c: number = f.reshape(-1).get(5);
  const d: number = f.row(0).get(1);
  const e: number = f.transpose(1, 0).squeeze().get(0, 0);
  const g: number = f.slice([{ step: 2 }, "...", null]).get(0, 0, 0);
  const h: bigint = f.view("int64").get(0, 0);
  const k: number = f.slice(0, 1).copy().get(0, 0);
  const m: Scalar = f.field("x").get(0);
  console.log(a, b, c, d, e, g, h, k, m);
}

export function attached(rec: DType & { readonly fields: readonly DTypeField[] }): void {
  using a = attachSharedArray("a", { validateDtype: "float32" });
  const x: number = a.get(0);
  const xd: Float32Array = a.data;
  using n = attachSharedArray("n", { validateDtype: "uint16", raiseOnError: false });
  const nn: number | undefined = n?.get(0);
  using r = attachSharedArray("r", { validateDtype: rec });
  const rr: RecordValue = r.get(0);
  using scope = new SharedArrayScope();
  const sc: number = scope.create(undefined, { shape: [1], dtype: "int8" }).get(0);
  const sa: bigint = scope.attach("x", { validateDtype: "i8" }).get(0);
  console.log(x, xd, nn, rr, sc, sa);
}

export function files(): void {
  using loaded = readSharedArray("a.npy", "a", { validateDtype: "int16" });
  const l: number = loaded.get(0);
  const ld: Int16Array = loaded.data;
  using status = readSharedArray("a.npy", "a", { validateDtype: "<i8", returnStatus: true });
  const st: bigint = status.array.get(0);
  using opened = openNpy("b.npy", { validateDtype: "uint8" });
  const o: number = opened.get(0, 0);
  const od: Uint8Array = opened.data;
  using made = createNpy("c.npy", { shape: [4, 4], dtype: "float32" });
  made.data.fill(1); // never before: data was a union whose fill took `never`
  const m: number = made.get(1, 1);
  console.log(l, ld, st, o, od, m);
}

export function untyped(): void {
  using a = attachSharedArray("a");
  const d: TypedArray = a.data;
  d.fill(0);
  const sum: number = d.reduce((acc, x) => acc + Number(x), 0);
  const part: TypedArray = d.subarray(1, 3);
  for (const x of d) console.log(x);
  d.forEach((x, i) => console.log(x, i));
  const some: boolean = d.some((x) => x === 0) && d.every((x) => x !== 1) && d.includes(0);
  const at: number = d.indexOf(0);
  if (d instanceof Float64Array) d[0] += 1;
  const g: Scalar = a.get(0);
  a.set(0, "anything: checked at run time" as unknown);
  using f = openNpy("f.npy");
  const fd: TypedArray = f.data;
  console.log(sum, part, some, at, g, fd, d.length, d.byteLength, d.at(0), d.slice(1));
}
