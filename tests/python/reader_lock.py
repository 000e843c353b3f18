"""A reader of a segment holding a lock on it, as another user can (issue 12 item 7).

    reader_lock.py KIND PATH

Opens PATH read-only and takes KIND: flock-ex / flock-sh (flock(2) on the read-only
descriptor) or read-all (OFD read locks over every byte no write lock holds: the most a
reader's fcntl can take). Prints "ready" and holds it until stdin closes.
"""
import fcntl
import os
import struct
import sys

kind, path = sys.argv[1], sys.argv[2]
fd = os.open(path, os.O_RDONLY)
if kind == "flock-ex":
    fcntl.flock(fd, fcntl.LOCK_EX)
elif kind == "flock-sh":
    fcntl.flock(fd, fcntl.LOCK_SH)
elif kind == "read-all":
    # Every byte that no write lock holds now: up to each one found, then on after it.
    def flock(start, length):  # struct flock; l_len 0: to the end of all offsets
        return struct.pack("hhqqixxxx", fcntl.F_RDLCK, 0, start, length, 0)

    start = 0
    while True:
        found = struct.unpack("hhqqixxxx", fcntl.fcntl(fd, fcntl.F_OFD_GETLK, flock(start, 0)))
        if found[0] == fcntl.F_UNLCK:
            fcntl.fcntl(fd, fcntl.F_OFD_SETLK, flock(start, 0))
            break
        if found[2] > start:
            fcntl.fcntl(fd, fcntl.F_OFD_SETLK, flock(start, found[2] - start))
        if found[3] == 0:
            break
        start = found[2] + found[3]
else:
    sys.exit(f"unknown kind {kind}")
print("ready", flush=True)
sys.stdin.read()
