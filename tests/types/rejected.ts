// Must type-check (`deno task check`) with an error on every line marked @ts-expect-error: a
// line that stops being an error fails the check. What the types refuse once the dtype is
// known. Never run.
import {
  attachSharedArray,
  createNpy,
  createSharedArray,
  openNpy,
  readSharedArray,
} from "../../mod.ts";

export function rejected(): void {
  using f = createSharedArray("f", { shape: [2, 3], dtype: "float64" });
  using q = createSharedArray("q", { shape: [4], dtype: "int64" });
  using b = createSharedArray("b", { shape: [4], dtype: "bool" });
  using z = createSharedArray("z", { shape: [4], dtype: "complex64" });
  using any = attachSharedArray("a");
  // @ts-expect-error: float64 elements are numbers
  const s: string = f.get(0, 0);
  // @ts-expect-error: int64 elements are bigints
  const n: number = q.get(0);
  // @ts-expect-error: bool elements are booleans
  const m: number = b.get(0);
  // @ts-expect-error: complex elements are {re, im}
  const k: number = z.get(0);
  // @ts-expect-error: data of a float64 array is a Float64Array
  const d: Int32Array = f.data;
  // @ts-expect-error: float64 takes numbers
  f.set(0, 0, "1");
  // @ts-expect-error: float64 takes numbers, not bigints
  f.set(0, 0, 1n);
  // @ts-expect-error: int64 takes bigints or numbers
  q.set(0, "1");
  // @ts-expect-error: bool takes booleans (or 0 and 1)
  b.set(0, 2);
  // @ts-expect-error: views keep the element type
  const v: string = f.slice("::2").T.reshape(-1).get(0);
  // @ts-expect-error: view(dtype) retypes the elements: int16 elements are numbers
  const w: bigint = f.view("int16").get(0, 0);
  // @ts-expect-error: an array of unknown dtype gives any Scalar
  const x: number = any.get(0);
  // @ts-expect-error: its data is a union, not a Float64Array
  const y: Float64Array = any.data;
  // @ts-expect-error: a Float32Array takes numbers
  createNpy("c.npy", { shape: [4], dtype: "float32" }).data.fill(1n);
  // @ts-expect-error: openNpy's validateDtype types the elements
  const o: string = openNpy("b.npy", { validateDtype: "int16" }).get(0);
  // @ts-expect-error: so does readSharedArray's
  const r: Uint8Array = readSharedArray("a.npy", "a", { validateDtype: "float32" }).data;
  // @ts-expect-error: an index is numbers
  f.get("0", 1);
  // @ts-expect-error: reshape takes numbers
  f.reshape("3", 2);
  console.log(s, n, m, k, d, v, w, x, y, o, r);
}
