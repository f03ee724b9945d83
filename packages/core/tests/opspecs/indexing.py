"""Specs for the indexing family: getitem/setitem, gather/scatter, index_*, masks, take/put.

Index arguments are ``Fixed`` int64 arrays and masks ``Fixed`` bool arrays; duplicate
indices appear wherever the op accumulates (their gradients must add up)."""

import numpy
import torch

import ember
from opspecs import ALL, COMPLEX, FLOATING, HALF, INTEGRAL, REAL, Fixed, OpSpec, S

I64 = numpy.int64
NUMERIC = INTEGRAL + HALF + FLOATING + COMPLEX
HALF_TOL = {"float16": (1e-2, 1e-2), "bfloat16": (5e-2, 5e-2)}


def idx(*values):
    return Fixed(numpy.array(values, I64))


def mask(*values):
    return Fixed(numpy.array(values, bool))


MASK34 = [[True, False, True, True], [False, False, False, False], [True, True, False, True]]


def _get(key):
    return lambda x: x[key]


def _set(key):
    def f(x, v):
        y = x.clone()
        y[key] = v
        return y

    return f


def _set_arg(x, key, v):
    y = x.clone()
    y[key] = v
    return y


def _same(name, fn, dtypes, samples, **kw):
    return OpSpec(name, fn, fn, dtypes, samples, **kw)


def _both(name, dtypes, samples, **kw):
    return OpSpec(name, getattr(ember, name), getattr(torch, name), dtypes, samples, **kw)


def _m(fn):
    return lambda a, *args, **kw: getattr(a, fn)(*args, **kw)


def _inplace(fn):
    return lambda a, *args, **kw: getattr(a.clone(), fn)(*args, **kw)


