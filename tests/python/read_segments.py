"""Reads a JSON list of cases on stdin; attaches each segment with SharedMemory and
numpy.lib.format only, checks the values were shifted by one by the JS side, then unlinks it.
Prints a JSON list of booleans."""
import io
import json
import sys
from multiprocessing import shared_memory

import numpy as np
import numpy.lib.format as fmt

from values import expected

results = []
for case in json.load(sys.stdin):
    shm = shared_memory.SharedMemory(name=case["name"])
    stream = io.BytesIO(bytes(shm.buf[:4096]))
    version = fmt.read_magic(stream)
    read = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
    shape, fortran, dtype = read(stream)
    a = np.ndarray(shape, dtype, buffer=shm.buf, offset=stream.tell(), order="F" if fortran else "C")
    results.append(bool(np.array_equal(a, expected(dtype, shape, shift=1))))
    del a
    shm.close()
    shm.unlink()  # also unregisters it from the resource tracker
print(json.dumps(results))
