"""Python's side of the attach benchmark, as a NumPy user writes it without npshm.

Per operation: ``SharedMemory(name=...)``, ``np.ndarray(shape, dtype, buffer=shm.buf,
offset=header_length)``, read element 0, ``del arr; shm.close()``. The header is parsed once,
outside the loop, with ``numpy.lib.format`` (a fair user caches shape, dtype and offset).

Measured twice per segment:

- ``untracked``: ``resource_tracker.register`` is a no-op during the loop, which is what
  ``SharedMemory(name, track=False)`` does from Python 3.13 on; the fastest Python can attach.
- ``tracked``: the default before 3.13, where every attach sends a message to the resource
  tracker process (and the tracker would unlink the segment at exit unless unregistered,
  which this script does once per name afterwards).

    python3 bench/attach.py <runMs> <runs> <name>...

Prints one JSON object: ``{"python", "numpy", "untracked": {name: {"iterations", "nsPerOp"}},
"tracked": {...}}``. Timing follows bench/measure.ts.
"""

import io
import json
import platform
import sys
import time
from multiprocessing import resource_tracker, shared_memory

import numpy as np

CALIBRATE_NS = 25_000_000
MIN_ITERATIONS = 100
HEAD_MAX = 65536  # plenty for any 1-d header; the slice avoids copying the whole segment
EXPECTED = 1.5  # what bench/run.ts writes to element 0


def read_layout(name):
    """Shape, dtype, order and data offset from the segment's NPY header, read once."""
    shm = shared_memory.SharedMemory(name=name)
    try:
        head = io.BytesIO(bytes(shm.buf[: min(HEAD_MAX, shm.size)]))
        version = np.lib.format.read_magic(head)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(head)
        else:
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(head)
        return shape, dtype, "F" if fortran else "C", head.tell()
    finally:
        shm.close()


def attach_once(name, shape, dtype, order, offset):
    """One operation: attach, view with NumPy, touch element 0, release."""
    shm = shared_memory.SharedMemory(name=name)
    arr = np.ndarray(shape, dtype, buffer=shm.buf, offset=offset, order=order)
    first = arr[0]
    del arr  # shm.close() refuses while a view exports the buffer
    shm.close()
    return first


def batch(op, n):
    start = time.perf_counter_ns()
    acc = 0.0
    for _ in range(n):
        acc += op()
    ns = time.perf_counter_ns() - start
    if acc != acc:
        raise RuntimeError("benchmark operation returned NaN")
    return ns


def measure(op, run_ms, runs):
    """Calibrate by doubling to CALIBRATE_NS, then time `runs` batches of about run_ms."""
    n = 1
    ns = batch(op, n)
    while ns < CALIBRATE_NS:
        n *= 2
        ns = batch(op, n)
    iterations = max(MIN_ITERATIONS, round(n * run_ms * 1e6 / ns))
    per_op = [batch(op, iterations) / iterations for _ in range(runs)]
    return {"iterations": iterations, "nsPerOp": per_op}


def measure_segment(name, run_ms, runs):
    layout = read_layout(name)

    def op():
        return attach_once(name, *layout)

    first = op()
    if first != EXPECTED:
        raise RuntimeError(f"{name}: element 0 is {first}, not {EXPECTED}")
    return measure(op, run_ms, runs)


def untracked(names, run_ms, runs):
    register = resource_tracker.register
    resource_tracker.register = lambda name, rtype: None
    try:
        return {name: measure_segment(name, run_ms, runs) for name in names}
    finally:
        resource_tracker.register = register


def tracked(names, run_ms, runs):
    results = {}
    for name in names:
        try:
            results[name] = measure_segment(name, run_ms, runs)
        finally:
            # The tracker keeps a set of names: one unregister undoes every register, so at
            # exit it does not unlink the segment (and warn about a "leak") behind our back.
            resource_tracker.unregister("/" + name, "shared_memory")
    return results


def main(argv):
    run_ms, runs, names = float(argv[0]), int(argv[1]), argv[2:]
    out = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "untracked": untracked(names, run_ms, runs),
        "tracked": tracked(names, run_ms, runs),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