SPECS = [
    # -- getitem ------------------------------------------------------------------------------
    _same("getitem_int", _get(1), ALL, lambda make: [make(3, 4), make(3)]),
    _same("getitem_neg_ints", _get((-1, 2)), ALL, lambda make: [make(3, 4), make(4, 3).T]),
    _same(
        "getitem_slices",
        _get((slice(1, None), slice(None, None, 2))),
        ALL,
        lambda make: [make(3, 4), make(4, 3).T, make(0, 4)],
    ),
    _same(
        "getitem_none_ellipsis",
        _get((None, Ellipsis, 1)),
        ALL,
        lambda make: [make(3, 4), make(2, 3, 4)],
    ),
    _same("getitem_ellipsis_only", _get(Ellipsis), FLOATING, lambda make: [make(), make(2)]),
    _same("getitem_none_0d", _get(None), FLOATING, lambda make: [make()]),
    _same("getitem_list", _get([0, 2, 0]), ALL, lambda make: [make(3, 4), make(4, 3).T]),
    _same("getitem_two_lists", _get(([0, 2, 2], [1, 1, 3])), ALL, lambda make: [make(3, 4)]),
    _same(
        "getitem_broadcast_lists", _get(([[0], [2]], [1, 3, 1])), NUMERIC, lambda make: [make(3, 4)]
    ),
    _same(
        "getitem_slice_list",
        _get((slice(None), [3, 0, 3])),
        ALL,
        lambda make: [make(3, 4), make(4, 3).T],
    ),
    _same(
        "getitem_separated_lists",
        _get(([0, 1], slice(None), [1, 0])),
        NUMERIC,
        lambda make: [make(2, 3, 4)],
    ),
    _same(
        "getitem_list_none",
        _get((None, [1, 0], Ellipsis, None)),
        FLOATING,
        lambda make: [make(2, 3)],
    ),
    _same("getitem_true", _get(True), FLOATING, lambda make: [make(3), make()]),
    _same(
        "getitem_tensor",
        lambda x, i: x[i],
        ALL,
        lambda make: [
            S(make(3, 4), idx(0, 2, 0, -1)),
            S(make(3, 4), idx([[0], [2]])),
            S(make(3, 4), Fixed(numpy.array(1, I64))),
            S(make(3, 4), Fixed(numpy.zeros(0, I64))),
            S(make(5), idx(4, 4, 4)),
        ],
    ),
    _same(
        "getitem_tensor_pair",
        lambda x, i, j: x[i, j],
        NUMERIC,
        lambda make: [
            S(make(3, 4), idx(0, 2, 0), idx(3, 1, 3)),
            S(make(2, 3, 4), idx([1], [0]), idx(2, 2)),
        ],
    ),
    _same(
        "getitem_mask",
        lambda x, m: x[m],
        ALL,
        lambda make: [
            S(make(3, 4), Fixed(numpy.array(MASK34))),
            S(make(3, 4), mask(True, False, True)),
            S(make(3, 4), mask(False, False, False)),
            S(make(4, 3).T, Fixed(numpy.array(MASK34))),
        ],
    ),
    _same(
        "getitem_mask_then_slice",
        lambda x, m: x[m, 1:],
        FLOATING,
        lambda make: [S(make(3, 4), mask(True, False, True))],
    ),
    # -- setitem (on a clone, so the graph covers both the tensor and the value) ---------------
    _same(
        "setitem_int_tensor",
        _set(1),
        ALL,
        lambda make: [S(make(3, 4), make(4)), S(make(3, 4), make())],
    ),
    _same(
        "setitem_slice",
        _set((slice(None), slice(1, 3))),
        ALL,
        lambda make: [
            S(make(3, 4), make(3, 2)),
            S(make(3, 4), make(1, 2)),
            S(make(4, 3).T, make(2)),
        ],
    ),
    _same(
        "setitem_scalar",
        lambda x: _set((0, slice(None)))(x, 2.5),
        FLOATING + COMPLEX,
        lambda make: [make(3, 4)],
    ),
    _same(
        "setitem_list",
        _set([0, 2]),
        ALL,
        lambda make: [S(make(3, 4), make(2, 4)), S(make(3, 4), make(4))],
    ),
    _same(
        "setitem_mask",
        _set_arg,
        ALL,
        lambda make: [
            S(make(3, 4), Fixed(numpy.array(MASK34)), make()),
            S(make(3, 4), mask(True, False, True), make(4)),
        ],
    ),
    _same(
        "setitem_tensor_index",
        _set_arg,
        NUMERIC,
        lambda make: [
            S(make(3, 4), idx(2, 0), make(2, 4)),
            S(make(5), Fixed(numpy.array(3, I64)), make()),
        ],
    ),
    # -- index_put ----------------------------------------------------------------------------
    OpSpec(
        "index_put_accumulate",
        lambda x, i, v: ember.index_put(x, (i,), v, accumulate=True),
        lambda x, i, v: torch.index_put(x, (i,), v, accumulate=True),
        NUMERIC,
        lambda make: [
            S(make(4, 3), idx(0, 2, 0, 0), make(4, 3)),
            S(make(4, 3), idx(1, 1), make(3)),
        ],
        tol=HALF_TOL,
    ),
    OpSpec(
        "index_put",
        lambda x, i, j, v: ember.index_put(x, (i, j), v),
        lambda x, i, j, v: torch.index_put(x, (i, j), v),
        NUMERIC,
        lambda make: [
            S(make(4, 3), idx(2, 0), idx(1, 1), make(2)),
            S(make(4, 3), idx(3), idx(-1), make()),
        ],
    ),
    OpSpec(
        "index_put_",
        lambda x, i, v: x.clone().index_put_((i,), v, accumulate=True),
        lambda x, i, v: x.clone().index_put_((i,), v, accumulate=True),
        FLOATING,
        lambda make: [S(make(4, 3), idx(0, 0), make(3))],
    ),
    # -- gather / scatter ---------------------------------------------------------------------
    _both(
        "gather",
        ALL,
        lambda make: [
            S(make(3, 4), 1, idx([0, 3, 3], [1, 1, 0], [2, 0, 1])),
            S(make(3, 4), 0, idx([0, 2, 2, 1], [1, 1, 0, 0])),
            S(make(3, 4), -1, idx([1], [0])),  # index smaller than input
            S(make(4, 3).T, 0, idx([2, 0], [1, 1])),
            S(make(3, 4), 1, Fixed(numpy.zeros((3, 0), I64))),
            S(make(), 0, Fixed(numpy.array(0, I64))),
        ],
    ),
    _both(
        "scatter",
        ALL,
        lambda make: [
            S(make(3, 4), 1, idx([0, 3], [1, 2], [2, 0]), make(3, 2)),
            S(make(4, 3).T, 0, idx([1, 0, 2]), make(1, 3)),
        ],
    ),
    OpSpec(
        "scatter_value",
        lambda x, i: ember.scatter(x, 1, i, value=2.0),
        lambda x, i: torch.scatter(x, 1, i, value=2.0),
        NUMERIC,
        lambda make: [S(make(3, 4), idx([0, 3], [1, 2], [2, 0]))],
    ),
    # PyTorch's own backward fails when src is larger than index: forward only.
    OpSpec(
        "scatter_src_larger",
        ember.scatter,
        torch.scatter,
        ALL,
        lambda make: [S(make(3, 4), 0, idx([2, 0, 1, 1]), make(2, 5))],
        grad=False,
    ),
    OpSpec(
        "scatter_add_src_larger",
        ember.scatter_add,
        torch.scatter_add,
        NUMERIC,
        lambda make: [S(make(3, 4), 0, idx([2, 2, 2, 2], [2, 0, 0, 2]), make(2, 5))],
        grad=False,
        tol=HALF_TOL,
    ),
    _both(
        "scatter_add",
        NUMERIC,
        lambda make: [
            S(make(3, 4), 1, idx([0, 3, 0], [1, 1, 1], [2, 0, 2]), make(3, 3)),
            S(make(3, 4), 0, idx([2, 2, 2, 2], [2, 0, 0, 2]), make(2, 4)),
            S(make(4, 3).T, 1, idx([0, 0], [1, 1], [2, 2]), make(3, 2)),
        ],
        tol=HALF_TOL,
    ),
    OpSpec(
        "scatter_reduce_sum",
        lambda x, i, s, **k: ember.scatter_reduce(x, 0, i, s, "sum", **k),
        lambda x, i, s, **k: torch.scatter_reduce(x, 0, i, s, "sum", **k),
        REAL,
        lambda make: [
            S(make(3, 2), idx([0, 0], [0, 2], [0, 0]), make(3, 2)),
            S(make(3, 2), idx([0, 0], [0, 2]), make(2, 2), include_self=False),
        ],
        tol=HALF_TOL,
    ),
    OpSpec(
        "scatter_reduce_mean",
        lambda x, i, s, **k: ember.scatter_reduce(x, 0, i, s, "mean", **k),
        lambda x, i, s, **k: torch.scatter_reduce(x, 0, i, s, "mean", **k),
        FLOATING + HALF + INTEGRAL,
        lambda make: [
            S(make(3, 2), idx([0, 0], [0, 2], [0, 0]), make(3, 2)),
            S(make(3, 2), idx([0, 0], [0, 2]), make(2, 2), include_self=False),
        ],
        tol=HALF_TOL,
    ),
    OpSpec(
        "scatter_reduce_amax",
        lambda x, i, s, **k: ember.scatter_reduce(x, 0, i, s, "amax", **k),
        lambda x, i, s, **k: torch.scatter_reduce(x, 0, i, s, "amax", **k),
        FLOATING + HALF + INTEGRAL,
        lambda make: [
            S(make(3, 2), idx([0, 0], [0, 2], [0, 0]), make(3, 2)),
            S(make(3, 2), idx([0, 0], [0, 2]), make(2, 2), include_self=False),
        ],
    ),
    OpSpec(
        "scatter_reduce_amin",
        lambda x, i, s, **k: ember.scatter_reduce(x, 0, i, s, "amin", **k),
        lambda x, i, s, **k: torch.scatter_reduce(x, 0, i, s, "amin", **k),
        FLOATING + HALF + INTEGRAL,
        lambda make: [
            S(make(3, 2), idx([0, 0], [0, 2], [0, 0]), make(3, 2)),
            S(make(3, 2), idx([0, 0], [0, 2]), make(2, 2), include_self=False),
        ],
    ),
    OpSpec(
        "scatter_reduce_prod",
        lambda x, i, s, **k: ember.scatter_reduce(x, 0, i, s, "prod", **k),
        lambda x, i, s, **k: torch.scatter_reduce(x, 0, i, s, "prod", **k),
        FLOATING + INTEGRAL,
        domain=(0.5, 2.0),
        samples=lambda make: [
            S(make(3, 2), idx([0, 0], [0, 2], [0, 0]), make(3, 2)),
            S(make(3, 2), idx([0, 0], [0, 2]), make(2, 2), include_self=False),
        ],
    ),
    OpSpec(
        "scatter_",
        _inplace("scatter_"),
        _inplace("scatter_"),
        FLOATING,
        lambda make: [S(make(3, 4), 1, idx([0, 3], [1, 2], [2, 0]), make(3, 2))],
    ),
    OpSpec(
        "scatter_add_",
        _inplace("scatter_add_"),
        _inplace("scatter_add_"),
        FLOATING,
        lambda make: [S(make(3, 4), 1, idx([0, 0], [1, 1], [2, 2]), make(3, 2))],
    ),
    OpSpec(
        "scatter_reduce_",
        _inplace("scatter_reduce_"),
        _inplace("scatter_reduce_"),
        FLOATING,
        lambda make: [S(make(3, 4), 1, idx([0, 0], [1, 1], [2, 2]), make(3, 2), "sum")],
    ),
    # -- index_* --------------------------------------------------------------------------------
    _both(
        "index_select",
        ALL,
        lambda make: [
            S(make(3, 4), 0, idx(2, 0, 2)),
            S(make(3, 4), 1, idx(3, 3)),
            S(make(4, 3).T, -1, idx(1)),
            S(make(3, 4), 0, Fixed(numpy.zeros(0, I64))),
            S(make(3, 4), 1, Fixed(numpy.array(2, I64))),
        ],
    ),
    _both(
        "index_add",
        NUMERIC,
        lambda make: [
            S(make(3, 4), 0, idx(0, 2, 0), make(3, 4)),
            S(make(3, 4), 1, idx(1, 1), make(3, 2)),
            S(make(4, 3).T, 0, idx(2), make(1, 4), alpha=2),
        ],
        tol=HALF_TOL,
    ),
    _both(
        "index_copy",
        ALL,
        lambda make: [
            S(make(3, 4), 0, idx(2, 0), make(2, 4)),
            S(make(3, 4), 1, idx(3, 1, 0), make(3, 3)),
        ],
    ),
    _both(
        "index_fill",
        ALL,
        lambda make: [S(make(3, 4), 1, idx(0, 2), 1.5), S(make(3, 4), 0, idx(1, 1), -1)],
    ),
    OpSpec(
        "index_fill_tensor_value",
        _m("index_fill"),
        _m("index_fill"),
        FLOATING + COMPLEX,
        lambda make: [S(make(3, 4), 1, idx(0, 2, 2), make())],
    ),
    OpSpec(
        "index_add_",
        _inplace("index_add_"),
        _inplace("index_add_"),
        FLOATING,
        lambda make: [S(make(3, 4), 0, idx(0, 0), make(2, 4), alpha=-1)],
    ),
    OpSpec(
        "index_copy_",
        _inplace("index_copy_"),
        _inplace("index_copy_"),
        FLOATING,
        lambda make: [S(make(3, 4), 0, idx(1, 0), make(2, 4))],
    ),
    OpSpec(
        "index_fill_",
        _inplace("index_fill_"),
        _inplace("index_fill_"),
        FLOATING,
        lambda make: [S(make(3, 4), 0, idx(1), 0.5)],
    ),
    # -- masks ----------------------------------------------------------------------------------
    _both(
        "masked_fill",
        ALL,
        lambda make: [
            S(make(3, 4), Fixed(numpy.array(MASK34)), 1.5),
            S(make(3, 4), mask(True, False, False, True), 0),
            S(make(4, 3).T, Fixed(numpy.array(MASK34)), -2),
            S(make(4), Fixed(numpy.array(MASK34)), 1),
        ],
    ),  # the mask broadcasts the input
    OpSpec(
        "masked_fill_tensor_value",
        ember.masked_fill,
        torch.masked_fill,
        FLOATING + COMPLEX,
        lambda make: [S(make(3, 4), Fixed(numpy.array(MASK34)), make())],
    ),
    OpSpec(
        "masked_fill_",
        _inplace("masked_fill_"),
        _inplace("masked_fill_"),
        FLOATING,
        lambda make: [S(make(3, 4), mask(True, False, False, True), 0.25)],
    ),
    _both(
        "masked_select",
        ALL,
        lambda make: [
            S(make(3, 4), Fixed(numpy.array(MASK34))),
            S(make(3, 4), mask(True, False, False, True)),
            S(make(4), Fixed(numpy.array(MASK34))),
            S(make(4, 3).T, Fixed(numpy.array(MASK34))),
        ],
    ),
    _both(
        "masked_scatter",
        ALL,
        lambda make: [
            S(make(3, 4), Fixed(numpy.array(MASK34)), make(7)),
            S(make(3, 4), mask(True, False, False, True), make(3, 3)),
            S(make(4), Fixed(numpy.array(MASK34)), make(8)),
        ],
    ),
    OpSpec(
        "masked_scatter_",
        _inplace("masked_scatter_"),
        _inplace("masked_scatter_"),
        FLOATING,
        lambda make: [S(make(3, 4), Fixed(numpy.array(MASK34)), make(7))],
    ),
    # -- nonzero, take, put ---------------------------------------------------------------------
    _both(
        "nonzero",
        ALL,
        lambda make: [make(3, 4), make(5), make(0, 2), make()],
        grad=False,
        domain=(-1, 1),
    ),
    OpSpec(
        "nonzero_tuple",
        lambda x: ember.nonzero(x, as_tuple=True),
        lambda x: torch.nonzero(x, as_tuple=True),
        ALL,
        lambda make: [make(3, 4), make(5), make()],
        grad=False,
        domain=(-1, 1),
    ),
    _both("argwhere", ALL, lambda make: [make(3, 4), make()], grad=False, domain=(-1, 1)),
    OpSpec(
        "where_condition_only",
        lambda x: ember.where(x > 0),
        lambda x: torch.where(x > 0),
        FLOATING,
        lambda make: [make(3, 4)],
        grad=False,
    ),
    _both(
        "take",
        ALL,
        lambda make: [
            S(make(3, 4), idx(0, -1, 5, 5)),
            S(make(3, 4), idx([1], [11])),
            S(make(4, 3).T, idx(1, 2)),
            S(make(), idx(0, 0)),
        ],
    ),
    _both(
        "take_along_dim",
        ALL,
        lambda make: [
            S(make(3, 4), idx([0, 3], [1, 1], [2, 0]), 1),
            S(make(3, 4), idx(0, 11, 11)),
            S(make(3, 4), Fixed(numpy.array([[1, 0]], I64)), 1),  # indices broadcast over dim 0
            S(make(3, 4), Fixed(numpy.array([[2, 0, 1, 1]], I64)), 0),
        ],
    ),
    _both(
        "put",
        NUMERIC,
        lambda make: [
            S(make(3, 4), idx(0, -1, 5), make(3)),
            S(make(3, 4), idx([0, 0], [2, 2]), make(2, 2), True),
        ],
        tol=HALF_TOL,
    ),  # accumulating in one rounding, not one per duplicate
    OpSpec(
        "put_",
        _inplace("put_"),
        _inplace("put_"),
        FLOATING,
        lambda make: [S(make(3, 4), idx(1, 1), make(2), accumulate=True)],
    ),
    # -- counting (bincount, histc, histogram): PyTorch has no derivative for these ----------
    OpSpec(
        "bincount",
        ember.bincount,
        torch.bincount,
        FLOATING + HALF + INTEGRAL,
        lambda make: [
            S(idx(0, 1, 1, 4, 1)),
            S(idx(2, 0, 2), minlength=5),
            S(idx(0, 1, 1, 4, 1), make(5)),
            S(idx(3, 3), make(2), 2),
            S(Fixed(numpy.zeros(0, I64)), minlength=3),
        ],
        grad=False,
        tol=HALF_TOL,
    ),
    OpSpec(
        "histc",
        ember.histc,
        torch.histc,
        FLOATING + ("float16",),
        lambda make: [
            S(make(40), bins=6),
            S(make(5, 8), bins=7, min=-1, max=1),
            S(make(0), bins=3),
            S(numpy.full(4, 0.5), bins=4),
        ],
        grad=False,
    ),
    OpSpec(
        "histogram",
        lambda x, bins, **kw: ember.histogram(x, bins, **kw),
        lambda x, bins, **kw: torch.histogram(x, bins, **kw),
        FLOATING,
        lambda make: [
            S(make(40), 6),
            S(make(4, 10), 5, range=(-1.0, 2.0), density=True),
            S(make(40), 3, weight=make(40, low=0, high=1)),
            S(make(0), 2),
            S(numpy.full(3, 2.0), 2),
        ],
        grad=False,
    ),
    OpSpec(
        "histogram_edges",
        lambda x, e, **kw: ember.histogram(x, ember.sort(e).values, **kw),
        lambda x, e, **kw: torch.histogram(x, torch.sort(e).values, **kw),
        FLOATING,
        lambda make: [
            S(make(40), make(5)),
            S(make(40), make(7), weight=make(40, low=0, high=1), density=True),
        ],
        grad=False,
    ),
]
