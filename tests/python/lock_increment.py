"""Locked increments of a shared array's element 0 from Python, through npshm's lock protocol:
the shim's npshm_lock_token_of / npshm_lock_wait / npshm_unlock over ctypes (README: "The lock
protocol"), so that Python and JS processes exclude each other on the same lock.

    lock_increment.py LIBNPSHM NAME TIMES PARTIES

The array must be npshm-made (a version 2 control block), int32, of 2 elements: element 0 is
the counter; in element 1 each process counts itself (under the lock) and all start once
PARTIES have, as tests/fixtures/lock_increment.ts does. Prints "ok".
"""
import ctypes
import mmap
import os
import struct
import sys
import time

import numpy as np
from numpy.lib import format as npf

lib_path, name, times, parties = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
lib = ctypes.CDLL(lib_path)
i64, u64, u32, out_t = ctypes.c_int64, ctypes.c_uint64, ctypes.c_uint32, ctypes.c_int64 * 4
lib.npshm_lock_token_of.argtypes = [i64, ctypes.c_char_p, u64, out_t]
lib.npshm_lock_wait.argtypes = [i64, u64, u32, i64, u64, out_t]
lib.npshm_unlock.argtypes = [u64, u32, out_t]
OK, OWNER_DIED = 0, 8

fd = os.open(f"/dev/shm/{name}", os.O_RDWR)
with open(fd, "rb", closefd=False) as f:
    version = npf.read_magic(f)
    read_header = npf.read_array_header_1_0 if version == (1, 0) else npf.read_array_header_2_0
    shape, _, dtype = read_header(f)
    data = f.tell()
assert dtype == np.dtype("<i4"), dtype
mem = mmap.mmap(fd, 0)
control = -(-(data + int(np.prod(shape)) * 4) // 64) * 64  # the data's end, rounded up to 64
magic, block_version, size = struct.unpack_from("<8sHH", mem, control)
assert magic == b"NPSHM-CB" and block_version == 2 and size >= 128, (magic, block_version)
word = ctypes.addressof(ctypes.c_char.from_buffer(mem, control + 24))  # the lock word
counter = ctypes.c_int32.from_buffer(mem, data)
ready = ctypes.c_int32.from_buffer(mem, data + 4)

out = out_t()
assert lib.npshm_lock_token_of(fd, name.encode(), word, out) == OK, out[3]
token, token_id = out[0], out[1]


def locked(step):
    status = lib.npshm_lock_wait(token, word, token_id, -1, 0, out)
    # No party dies here: a holder taken for dead was alive, which must never happen.
    assert status != OWNER_DIED, f"took the lock over from pid {out[0]}, which was alive"
    assert status == OK, status
    step()
    assert lib.npshm_unlock(word, token_id, out) == OK


locked(lambda: setattr(ready, "value", ready.value + 1))
while ready.value < parties:
    time.sleep(0.001)
for _ in range(times):
    # A plain read-modify-write: only the lock keeps it whole.
    locked(lambda: setattr(counter, "value", counter.value + 1))
os.close(token)
del counter, ready
print("ok")
