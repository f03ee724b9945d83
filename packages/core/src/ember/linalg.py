"""``ember.linalg``: norms, inverses, decompositions and solvers, as ``torch.linalg``.

The implementations live in ``ember._ops.linalg``; this module gives them torch.linalg's
names (``ember.linalg.cholesky`` takes ``upper`` by keyword, ``ember.linalg.cross`` defaults
to ``dim=-1``, unlike their top-level namesakes).
"""

from ember._ops.linalg import (
    LinAlgError,
    cholesky_ex,
    cond,
    det,
    eig,
    eigh,
    eigvals,
    eigvalsh,
    inv,
    inv_ex,
    lstsq,
    matmul,
    matrix_exp,
    matrix_norm,
    matrix_power,
    matrix_rank,
    multi_dot,
    norm,
    pinv,
    qr,
    slogdet,
    solve,
    solve_triangular,
    svd,
    svdvals,
    tensorinv,
    tensorsolve,
    vander,
    vecdot,
    vector_norm,
)
from ember._ops.linalg import linalg_cholesky as cholesky
from ember._ops.linalg import linalg_cross as cross
from ember._ops.linalg import linalg_diagonal as diagonal

__all__ = [
    "LinAlgError",
    "cholesky",
    "cholesky_ex",
    "cond",
    "cross",
    "det",
    "diagonal",
    "eig",
    "eigh",
    "eigvals",
    "eigvalsh",
    "inv",
    "inv_ex",
    "lstsq",
    "matmul",
    "matrix_exp",
    "matrix_norm",
    "matrix_power",
    "matrix_rank",
    "multi_dot",
    "norm",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "solve_triangular",
    "svd",
    "svdvals",
    "tensorinv",
    "tensorsolve",
    "vander",
    "vecdot",
    "vector_norm",
]
