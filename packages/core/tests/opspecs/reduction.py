"""Specs for the reduction family: sums/products/moments/norms, cumulative ops, value
selections (max/min, sort, topk, median, mode, ...), unique and all/any.

Selection samples use distinct values (``distinct``) so indices are well defined, or
integer-valued ties (``tied``) where PyTorch's tie rule is deterministic (stable sorts,
unique, mode); distinct values are a permutation of 0..n-1, exact in every dtype.
"""

import math

import numpy
import torch

import ember
from opspecs import ALL, BOOL, COMPLEX, FLOATING, HALF, INTEGRAL, REAL, OpSpec, S


def distinct(make, *shape):
    n = int(numpy.prod(shape))
    return numpy.argsort(make(n)).reshape(shape).astype(numpy.float64)


def tied(make, *shape):
    return numpy.round(make(*shape, low=0, high=3))


def with_nan(a, *positions):
    a = numpy.array(a)
    for p in positions:
        a[p] = numpy.nan
    return a


ZEROS = numpy.array([[1.5, 0.0, 2.0, -0.5], [0.7, -1.2, 0.0, 1.1], [0.0, 0.0, 1.3, 2.0]])
ONE_ZERO = ZEROS[:2]
DIMS = lambda make: [  # noqa: E731
    S(make(2, 3, 4), -1),
    S(make(2, 3, 4), (0, 2)),
    S(make(2, 3, 4), (-1, 0), keepdim=True),
    S(make(4, 3).T, 0, keepdim=True),
    S(make(), 0),
    S(make(3, 4)),
]
EMPTY = lambda make: [S(make(0, 3), 1), S(make(0, 3))]  # noqa: E731
FLOAT_ALL = FLOATING + HALF + COMPLEX
SORTABLE = BOOL + REAL
# torch.nansum on 16-bit floats rounds partial sums between reduced dims (its own
# reduction order); Ember accumulates in float32 and rounds once: 1-2 ulp apart.
NANSUM_TOL = {"float16": (1e-2, 1e-2), "bfloat16": (5e-2, 5e-2)}
NO_BOOL_REAL = REAL


def _dim_samples(make, n=4):
    d = lambda *s: distinct(make, *s)  # noqa: E731
    return [
        S(d(3, n), 1),
        S(d(3, n), -2),
        S(d(3, n), -1, True),
        S(d(n, 3).T, 0),
        S(make(), 0),
        S(make(0, 3), 1),
    ]


