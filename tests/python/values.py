"""The deterministic test values both sides compute: element k (flat C index) of a dtype."""
import numpy as np


def value(kind: str, itemsize: int, k: int):
    if kind == "b":
        return k % 3 == 0
    if kind == "i":
        return 2**60 + k if itemsize == 8 else (k % 100) - 50
    if kind == "u":
        return 2**63 + k if itemsize == 8 else k % 200
    if kind == "f":
        return k * 0.25 - 3
    if kind == "c":
        return complex(k + 0.5, -k)
    raise ValueError(kind)


def expected(dtype: np.dtype, shape, shift: int = 0) -> np.ndarray:
    n = int(np.prod(shape)) if shape else 1
    flat = [value(dtype.kind, dtype.itemsize, k + shift) for k in range(n)]
    return np.array(flat, dtype=dtype).reshape(shape)
