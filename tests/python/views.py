"""NumPy's side of tests/views.test.ts: one process evaluates a whole list of view cases.

Reads JSON from stdin: {"fill": bool, "cases": [...]}. Each case names a segment (/dev/shm)
and what to do with it: "index" (a[expr], the expression as written between the brackets),
"transpose" (a[expr].transpose(axes)), "reshape" (np.reshape(a[expr], shape, order, copy=False),
of a[expr].transpose(axes) if axes are given),
"squeeze" (a[expr].squeeze(axes)) or "written" (whether the array is now "before" with a[expr]
set to "values": {"equal", "values"}). With "fill", every array is first filled with distinct
values (element k of the flat C order gets k + 1, in the array's dtype).

Prints one JSON list, a result per case: {"shape", "strides", "offset", "c", "f", "values"}
(offset in bytes from the array's first data byte, values as nested lists: complex as
[re, im], bytes decoded as latin-1), or {"error": "IndexError" | "ValueError" | ...}.
"""

import json
import sys

import numpy as np


def plain(x):
    if isinstance(x, list):
        return [plain(v) for v in x]
    if isinstance(x, complex):
        return [x.real, x.imag]
    if isinstance(x, bytes):
        return x.decode("latin-1")
    return x


def fill(a):
    k = np.arange(1, a.size + 1)
    if a.dtype.kind == "b":
        values = k % 2 == 0
    elif a.dtype.kind == "S":
        values = np.array([str(i).encode() for i in k], dtype=a.dtype)
    elif a.dtype.kind == "c":
        values = k - 1j * k
    else:
        values = k
    a[...] = np.asarray(values).astype(a.dtype).reshape(a.shape)
    a.flush()


def key_of(expr):
    return () if expr.strip() == "" else eval(f"np.s_[{expr}]", {"np": np, "newaxis": None})


def indexed(a, expr):
    key = key_of(expr)
    view = a[key]
    if not isinstance(view, np.ndarray):  # a scalar: the same place as a 0-d view
        view = a[(key if isinstance(key, tuple) else (key,)) + (Ellipsis,)]
    return view


def describe(base, view):
    return {
        "shape": list(view.shape),
        "strides": list(view.strides),
        "offset": view.__array_interface__["data"][0] - base.__array_interface__["data"][0],
        "c": bool(view.flags.c_contiguous),
        "f": bool(view.flags.f_contiguous),
        "values": plain(view.tolist()),
    }


def evaluate(a, case):
    kind = case["kind"]
    if kind == "written":
        return written(a, case)
    view = indexed(a, case.get("expr", ""))
    if kind == "transpose":
        axes = case["axes"]
        view = view.transpose() if axes is None else view.transpose(axes)
    elif kind == "reshape":
        if case.get("axes") is not None:
            view = view.transpose(case["axes"])
        view = np.reshape(view, case["shape"], order=case["order"], copy=False)
    elif kind == "squeeze":
        axes = case["axes"]
        view = view.squeeze() if axes is None else view.squeeze(tuple(axes))
    return describe(a, view)


def written(a, case):
    """Whether the array is `before` with the view's elements replaced by `values`."""
    expected = np.array(case["before"], dtype=a.dtype)
    expected[key_of(case["expr"])] = np.array(case["values"], dtype=a.dtype)
    return {"equal": bool(np.array_equal(expected, a)), "values": plain(a.tolist())}


def main():
    request = json.load(sys.stdin)
    arrays = {}
    results = []
    for case in request["cases"]:
        name = case["name"]
        if name not in arrays:
            arrays[name] = np.load(f"/dev/shm/{name}", mmap_mode="r+")
            if request["fill"]:
                fill(arrays[name])
        try:
            results.append(evaluate(arrays[name], case))
        except (IndexError, ValueError, TypeError) as e:
            results.append({"error": type(e).__name__, "message": str(e)})
    json.dump(results, sys.stdout)


main()