SPECS = [
    # -- sums, means, products ---------------------------------------------------------
    OpSpec("sum_dims", ember.sum, torch.sum, ALL, lambda make: DIMS(make) + EMPTY(make)),
    OpSpec(
        "sum_dtype",
        lambda a, *d: ember.sum(a, *d, dtype=ember.float64),
        lambda a, *d: torch.sum(a, *d, dtype=torch.float64),
        INTEGRAL + FLOATING + HALF,
        lambda make: [S(make(3, 4)), S(make(3, 4), 1)],
    ),
    OpSpec(
        "mean_dims", ember.mean, torch.mean, FLOAT_ALL, lambda make: DIMS(make) + [S(make(0, 3), 1)]
    ),
    OpSpec(
        "mean_dtype",
        lambda a, *d: ember.mean(a, *d, dtype=ember.float32),
        lambda a, *d: torch.mean(a, *d, dtype=torch.float32),
        INTEGRAL,
        lambda make: [S(make(3, 4)), S(make(3, 4), 0)],
    ),
    OpSpec(
        "nansum",
        ember.nansum,
        torch.nansum,
        BOOL + INTEGRAL + FLOATING + HALF,
        lambda make: DIMS(make) + EMPTY(make),
        tol=NANSUM_TOL,
    ),
    OpSpec(
        "nansum_nan",
        ember.nansum,
        torch.nansum,
        FLOATING + HALF,
        tol=NANSUM_TOL,
        samples=lambda make: [
            S(with_nan(make(3, 4), (0, 1), (2, 3))),
            S(with_nan(make(3, 4), (0, 1), (2, 3)), 1, keepdim=True),
        ],
    ),
    OpSpec(
        "nanmean",
        ember.nanmean,
        torch.nanmean,
        FLOATING + HALF,
        tol=NANSUM_TOL,
        samples=lambda make: (
            DIMS(make)
            + [S(with_nan(make(3, 4), (0, 1), (1, 1), (2, 3)), 1), S(with_nan(make(3, 4), (0, 1)))]
        ),
    ),
    OpSpec(
        "prod",
        ember.prod,
        torch.prod,
        ALL,
        domain=(-2, 2),
        # torch.prod rounds each float16 partial product; Ember rounds once (float32 inside)
        tol={"float16": (1e-2, 1e-3)},
        samples=lambda make: [
            make(3, 4),
            S(make(2, 3, 4), 1),
            S(make(2, 3, 4), -1, True),
            S(make(4, 3).T, 0),
            make(),
            S(make(0, 3), 1),
            make(0, 3),
        ],
    ),
    OpSpec(
        "prod_zeros",
        ember.prod,
        torch.prod,
        FLOATING + COMPLEX,
        lambda make: [S(ONE_ZERO, 1), S(ONE_ZERO.T, 0, True)],
    ),
    OpSpec(
        "prod_two_zeros",
        ember.prod,
        torch.prod,
        FLOATING + COMPLEX,
        gradgrad=False,
        samples=lambda make: [S(ZEROS, 1), S(ZEROS, 0), S(ZEROS), S(ONE_ZERO)],
    ),
    # -- moments and norms -------------------------------------------------------------
    OpSpec(
        "var",
        ember.var,
        torch.var,
        FLOAT_ALL,
        lambda make: [
            make(3, 4),
            S(make(3, 4), 1),
            S(make(2, 3, 4), (0, 2), keepdim=True),
            S(make(3, 4), -1, correction=0),
            S(make(3, 4), 1, False),
            S(make(4, 3).T, 0),
            S(make(3, 4), correction=2),
        ],
    ),
    OpSpec(
        "std",
        ember.std,
        torch.std,
        FLOAT_ALL,
        lambda make: [
            make(3, 4),
            S(make(3, 4), 1),
            S(make(2, 3, 4), (0, 2), keepdim=True),
            S(make(3, 4), -1, correction=0),
            S(make(3, 4), 1, False),
            S(make(4, 3).T, 0),
        ],
    ),
    OpSpec(
        "var_mean",
        ember.var_mean,
        torch.var_mean,
        FLOATING + COMPLEX,
        lambda make: [make(3, 4), S(make(3, 4), 1, keepdim=True)],
    ),
    OpSpec(
        "std_mean",
        ember.std_mean,
        torch.std_mean,
        FLOATING + COMPLEX,
        lambda make: [make(3, 4), S(make(3, 4), 0, correction=0)],
    ),
    OpSpec(
        "norm",
        ember.norm,
        torch.norm,
        FLOAT_ALL,
        avoid=lambda a: abs(a) < 0.1,
        samples=lambda make: [
            make(3, 4),
            S(make(3, 4), 1, 1),
            S(make(3, 4), math.inf, 0),
            S(make(3, 4), 3, (0, 1)),
            S(make(2, 3, 4), "fro", (1, 2), True),
            S(make(4, 3).T, 2, -1),
            S(make(3, 4), -math.inf, 1),
            S(make(3, 4), 0.5, 1),
            make(),
            S(make(0, 3), 2, 1),
        ],
    ),
    OpSpec(
        "norm_zero_p", ember.norm, torch.norm, FLOATING, samples=lambda make: [S(make(3, 4), 0, 1)]
    ),
    OpSpec(
        "norm_nuc",
        ember.norm,
        torch.norm,
        FLOATING + COMPLEX,
        gradgrad=False,
        samples=lambda make: [S(make(3, 4), "nuc"), S(make(2, 3, 4), "nuc", (2, 1), True)],
    ),
    OpSpec(
        "logsumexp",
        ember.logsumexp,
        torch.logsumexp,
        ALL,
        lambda make: [
            S(make(3, 4), 1),
            S(make(2, 3, 4), (0, 2), True),
            S(make(4, 3).T, 0),
            S(make(), 0),
            S(make(0, 3), 1),
            S(make(2, 3, low=100, high=120), -1),
        ],
    ),
    OpSpec(
        "logsumexp_empty",
        ember.logsumexp,
        torch.logsumexp,
        ALL,
        grad=False,
        samples=lambda make: [S(make(0, 3), 0), S(make(2, 0), (0, 1), True)],
    ),
    # -- cumulative ----------------------------------------------------------------------
    OpSpec(
        "cumsum",
        ember.cumsum,
        torch.cumsum,
        ALL,
        lambda make: [
            S(make(3, 4), 1),
            S(make(3, 4), -2),
            S(make(4, 3).T, 0),
            S(make(), 0),
            S(make(0, 3), 1),
        ],
    ),
    OpSpec(
        "diff",
        ember.diff,
        torch.diff,
        ALL,
        lambda make: [
            S(make(5)),
            S(make(3, 4), n=2, dim=0),
            S(make(4, 3).T, 1, 0),
            S(make(3, 4), n=6),
            S(make(0, 3), dim=0),
            S(make(3, 2), prepend=make(1, 2), append=make(2, 2), dim=0),
        ],
    ),
    OpSpec(
        "cumsum_dtype",
        ember.cumsum,
        torch.cumsum,
        REAL,
        lambda make: [S(make(3, 4), 1, dtype=ember.float64)],
    ),
    OpSpec(
        "cumprod",
        ember.cumprod,
        torch.cumprod,
        ALL,
        domain=(-2, 2),
        samples=lambda make: [
            S(make(3, 4), 1),
            S(make(3, 4), -2),
            S(make(4, 3).T, 0),
            S(make(), 0),
            S(make(0, 3), 1),
        ],
    ),
    # First derivatives are exact at zeros; second derivatives there are not tracked.
    OpSpec(
        "cumprod_zeros",
        ember.cumprod,
        torch.cumprod,
        FLOATING + COMPLEX,
        gradgrad=False,
        samples=lambda make: [S(ONE_ZERO, 1), S(ZEROS, 1), S(ZEROS.T, 1), S(ZEROS, 0)],
    ),
    OpSpec(
        "cummax",
        ember.cummax,
        torch.cummax,
        SORTABLE,
        samples=lambda make: [
            S(distinct(make, 3, 4), 1),
            S(distinct(make, 4, 3).T, 0),
            S(make(), 0),
            S(make(0, 3), 1),
            S(distinct(make, 2, 3, 4), -1),
        ],
    ),
    OpSpec(
        "cummin",
        ember.cummin,
        torch.cummin,
        SORTABLE,
        samples=lambda make: [
            S(distinct(make, 3, 4), 1),
            S(distinct(make, 4, 3).T, 0),
            S(make(), 0),
        ],
    ),
    # -- value selections ----------------------------------------------------------------
    OpSpec("max_dim", ember.max, torch.max, SORTABLE, _dim_samples),
    OpSpec("min_dim", ember.min, torch.min, SORTABLE, _dim_samples),
    OpSpec(
        "max_all",
        ember.max,
        torch.max,
        SORTABLE,
        lambda make: [distinct(make, 3, 4), make(), distinct(make, 4, 3).T],
    ),
    OpSpec(
        "min_all",
        lambda a: a.min(),
        lambda a: a.min(),
        SORTABLE,
        lambda make: [distinct(make, 3, 4), make()],
    ),
    OpSpec(
        "max_binary",
        ember.max,
        torch.max,
        FLOATING,
        lambda make: [S(make(3, 4), make(3, 4)), S(make(3, 1), make(4))],
    ),
    OpSpec("amax", ember.amax, torch.amax, SORTABLE, lambda make: DIMS(make) + [S(make(0, 3), 1)]),
    OpSpec("amin", ember.amin, torch.amin, SORTABLE, lambda make: DIMS(make)),
    OpSpec(
        "aminmax",
        ember.aminmax,
        torch.aminmax,
        SORTABLE,
        lambda make: [
            S(make(3, 4)),
            S(make(3, 4), dim=1),
            S(make(3, 4), dim=-1, keepdim=True),
            S(make(4, 3).T, dim=0),
        ],
    ),
    OpSpec(
        "argmax",
        ember.argmax,
        torch.argmax,
        NO_BOOL_REAL,
        grad=False,
        samples=lambda make: [
            S(distinct(make, 3, 4)),
            S(distinct(make, 3, 4), 1),
            S(distinct(make, 3, 4), -1, True),
            S(distinct(make, 3, 4), keepdim=True),
            S(distinct(make, 4, 3).T, 0),
            S(make(), 0),
            S(make()),
        ],
    ),
    OpSpec(
        "argmin",
        ember.argmin,
        torch.argmin,
        NO_BOOL_REAL,
        grad=False,
        samples=lambda make: [
            S(distinct(make, 3, 4)),
            S(distinct(make, 3, 4), 0),
            S(distinct(make, 4, 3).T, -1),
        ],
    ),
    OpSpec(
        "median_all",
        ember.median,
        torch.median,
        NO_BOOL_REAL,
        lambda make: [distinct(make, 3, 4), distinct(make, 5), make()],
    ),
    OpSpec(
        "median_dim",
        ember.median,
        torch.median,
        NO_BOOL_REAL,
        lambda make: _dim_samples(make, 5)[:5] + [S(distinct(make, 3, 4), 1)],
    ),
    OpSpec(
        "median_nan",
        ember.median,
        torch.median,
        FLOATING + HALF,
        grad=False,
        samples=lambda make: [
            S(with_nan(distinct(make, 3, 4), (1, 2)), 1),
            S(with_nan(distinct(make, 3, 4), (0, 0))),
        ],
    ),
    OpSpec(
        "nanmedian",
        ember.nanmedian,
        torch.nanmedian,
        NO_BOOL_REAL,
        lambda make: [
            distinct(make, 3, 4),
            S(distinct(make, 3, 5), 1),
            S(distinct(make, 3, 4), 0, True),
        ],
    ),
    OpSpec(
        "nanmedian_nan",
        ember.nanmedian,
        torch.nanmedian,
        FLOATING + HALF,
        lambda make: [
            S(with_nan(distinct(make, 3, 5), (0, 1), (1, 1), (1, 3)), 1),
            S(with_nan(distinct(make, 3, 4), (0, 0))),
        ],
    ),
    # Ties are what mode is about, so no gradcheck (grads vs torch: test_reduction.py).
    OpSpec(
        "mode",
        ember.mode,
        torch.mode,
        SORTABLE,
        grad=False,
        samples=lambda make: [
            S(tied(make, 3, 6), 1),
            S(tied(make, 6, 3), 0, True),
            S(tied(make, 4, 3).T, -1),
            S(make(), 0),
        ],
    ),
    OpSpec(
        "sort",
        ember.sort,
        torch.sort,
        SORTABLE,
        samples=lambda make: [
            S(distinct(make, 3, 4)),
            S(distinct(make, 3, 4), 0),
            S(distinct(make, 3, 4), descending=True),
            S(distinct(make, 4, 3).T, -1, True),
            S(make(), 0),
            S(make(0, 3), 1),
        ],
    ),
    OpSpec(
        "sort_stable_ties",
        ember.sort,
        torch.sort,
        SORTABLE,
        grad=False,
        samples=lambda make: [
            S(tied(make, 3, 6), dim=1, stable=True),
            S(tied(make, 3, 6), dim=1, descending=True, stable=True),
            S(tied(make, 6, 3).T, dim=0, stable=True),
        ],
    ),
    OpSpec(
        "argsort",
        ember.argsort,
        torch.argsort,
        SORTABLE,
        grad=False,
        samples=lambda make: [
            S(distinct(make, 3, 4)),
            S(distinct(make, 3, 4), 0, True),
            S(tied(make, 3, 6), dim=1, stable=True),
            S(tied(make, 3, 6), dim=1, descending=True, stable=True),
        ],
    ),
    OpSpec(
        "topk",
        ember.topk,
        torch.topk,
        NO_BOOL_REAL,
        samples=lambda make: [
            S(distinct(make, 3, 5), 2),
            S(distinct(make, 3, 5), 3, 0),
            S(distinct(make, 3, 5), 2, largest=False),
            S(distinct(make, 4, 3).T, 1, -1),
            S(distinct(make, 3, 5), 0),
            S(make(), 1),
        ],
    ),
    OpSpec(
        "kthvalue",
        ember.kthvalue,
        torch.kthvalue,
        NO_BOOL_REAL,
        samples=lambda make: [
            S(distinct(make, 3, 5), 2),
            S(distinct(make, 3, 5), 1, 0, True),
            S(distinct(make, 4, 3).T, 3, -1),
            S(make(), 1),
        ],
    ),
    # -- unique, counting, logical -------------------------------------------------------
    OpSpec(
        "unique",
        ember.unique,
        torch.unique,
        SORTABLE,
        grad=False,
        samples=lambda make: [
            S(tied(make, 3, 4)),
            S(tied(make, 3, 4), return_inverse=True, return_counts=True),
            S(tied(make, 3, 4)[[0, 1, 0]], dim=0, return_inverse=True, return_counts=True),
            S(tied(make, 4, 3).T, return_inverse=True),
            S(make(0, 3)),
        ],
    ),
    OpSpec(
        "unique_consecutive",
        ember.unique_consecutive,
        torch.unique_consecutive,
        SORTABLE,
        grad=False,
        samples=lambda make: [
            S(tied(make, 12)),
            S(tied(make, 3, 4), return_inverse=True, return_counts=True),
            S(tied(make, 3, 4)[[0, 0, 1, 1, 0]], dim=0, return_inverse=True, return_counts=True),
        ],
    ),
    OpSpec(
        "count_nonzero",
        ember.count_nonzero,
        torch.count_nonzero,
        ALL,
        grad=False,
        samples=lambda make: [
            S(tied(make, 3, 4)),
            S(tied(make, 3, 4), 1),
            S(tied(make, 3, 4), (0, 1)),
            S(make(0, 3), 0),
        ],
    ),
    OpSpec(
        "all",
        ember.all,
        torch.all,
        ALL,
        grad=False,
        samples=lambda make: [
            S(tied(make, 3, 4)),
            S(tied(make, 3, 4), 1),
            S(tied(make, 3, 4), -1, True),
            S(tied(make, 3, 4), (0, 1)),
            S(make(0, 3), 1),
            S(make()),
        ],
    ),
    OpSpec(
        "any",
        ember.any,
        torch.any,
        ALL,
        grad=False,
        samples=lambda make: [
            S(tied(make, 3, 4)),
            S(tied(make, 3, 4), 0),
            S(tied(make, 3, 4), -1, True),
            S(make(0, 3), 1),
            S(make()),
        ],
    ),
]
