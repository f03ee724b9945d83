"""Specs for matrix products, einsum and ``ember.linalg``.

Matrices are built well-conditioned in the sample (``make(3, 3) + 3 * eye``); Hermitian and
positive-definite inputs are made inside the op (``a @ a.mH + 3 I``) so that gradcheck's
perturbations stay in the op's domain. Decompositions are compared through gauge-invariant
functions of their outputs (``U * U.conj()``), as PyTorch's OpInfo does.
"""

import math

import numpy
import torch

import ember
from opspecs import COMPLEX, FLOATING, HALF, INTEGRAL, S
from opspecs import OpSpec as _OpSpec

FC = FLOATING + COMPLEX
EYE3 = 3 * numpy.eye(3)
# LAPACK in single precision: Ember's and PyTorch's routines round differently.
TOL32 = {"float32": (1e-4, 1e-4), "complex64": (1e-4, 1e-4)}


def OpSpec(*args, **kwargs):  # noqa: N802 - the registry's constructor, with a float32 tolerance
    kwargs.setdefault("tol", TOL32)
    return _OpSpec(*args, **kwargs)


def _wc(make, *batch, n=3):
    """A well-conditioned (diagonally dominant) matrix."""
    return make(*batch, n, n, low=-1, high=1) + 3 * numpy.eye(n)


def _eye_e(a, scale=3.0):
    n = a.shape[-1]
    return ember.from_numpy(scale * numpy.eye(n, dtype=a.dtype.name))


def _eye_t(a, scale=3.0):
    return scale * torch.eye(a.shape[-1], dtype=a.dtype)


def _spd_e(a):
    return a @ a.mT.conj() + _eye_e(a)


def _spd_t(a):
    return a @ a.mH + _eye_t(a)


def _herm_e(a):
    return a + a.mT.conj()


def _herm_t(a):
    return a + a.mH


def _eins(name, eq, samples, dtypes=FC):
    return OpSpec(
        name,
        lambda *ops: ember.einsum(eq, *ops),
        lambda *ops: torch.einsum(eq, *ops),
        dtypes,
        samples,
    )


def _svd_e(a, full=False):
    u, s, vh = ember.linalg.svd(a, full_matrices=full)
    return u * u.conj(), s, vh * vh.conj()


def _svd_t(a, full=False):
    u, s, vh = torch.linalg.svd(a, full_matrices=full)
    return u * u.conj(), s, vh * vh.conj()


def _eigh_e(a, uplo="L"):
    w, v = ember.linalg.eigh(_herm_e(a), UPLO=uplo)
    return w, v * v.conj()


def _eigh_t(a, uplo="L"):
    w, v = torch.linalg.eigh(_herm_t(a), UPLO=uplo)
    return w, v * v.conj()


def _eig_e(a):
    # LAPACK builds may order eigenpairs differently: compare order- and phase-invariant
    # functions of them.
    w, v = ember.linalg.eig(a)
    return ((v * v.conj()) * w.unsqueeze(-2)).sum(-1), (w * w).sum(-1)


def _eig_t(a):
    w, v = torch.linalg.eig(a)
    return ((v * v.conj()) * w.unsqueeze(-2)).sum(-1), (w * w).sum(-1)


def _eigvals_e(a):
    w = ember.linalg.eigvals(a)
    return w.sum(-1), (w * w * w).sum(-1)


def _eigvals_t(a):
    w = torch.linalg.eigvals(a)
    return w.sum(-1), (w * w * w).sum(-1)


NONZERO = lambda a: abs(a) < 0.1  # noqa: E731 - |x| has a kink at 0

