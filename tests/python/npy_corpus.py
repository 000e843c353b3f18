"""The .npy corpus the file tests read, written by numpy at test time.

make DIR: writes every case into DIR and prints a JSON manifest: for each readable file its
dtype descr, shape, order, header version and its values in the tagged JSON of `tag()`; for
each broken file the error code npshm must give.

check DIR: reads a JSON list of {orig, saved} on stdin; for each pair checks that numpy loads
the saved file as the same array (dtype, shape, order, bytes) and that it is byte-for-byte
what np.save writes for that array. Prints a JSON list of problems (empty when all is well).
"""
import io
import json
import os
import struct
import sys
import warnings

import numpy as np
import numpy.lib.format as fmt


def tag(x):
    """A value as JSON that keeps what JSON cannot: bigints, non-finite floats, bytes."""
    if isinstance(x, dict):
        return {k: tag(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [tag(v) for v in x]
    if isinstance(x, bool):
        return x
    if isinstance(x, int):
        return x if abs(x) < 2**53 else {"$big": str(x)}
    if isinstance(x, float):
        return x if np.isfinite(x) else {"$float": repr(x)}
    if isinstance(x, complex):
        return {"re": tag(x.real), "im": tag(x.imag)}
    if isinstance(x, bytes):
        return x.decode("latin1")
    if isinstance(x, str):
        return x
    raise TypeError(type(x))


def scalar(dt, v):
    """One item as npshm's get() returns it."""
    if dt.names is not None:
        return {name: field(dt.fields[name][0], v[name]) for name in dt.names}
    if dt.kind in "Mm":
        return {"$big": str(int(v.view(np.int64)))}
    if dt.kind == "V":
        return {"$bytes": bytes(v).hex()}
    if dt.kind in "iu" and dt.itemsize == 8:
        return {"$big": str(int(v))}
    return tag(v.item())


def field(dt, v):
    if dt.subdtype is not None:
        base, shape = dt.subdtype
        return [field(np.dtype((base, shape[1:])) if len(shape) > 1 else base, x) for x in v]
    return scalar(dt, v)


def values(a):
    if a.ndim == 0:
        return scalar(a.dtype, a[()])
    return [values(a[i]) for i in range(a.shape[0])] if a.ndim > 1 else [
        scalar(a.dtype, a[i]) for i in range(a.shape[0])
    ]


def numbers(dt, n):
    k = np.arange(n)
    if dt.kind == "b":
        return k % 3 == 0
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return (np.array([info.min, info.max, 0, 1] * n)[:n] if n > 4 else k).astype(dt)
    if dt.kind == "f":
        extra = np.array([np.nan, np.inf, -np.inf, -0.0, 1e-3, 65504.0 if dt.itemsize == 2 else 1e30])
        return np.concatenate([extra, k * 0.25 - 3])[:n].astype(dt)
    if dt.kind == "c":
        return (k + 0.5 - 1j * k).astype(dt)
    if dt.kind == "M":
        return np.concatenate([np.array(["NaT"], dt), np.arange(n - 1).astype(dt)])[:n] if n else np.array([], dt)
    if dt.kind == "m":
        return (k * 7 - 3).astype(dt)
    if dt.kind == "S":
        return np.array([("x%d" % i * 3)[: dt.itemsize].encode() for i in range(n)], dt)
    if dt.kind == "U":
        return np.array([("é€%d𝄞" % i)[: dt.itemsize // 4] for i in range(n)], dt)
    if dt.kind == "V" and dt.names is None:
        return np.frombuffer(bytes((i * 7) % 256 for i in range(n * dt.itemsize)), dt).copy()
    a = np.zeros(n, dt)
    for name in dt.names:
        fdt = dt.fields[name][0]
        base = fdt.subdtype[0] if fdt.subdtype else fdt
        count = n * (int(np.prod(fdt.shape)) if fdt.shape else 1)
        a[name] = numbers(base, count).reshape((n,) + fdt.shape) if count else a[name]
    return a


def make_array(descr, shape, order):
    dt = np.dtype(eval(descr) if descr.startswith("[") or descr.startswith("{") else descr)
    n = int(np.prod(shape)) if shape else 1
    a = numbers(dt, n).reshape(shape)
    return np.asfortranarray(a) if order == "F" and a.ndim > 1 else np.ascontiguousarray(a)


SIMPLE = ["|b1", "|i1", "|u1"] + [
    o + c for o in "<>" for c in ["i2", "u2", "i4", "u4", "i8", "u8", "f2", "f4", "f8", "c8", "c16"]
] + ["<M8[ns]", ">M8[us]", "<M8[D]", "<m8[s]", ">m8[ms]", "|S7", "<U4", ">U3", "|V5"]

RECORDS = [
    "[('chr','S10'),('pos','<i4'),('pct','<f4'),('c','<i4'),('t','<i4')]",
    # padded (offsets with gaps, itemsize beyond the last field), sub-array field
    "{'names':['a','b','c'],'formats':['u1','<f8','(2,3)<i2'],'offsets':[0,8,16],'itemsize':32}",
    # nested, big-endian inside, unicode sub-array, complex
    "[('p',[('x','>f4'),('y','<i2')]),('q','<U3',(2,)),('z','<c16')]",
    # aligned=True struct, as C compilers lay it out
    "np.dtype([('a','u1'),('b','<i4'),('c','<f8'),('d','<i2')], align=True)",
    # nested records in a sub-array, datetime field
    "[('when','<M8[s]'),('pts',[('x','<f8'),('y','<f8')],(3,))]",
]


def record_dtype(descr):
    return eval(descr) if descr.startswith("np.") else np.dtype(eval(descr))


def write(path, a, version=None):
    with open(path, "wb") as f:
        fmt.write_array(f, a, version=version)


def header_descr(dt):
    d = fmt.dtype_to_descr(dt)
    return d if isinstance(d, str) else repr(d)


def legacy_header(path, a, align):
    """A header padded to `align` bytes (NumPy < 1.?? used 16) or not at all (other writers)."""
    d = {"descr": fmt.dtype_to_descr(a.dtype), "fortran_order": bool(a.flags.f_contiguous and not a.flags.c_contiguous), "shape": a.shape}
    text = repr(d).encode("latin1")
    if align:
        pad = (align - (10 + len(text) + 1) % align) % align
        text += b" " * pad
    text += b"\n"
    data = a.tobytes(order="F" if d["fortran_order"] else "C")
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + data)


def make(root):
    cases, n = [], 0

    def add(a, how="save", version=None, name=None, align=None):
        nonlocal n
        n += 1
        path = os.path.join(root, name or "c%03d.npy" % n)
        if how == "legacy":
            legacy_header(path, a, align)
        else:
            write(path, a, version)
        with open(path, "rb") as f:
            major = f.read(8)[6]
        cases.append({
            "file": path,
            "descr": header_descr(a.dtype),
            "shape": list(a.shape),
            "fortran": bool(a.flags.f_contiguous and not a.flags.c_contiguous and a.ndim > 1),
            "version": major,
            "values": values(a),
        })

    for descr in SIMPLE:
        for shape, order in [((5,), "C"), ((3, 4), "C"), ((3, 4), "F"), ((2, 3, 4), "F")]:
            add(make_array(descr, shape, order))
    for descr in ["<f8", "|S3", RECORDS[0]]:
        add(make_array(descr, (), "C"))  # 0-d
        add(make_array(descr, (0,), "C"))  # empty
        add(make_array(descr, (2, 0, 3), "C"))
    for descr in RECORDS:
        dt = record_dtype(descr)
        for shape, order in [((4,), "C"), ((2, 3), "F")]:
            n_items = int(np.prod(shape))
            a = numbers(dt, n_items).reshape(shape)
            add(np.asfortranarray(a) if order == "F" else a)
    # header versions: 2.0 forced, 2.0 needed (a header over 64 KiB), 3.0 (utf-8 field names)
    add(make_array("<i4", (6,), "C"), version=(2, 0))
    many = np.dtype([("f%d" % i, "<u1") for i in range(6000)])
    add(np.zeros(2, many))
    add(numbers(np.dtype([("é", "<f4"), ("名", "<i2")]), 3))
    # other writers: old 16-byte padding, no padding at all (unaligned data)
    add(make_array("<f8", (5,), "C"), how="legacy", align=16)
    add(make_array("<i4", (2, 3), "F"), how="legacy", align=0)
    add(numbers(np.dtype(eval(RECORDS[0])), 3), how="legacy", align=0)
    return cases


def broken(root):
    good = io.BytesIO()
    np.save(good, np.arange(10, dtype="<f8"))
    good = good.getvalue()
    head_len = 128
    out = []

    def put(name, data, code):
        path = os.path.join(root, name)
        with open(path, "wb") as f:
            f.write(data)
        out.append({"file": path, "code": code})

    put("truncated_data.npy", good[:-8], "CORRUPT_HEADER")
    put("truncated_header.npy", good[:40], "CORRUPT_HEADER")
    put("tiny.npy", good[:5], "CORRUPT_HEADER")
    put("empty.npy", b"", "CORRUPT_HEADER")
    put("bad_magic.npy", b"\x93NUMPX" + good[6:], "CORRUPT_HEADER")
    put("bad_version.npy", good[:6] + b"\x04\x00" + good[8:], "CORRUPT_HEADER")
    put("huge_header_len.npy", good[:6] + b"\x02\x00" + struct.pack("<I", 0xFFFFFFF0) + good[10:], "CORRUPT_HEADER")
    lying = good[:head_len].replace(b"(10,)", b"(99,)")
    put("lying_shape.npy", lying + good[head_len:], "CORRUPT_HEADER")
    bad_dict = good[:10] + good[10:head_len].replace(b"'descr'", b"'dexcr'") + good[head_len:]
    put("bad_dict.npy", bad_dict, "CORRUPT_HEADER")
    bad_descr = good[:10] + good[10:head_len].replace(b"'<f8'", b"'<x8'") + good[head_len:]
    put("bad_descr.npy", bad_descr, "CORRUPT_HEADER")
    obj = io.BytesIO()
    np.save(obj, np.array([1, "a", None], dtype=object), allow_pickle=True)
    put("object.npy", obj.getvalue(), "INVALID_ARGUMENT")
    rec_obj = io.BytesIO()
    np.save(rec_obj, np.zeros(2, dtype=[("a", "<i4"), ("o", "O")]), allow_pickle=True)
    put("object_field.npy", rec_obj.getvalue(), "INVALID_ARGUMENT")
    return out


def check(pairs):
    problems = []
    for p in pairs:
        a = np.load(p["orig"], max_header_size=1 << 24)
        b = np.load(p["saved"], max_header_size=1 << 24)
        what = os.path.basename(p["orig"])
        if a.dtype != b.dtype or a.shape != b.shape:
            problems.append(f"{what}: {b.dtype} {b.shape} != {a.dtype} {a.shape}")
            continue
        if a.tobytes(order="A") != b.tobytes(order="A") or a.flags.f_contiguous != b.flags.f_contiguous:
            problems.append(f"{what}: data or order differs")
        ref = io.BytesIO()
        np.save(ref, a)
        with open(p["saved"], "rb") as f:
            if f.read() != ref.getvalue():
                problems.append(f"{what}: not byte-for-byte what np.save writes")
    return problems


if __name__ == "__main__":
    warnings.simplefilter("ignore")  # format 2.0/3.0 notices, casts of deliberate edge values
    np.seterr(all="ignore")
    if sys.argv[1] == "make":
        print(json.dumps({"ok": make(sys.argv[2]), "broken": broken(sys.argv[2])}))
    else:
        print(json.dumps(check(json.load(sys.stdin))))
