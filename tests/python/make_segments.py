"""Reads a JSON list of cases {name, descr, shape, fortran} on stdin and makes each one with the
standard library and numpy only: multiprocessing.shared_memory.SharedMemory plus the header of
numpy.lib.format, values from values.py. The segments outlive this process (unregistered from
the resource tracker) for the JS side to attach."""
import io
import json
import sys
from multiprocessing import resource_tracker, shared_memory

import numpy as np
import numpy.lib.format as fmt

from values import expected

for case in json.load(sys.stdin):
    data = expected(np.dtype(case["descr"]), tuple(case["shape"]))
    if case["fortran"] and data.ndim > 1:  # asfortranarray would make a 0-d array 1-d
        data = np.asfortranarray(data)
    head = io.BytesIO()
    fmt.write_array_header_1_0(head, fmt.header_data_from_array_1_0(data))
    head = head.getvalue()
    shm = shared_memory.SharedMemory(name=case["name"], create=True, size=len(head) + data.nbytes)
    shm.buf[: len(head)] = head
    view = np.ndarray(data.shape, data.dtype, buffer=shm.buf, offset=len(head),
                      order="F" if case["fortran"] else "C")
    view[...] = data
    del view
    resource_tracker.unregister(shm._name, "shared_memory")
    shm.close()
print("ok")