SPECS = [
    # -- products --------------------------------------------------------------------------
    OpSpec(
        "mm",
        ember.mm,
        torch.mm,
        FC,
        lambda make: [
            S(make(3, 4), make(4, 5)),
            S(make(4, 3).T, make(4, 2)),
            S(make(0, 3), make(3, 2)),
        ],
    ),
    OpSpec(
        "bmm",
        ember.bmm,
        torch.bmm,
        FC,
        lambda make: [
            S(make(2, 3, 4), make(2, 4, 5)),
            S(make(2, 4, 3).transpose(0, 2, 1), make(2, 4, 2)),
        ],
    ),
    OpSpec("mv", ember.mv, torch.mv, FC, lambda make: [S(make(3, 4), make(4))]),
    OpSpec("dot", ember.dot, torch.dot, FC, lambda make: [S(make(4), make(4))]),
    OpSpec("vdot", ember.vdot, torch.vdot, FC, lambda make: [S(make(4), make(4))]),
    OpSpec("outer", ember.outer, torch.outer, FC, lambda make: [S(make(3), make(4))]),
    OpSpec("ger", ember.ger, torch.outer, FLOATING, lambda make: [S(make(3), make(2))]),
    OpSpec(
        "inner",
        ember.inner,
        torch.inner,
        FC,
        lambda make: [S(make(2, 3), make(4, 3)), S(make(3), make(3)), S(make(), make(2, 3))],
    ),
    OpSpec(
        "tensordot",
        ember.tensordot,
        torch.tensordot,
        FC,
        lambda make: [
            S(make(2, 3, 4), make(3, 4, 5)),
            S(make(2, 3, 4), make(4, 3), dims=([1, 2], [1, 0])),
            S(make(2, 3), make(4), dims=0),
            S(make(3, 2), make(3, 4), dims=([0], [0])),
        ],
    ),
    OpSpec(
        "addmm",
        lambda i, a, b: ember.addmm(i, a, b, beta=0.5, alpha=2),
        lambda i, a, b: torch.addmm(i, a, b, beta=0.5, alpha=2),
        FC,
        lambda make: [S(make(3, 5), make(3, 4), make(4, 5)), S(make(5), make(3, 4), make(4, 5))],
    ),
    OpSpec(
        "addmm_beta0",
        lambda i, a, b: ember.addmm(i, a, b, beta=0),
        lambda i, a, b: torch.addmm(i, a, b, beta=0),
        FLOATING,
        lambda make: [S(make(3, 5), make(3, 4), make(4, 5))],
    ),
    OpSpec(
        "addmv",
        lambda i, a, b: ember.addmv(i, a, b, beta=2, alpha=0.5),
        lambda i, a, b: torch.addmv(i, a, b, beta=2, alpha=0.5),
        FC,
        lambda make: [S(make(3), make(3, 4), make(4))],
    ),
    OpSpec(
        "baddbmm",
        lambda i, a, b: ember.baddbmm(i, a, b, beta=0.5, alpha=2),
        lambda i, a, b: torch.baddbmm(i, a, b, beta=0.5, alpha=2),
        FC,
        lambda make: [
            S(make(2, 3, 5), make(2, 3, 4), make(2, 4, 5)),
            S(make(3, 5), make(2, 3, 4), make(2, 4, 5)),
        ],
    ),
    OpSpec(
        "addbmm",
        lambda i, a, b: ember.addbmm(i, a, b, alpha=2),
        lambda i, a, b: torch.addbmm(i, a, b, alpha=2),
        FC,
        lambda make: [S(make(3, 5), make(2, 3, 4), make(2, 4, 5))],
    ),
    OpSpec(
        "addr",
        lambda i, a, b: ember.addr(i, a, b, beta=2),
        lambda i, a, b: torch.addr(i, a, b, beta=2),
        FC,
        lambda make: [S(make(3, 4), make(3), make(4))],
    ),
    OpSpec(
        "kron",
        ember.kron,
        torch.kron,
        FC,
        lambda make: [S(make(2, 3), make(2, 2)), S(make(3), make(2, 2))],
    ),
    OpSpec(
        "trace",
        ember.trace,
        torch.trace,
        FC + INTEGRAL,
        lambda make: [make(3, 3), make(3, 4), make(4, 3).T],
    ),
    OpSpec(
        "cross",
        lambda a, b: ember.cross(a, b, dim=0),
        lambda a, b: torch.cross(a, b, dim=0),
        FC,
        lambda make: [S(make(3, 2), make(3, 2))],
    ),
    OpSpec(
        "linalg_cross",
        ember.linalg.cross,
        torch.linalg.cross,
        FC,
        lambda make: [
            S(make(4, 3), make(4, 3)),
            S(make(2, 1, 3), make(1, 4, 3)),
            S(make(3, 4), make(3, 4), dim=0),
        ],
    ),
    # -- einsum ----------------------------------------------------------------------------
    _eins("einsum_mm", "ij,jk->ik", lambda make: [S(make(3, 4), make(4, 2))]),
    _eins("einsum_bmm", "bij,bjk->bik", lambda make: [S(make(2, 3, 4), make(2, 4, 2))]),
    _eins("einsum_implicit", "ij,jk", lambda make: [S(make(3, 4), make(4, 2))]),
    _eins("einsum_transpose", "ij->ji", lambda make: [S(make(3, 4))]),
    _eins("einsum_diag", "ii->i", lambda make: [S(make(3, 3))]),
    _eins("einsum_trace", "ii", lambda make: [S(make(3, 3))]),
    _eins("einsum_sum", "ij->", lambda make: [S(make(3, 4))]),
    _eins("einsum_rowsum", "ij->i", lambda make: [S(make(3, 4))]),
    _eins("einsum_dot", "i,i", lambda make: [S(make(4), make(4))]),
    _eins("einsum_outer", "i,j->ij", lambda make: [S(make(3), make(4))]),
    _eins("einsum_hadamard", "ij,ij->ij", lambda make: [S(make(3, 4), make(3, 4))]),
    _eins(
        "einsum_ellipsis",
        "...ij,...jk->...ik",
        lambda make: [
            S(make(2, 3, 4), make(2, 4, 2)),
            S(make(2, 3, 4), make(4, 2)),
            S(make(3, 4), make(5, 4, 2)),
        ],
    ),
    _eins("einsum_three", "bn,anm,bm->ba", lambda make: [S(make(2, 3), make(4, 3, 5), make(2, 5))]),
    _eins("einsum_diag_mixed", "iij,j->i", lambda make: [S(make(3, 3, 4), make(4))]),
    _eins("einsum_batch_diag", "bii->b", lambda make: [S(make(2, 3, 3))]),
    # -- inverses, determinants, solvers ---------------------------------------------------
    OpSpec(
        "linalg_inv",
        ember.linalg.inv,
        torch.linalg.inv,
        FC,
        lambda make: [_wc(make), _wc(make, 2), _wc(make).T, _wc(make, n=1)],
    ),
    OpSpec("inverse", ember.inverse, torch.inverse, FLOATING, lambda make: [_wc(make)]),
    OpSpec(
        "linalg_det",
        ember.linalg.det,
        torch.linalg.det,
        FC,
        lambda make: [_wc(make), _wc(make, 2), make(3, 3) - EYE3, _wc(make).T, make(0, 0)],
    ),
    OpSpec("det", ember.det, torch.det, FLOATING, lambda make: [_wc(make, 2)]),
    OpSpec(
        "linalg_slogdet",
        ember.linalg.slogdet,
        torch.linalg.slogdet,
        FC,
        lambda make: [_wc(make), _wc(make, 2), make(3, 3) - EYE3],
    ),
    OpSpec(
        "logdet",
        ember.logdet,
        torch.logdet,
        FLOATING,
        lambda make: [make(3, 3, low=-1, high=1) + EYE3, make(2, 3, 3, low=-1, high=1) + EYE3],
    ),
    OpSpec(
        "linalg_solve",
        ember.linalg.solve,
        torch.linalg.solve,
        FC,
        lambda make: [
            S(_wc(make), make(3, 2)),
            S(_wc(make), make(3)),
            S(_wc(make, 2), make(3, 2)),
            S(_wc(make), make(2, 3, 2)),
            S(_wc(make, 2), make(2, 3)),
            S(_wc(make).T, make(3, 4)),
            S(_wc(make), make(2, 3), left=False),
        ],
    ),
    OpSpec(
        "linalg_solve_triangular",
        ember.linalg.solve_triangular,
        torch.linalg.solve_triangular,
        FC,
        lambda make: [
            S(_wc(make), make(3, 2), upper=True),
            S(_wc(make, 2), make(2, 3), upper=False, left=False),
            S(_wc(make), make(3, 2), upper=False, unitriangular=True),
        ],
    ),
    OpSpec(
        "linalg_cholesky",
        lambda a: ember.linalg.cholesky(_spd_e(a)),
        lambda a: torch.linalg.cholesky(_spd_t(a)),
        FC,
        lambda make: [make(3, 3), make(2, 4, 4), make(1, 1)],
    ),
    OpSpec(
        "linalg_cholesky_upper",
        lambda a: ember.linalg.cholesky(_spd_e(a), upper=True),
        lambda a: torch.linalg.cholesky(_spd_t(a), upper=True),
        FC,
        lambda make: [make(3, 3)],
    ),
    OpSpec(
        "cholesky_legacy",
        lambda a: ember.cholesky(_spd_e(a), True),
        lambda a: torch.linalg.cholesky(_spd_t(a), upper=True),
        FLOATING,
        lambda make: [make(3, 3)],
    ),
    # -- decompositions --------------------------------------------------------------------
    OpSpec(
        "linalg_qr",
        ember.linalg.qr,
        torch.linalg.qr,
        FC,
        lambda make: [make(4, 3), make(3, 3), make(2, 4, 3), make(3, 5), make(3, 4).T],
    ),
    OpSpec(
        "linalg_qr_complete",
        lambda a: ember.linalg.qr(a, mode="complete"),
        lambda a: torch.linalg.qr(a, mode="complete"),
        FC,
        lambda make: [make(3, 3), make(3, 5)],
    ),
    OpSpec(
        "linalg_qr_r",
        lambda a: ember.linalg.qr(a, mode="r").R,
        lambda a: torch.linalg.qr(a, mode="r").R,
        FC,
        lambda make: [make(4, 3)],
        grad=False,
    ),
    OpSpec(
        "linalg_svd",
        _svd_e,
        _svd_t,
        FC,
        lambda make: [make(4, 3), make(3, 5), make(2, 3, 3), make(3, 4).T],
    ),
    OpSpec(
        "linalg_svd_full_s",
        lambda a: ember.linalg.svd(a).S,
        lambda a: torch.linalg.svd(a).S,
        FC,
        lambda make: [make(4, 3), make(3, 5)],
    ),
    OpSpec(
        "linalg_svdvals",
        ember.linalg.svdvals,
        torch.linalg.svdvals,
        FC,
        lambda make: [make(4, 3), make(2, 3, 5)],
    ),
    OpSpec(
        "linalg_eigh",
        _eigh_e,
        _eigh_t,
        FC,
        lambda make: [make(3, 3), make(2, 4, 4), S(make(3, 3), "U")],
    ),
    OpSpec(
        "linalg_eigvalsh",
        lambda a: ember.linalg.eigvalsh(_herm_e(a)),
        lambda a: torch.linalg.eigvalsh(_herm_t(a)),
        FC,
        lambda make: [make(3, 3), make(2, 4, 4)],
    ),
    OpSpec(
        "linalg_pinv",
        ember.linalg.pinv,
        torch.linalg.pinv,
        FC,
        lambda make: [make(4, 3), make(3, 5), make(2, 3, 4), _wc(make, 2), make(3, 4).T],
        tol=TOL32,
    ),
    OpSpec(
        "linalg_pinv_hermitian",
        lambda a, c: ember.linalg.pinv(_spd_e(a) * c, hermitian=True),
        lambda a, c: torch.linalg.pinv(_spd_t(a) * c, hermitian=True),
        FC,
        lambda make: [S(make(3, 3), 1.0), S(make(2, 3, 3), -1.0)],
        tol=TOL32,
    ),
    OpSpec("pinverse", ember.pinverse, torch.pinverse, FLOATING, lambda make: [make(4, 3)]),
    OpSpec(
        "linalg_lstsq",
        lambda a, b: ember.linalg.lstsq(a, b).solution,
        lambda a, b: torch.linalg.lstsq(a, b).solution,
        FC,
        lambda make: [
            S(make(5, 3), make(5, 2)),
            S(make(2, 5, 3), make(2, 5, 2)),
            S(make(5, 3), make(5)),
            S(_wc(make), make(3, 2)),
        ],
        tol={"float32": (1e-4, 1e-4)},
    ),
    OpSpec(
        "linalg_matrix_rank",
        ember.linalg.matrix_rank,
        torch.linalg.matrix_rank,
        FC,
        lambda make: [make(4, 3), make(2, 3, 3), S(make(3, 3), hermitian=True)],
        grad=False,
    ),
    # -- matrix functions ------------------------------------------------------------------
    OpSpec(
        "linalg_matrix_exp",
        ember.linalg.matrix_exp,
        torch.linalg.matrix_exp,
        FC,
        lambda make: [make(3, 3), make(2, 3, 3), make(3, 3) * 1.5, make(1, 1), make(3, 3).T],
        tol={"float32": (1e-4, 1e-4), "complex64": (1e-4, 1e-4)},
    ),
    OpSpec(
        "linalg_matrix_power",
        ember.linalg.matrix_power,
        torch.linalg.matrix_power,
        FC,
        lambda make: [
            S(make(3, 3), 3),
            S(make(2, 3, 3), 1),
            S(_wc(make), -2),
            S(make(3, 3), 0),
            S(make(3, 3), 6),
        ],
        tol=TOL32,
    ),
    OpSpec(
        "linalg_multi_dot",
        lambda *ts: ember.linalg.multi_dot(ts),
        lambda *ts: torch.linalg.multi_dot(ts),
        FC,
        lambda make: [
            S(make(3), make(3, 4), make(4, 2)),
            S(make(2, 3), make(3, 4)),
            S(make(2, 3), make(3, 6), make(6, 2), make(2)),
        ],
    ),
    OpSpec(
        "chain_matmul",
        lambda *ts: ember.chain_matmul(*ts),
        lambda *ts: torch.linalg.multi_dot(ts),
        FLOATING,
        lambda make: [S(make(2, 3), make(3, 4), make(4, 2))],
    ),
    OpSpec(
        "linalg_vecdot",
        ember.linalg.vecdot,
        torch.linalg.vecdot,
        FC,
        lambda make: [S(make(2, 3), make(3)), S(make(3, 2), make(3, 2), dim=0)],
    ),
    OpSpec(
        "linalg_matmul",
        ember.linalg.matmul,
        torch.linalg.matmul,
        FLOATING,
        lambda make: [S(make(2, 3), make(3, 2))],
    ),
    # -- norms -----------------------------------------------------------------------------
    OpSpec(
        "linalg_vector_norm",
        ember.linalg.vector_norm,
        torch.linalg.vector_norm,
        FC,
        lambda make: [
            make(3, 4),
            S(make(3, 4), 1),
            S(make(3, 4), math.inf),
            S(make(3, 4), -math.inf),
            S(make(3, 4), 3, dim=1),
            S(make(2, 3, 4), 2, dim=(0, 2), keepdim=True),
            S(make(3, 4), 0.5),
            S(make(4, 3).T, 2, dim=-1),
            make(),
            S(make(3, 4), 0),
        ],
        avoid=NONZERO,
    ),
    OpSpec(
        "linalg_matrix_norm",
        ember.linalg.matrix_norm,
        torch.linalg.matrix_norm,
        FC,
        lambda make: [
            make(3, 4),
            S(make(3, 4), "nuc"),
            S(make(3, 4), 2),
            S(make(3, 4), -2),
            S(make(3, 4), 1),
            S(make(3, 4), -1),
            S(make(3, 4), math.inf),
            S(make(3, 4), -math.inf),
            S(make(2, 3, 4), "fro", dim=(0, 2)),
            S(make(2, 3, 4), 1, dim=(2, 0), keepdim=True),
            S(make(2, 3, 4), "nuc"),
        ],
        avoid=NONZERO,
    ),
    OpSpec(
        "linalg_norm",
        ember.linalg.norm,
        torch.linalg.norm,
        FC,
        lambda make: [
            make(3, 4),
            S(make(3, 4), "fro"),
            S(make(3, 4), 1),
            S(make(4), 3),
            S(make(2, 3, 4), None, (1, 2)),
            S(make(2, 3, 4), 2, 1, True),
        ],
        avoid=NONZERO,
    ),
    # p='fro' / 1 are checked in test_linalg.py: PyTorch's own backward for them fails
    # (an in-place op on a saved inverse).
    OpSpec(
        "linalg_cond",
        ember.linalg.cond,
        torch.linalg.cond,
        FLOATING,
        lambda make: [_wc(make), make(2, 3, 3), S(make(4, 3), -2)],
    ),
    OpSpec(
        "linalg_vector_norm_half",
        ember.linalg.vector_norm,
        torch.linalg.vector_norm,
        HALF,
        lambda make: [make(3, 4), S(make(3, 4), 1, dim=0), S(make(3, 4), math.inf)],
    ),
    OpSpec(
        "linalg_matrix_norm_empty",
        ember.linalg.matrix_norm,
        torch.linalg.matrix_norm,
        FLOATING,
        lambda make: [S(make(2, 0, 3), 2), S(make(0, 3), "nuc"), S(make(2, 3, 0), 1)],
    ),
    OpSpec(
        "linalg_eig", _eig_e, _eig_t, FC, lambda make: [make(3, 3), make(2, 4, 4), make(3, 3).T]
    ),
    OpSpec(
        "linalg_eigvals",
        _eigvals_e,
        _eigvals_t,
        FC,
        lambda make: [make(3, 3), make(2, 4, 4)],
    ),
    OpSpec(
        "linalg_tensorinv",
        ember.linalg.tensorinv,
        torch.linalg.tensorinv,
        FC,
        lambda make: [
            S(_wc(make, n=6).reshape(2, 3, 6), 2),
            S(_wc(make, n=4).reshape(4, 2, 2), ind=1),
        ],
    ),
    OpSpec(
        "linalg_tensorsolve",
        ember.linalg.tensorsolve,
        torch.linalg.tensorsolve,
        FC,
        lambda make: [
            S(_wc(make, n=6).reshape(2, 3, 6), make(2, 3)),
            S(_wc(make, n=6).reshape(6, 2, 3), make(6)),
            S(_wc(make, n=6).reshape(2, 3, 6).transpose(2, 0, 1), make(2, 3), dims=(0,)),
        ],
    ),
    OpSpec(
        "linalg_vander",
        ember.linalg.vander,
        torch.linalg.vander,
        FC + INTEGRAL,
        lambda make: [make(3), make(2, 4), S(make(3), N=5)],
    ),
]
