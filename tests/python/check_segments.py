"""Reads a JSON list of cases {name, descr, shape, fortran} on stdin. For each, opens the segment
npshm made with numpy.load(mmap_mode="r+"), checks dtype, shape, order and values, then writes the
values shifted by one and flushes. Prints one JSON result per case."""
import json
import sys

import numpy as np

from values import expected

results = []
for case in json.load(sys.stdin):
    a = np.load(f"/dev/shm/{case['name']}", mmap_mode="r+")
    dtype = np.dtype(case["descr"])
    shape = tuple(case["shape"])
    ok = {
        "dtype": a.dtype == dtype,
        "shape": a.shape == shape,
        "order": bool(a.flags.f_contiguous) if case["fortran"] and a.ndim > 1 else True,
        "values": bool(np.array_equal(a, expected(dtype, shape))),
    }
    a[...] = expected(dtype, shape, shift=1)
    a.flush()
    del a
    results.append({"name": case["name"], **ok})
print(json.dumps(results))
