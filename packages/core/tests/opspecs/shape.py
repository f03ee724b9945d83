"""Specs for the shape family: views, joins, splits, rearrangements, diagonals."""

import numpy
import torch

import ember
from opspecs import ALL, COMPLEX, FLOATING, Fixed, OpSpec, S

I64 = numpy.int64


def _m(fn):
    """A method call usable on both an Ember and a PyTorch tensor."""
    return lambda a, *args, **kw: getattr(a, fn)(*args, **kw)


def _both(name, dtypes, samples, **kw):
    return OpSpec(name, getattr(ember, name), getattr(torch, name), dtypes, samples, **kw)


SPECS = [
    OpSpec(
        "view_shapes",
        _m("view"),
        _m("view"),
        ALL,
        lambda make: [
            S(make(3, 4), 2, 6),
            S(make(3, 4), -1),
            S(make(), 1),
            S(make(0, 3), 3, 0),
            S(make(2, 3, 4), (4, -1)),
        ],
    ),
    OpSpec(
        "reshape_noncontiguous",
        ember.reshape,
        torch.reshape,
        ALL,
        lambda make: [S(make(4, 3).T, (2, 6)), S(make(2, 3, 4)[:, ::2], (-1,))],
    ),
    _both(
        "flatten",
        ALL,
        lambda make: [
            S(make(2, 3, 4), 1),
            S(make(2, 3, 4), 0, 1),
            S(make()),
            S(make(4, 3).T),
            S(make(0, 2)),
        ],
    ),
    _both("unflatten", ALL, lambda make: [S(make(2, 6), 1, (2, 3)), S(make(6), 0, (-1, 2))]),
    _both(
        "squeeze",
        ALL,
        lambda make: [
            S(make(1, 3, 1)),
            S(make(1, 3, 1), 0),
            S(make(1, 3, 1), (0, 2)),
            S(make(2, 3), 1),
            S(make()),
        ],
    ),
    _both("unsqueeze", ALL, lambda make: [S(make(3), 0), S(make(3, 4), -1), S(make(), 0)]),
    OpSpec(
        "permute_all_dtypes",
        ember.permute,
        torch.permute,
        ALL,
        lambda make: [S(make(2, 3, 4), (2, 0, 1)), S(make(4, 3).T, (1, 0)), S(make(), ())],
    ),
    _both(
        "transpose",
        ALL,
        lambda make: [S(make(2, 3, 4), 0, 2), S(make(3, 4), -1, -2), S(make(), 0, -1)],
    ),
    _both("swapaxes", FLOATING, lambda make: [S(make(2, 3, 4), 0, 2)]),
    _both("swapdims", FLOATING, lambda make: [S(make(2, 3, 4), 1, 2)]),
    _both("movedim", ALL, lambda make: [S(make(2, 3, 4), 0, -1), S(make(2, 3, 4), (0, 1), (2, 0))]),
    _both("moveaxis", FLOATING, lambda make: [S(make(2, 3, 4), -1, 0)]),
    _both("t", ALL, lambda make: [S(make(3, 4)), S(make(3)), S(make())]),
    OpSpec("T", lambda a: a.T, lambda a: a.T, ALL, lambda make: [make(3, 4), make(4, 3).T]),
    OpSpec("mT", lambda a: a.mT, lambda a: a.mT, ALL, lambda make: [make(2, 3, 4), make(4, 3)]),
    OpSpec("H", lambda a: a.H, lambda a: a.H, FLOATING + COMPLEX, lambda make: [make(3, 4)]),
    OpSpec("mH", lambda a: a.mH, lambda a: a.mH, FLOATING + COMPLEX, lambda make: [make(2, 3, 4)]),
    _both("adjoint", FLOATING + COMPLEX, lambda make: [make(2, 3, 4), make(3, 2)]),
    OpSpec(
        "expand_as",
        _m("expand_as"),
        _m("expand_as"),
        ALL,
        lambda make: [S(make(3, 1), Fixed(numpy.zeros((2, 3, 4))))],
    ),
    _both(
        "broadcast_to",
        ALL,
        lambda make: [S(make(3, 1), (2, 3, 4)), S(make(), (2,)), S(make(4, 1).T, (3, 4))],
    ),
    _both(
        "broadcast_tensors",
        ALL,
        lambda make: [S(make(3, 1), make(4)), S(make(), make(2, 2), make(2, 1))],
    ),
    OpSpec(
        "broadcast_shapes",
        ember.broadcast_shapes,
        torch.broadcast_shapes,
        ("float32",),
        lambda make: [S((2, 1), (3,)), S((1,), (4, 1, 1), 5), S()],
        grad=False,
    ),
    OpSpec(
        "repeat",
        _m("repeat"),
        _m("repeat"),
        ALL,
        lambda make: [
            S(make(2, 3), 2, 1),
            S(make(3), 2, 2),
            S(make(), 3),
            S(make(2, 0), 2, 2),
            S(make(4, 3).T, 1, 2),
        ],
    ),
    _both(
        "tile",
        ALL,
        lambda make: [S(make(2, 3), (2,)), S(make(2, 3), (2, 1, 2)), S(make(3), (2, 2))],
    ),
    OpSpec(
        "repeat_interleave_int",
        ember.repeat_interleave,
        torch.repeat_interleave,
        ALL,
        lambda make: [
            S(make(2, 3), 2),
            S(make(2, 3), 2, dim=1),
            S(make(2, 3), 0, dim=0),
            S(make(), 3),
        ],
    ),
    OpSpec(
        "repeat_interleave_tensor",
        ember.repeat_interleave,
        torch.repeat_interleave,
        ALL,
        lambda make: [
            S(make(3, 2), Fixed(numpy.array([1, 0, 2], I64)), dim=0),
            S(make(2, 3), Fixed(numpy.array([3], I64)), dim=1, output_size=9),
            S(make(3), Fixed(numpy.array([2, 2, 2], I64))),
        ],
    ),
    OpSpec(
        "repeat_interleave_counts",
        ember.repeat_interleave,
        torch.repeat_interleave,
        ("float32",),
        lambda make: [S(Fixed(numpy.array([1, 0, 3], I64)))],
        grad=False,
    ),
    _both(
        "cat",
        ALL,
        lambda make: [
            S([make(2, 3), make(1, 3)]),
            S([make(2, 3), make(2, 2)], 1),
            S([make(2, 3), make(0)]),  # PyTorch's legacy skip of (0,) tensors
            S([make(4, 3).T, make(3, 2)], -1),
            S([make(3), make(0), make(2)]),
            S([make(2, 3), Fixed(numpy.ones((1, 3), I64))]),  # type promotion
        ],
    ),
    _both("concat", FLOATING, lambda make: [S([make(2, 3), make(2, 3)], dim=-1)]),
    _both("concatenate", FLOATING, lambda make: [S([make(1, 3), make(2, 3)])]),
    _both(
        "stack",
        ALL,
        lambda make: [
            S([make(2, 3), make(2, 3)]),
            S([make(2, 3), make(2, 3)], 2),
            S([make(), make()]),
            S([make(4, 3).T, make(3, 4)], -1),
            S([make(2), Fixed(numpy.ones(2, I64))]),
        ],
    ),
    _both(
        "hstack",
        ALL,
        lambda make: [S([make(2), make(3)]), S([make(2, 3), make(2, 1)]), S([make(), make(2)])],
    ),
    _both("vstack", ALL, lambda make: [S([make(3), make(2, 3)]), S([make(), make()])]),
    _both("dstack", ALL, lambda make: [S([make(2, 3), make(2, 3)]), S([make(3), make(3)])]),
    _both("column_stack", ALL, lambda make: [S([make(3), make(3, 2)]), S([make(), make()])]),
    _both(
        "split",
        ALL,
        lambda make: [
            S(make(5, 2), 2),
            S(make(5, 2), [1, 4]),
            S(make(2, 5), 3, 1),
            S(make(0, 2), 2),
            S(make(2, 5), [0, 5], dim=-1),
            S(make(4, 3).T, 1),
        ],
    ),
    _both(
        "chunk",
        ALL,
        lambda make: [S(make(5, 2), 3), S(make(6), 4), S(make(2, 5), 2, 1), S(make(0, 2), 2)],
    ),
    _both(
        "tensor_split",
        ALL,
        lambda make: [
            S(make(7), 3),
            S(make(7, 2), [1, 5]),
            S(make(2, 7), (2, -1, 9), 1),
            S(make(7), Fixed(numpy.array([2, 4], I64))),
            S(make(2), 3),
        ],
    ),
    _both("unbind", ALL, lambda make: [S(make(3, 2)), S(make(3, 2), 1), S(make(4, 3).T, -1)]),
    _both(
        "narrow",
        ALL,
        lambda make: [
            S(make(5, 3), 0, 1, 3),
            S(make(5, 3), -1, 1, 2),
            S(make(5, 3), 0, -2, 2),
            S(make(5, 3), 1, 3, 0),
        ],
    ),
    _both(
        "select",
        ALL,
        lambda make: [S(make(3, 4), 0, 1), S(make(3, 4), -1, -2), S(make(4, 3).T, 1, 0)],
    ),
    _both(
        "hsplit", ALL, lambda make: [S(make(3, 4), 2), S(make(4), [1, 3]), S(make(2, 3, 4), [2])]
    ),
    _both("vsplit", ALL, lambda make: [S(make(4, 3), 2), S(make(4, 3), [1, 3])]),
    _both("dsplit", ALL, lambda make: [S(make(2, 3, 4), 2), S(make(2, 3, 4), [1])]),
    _both(
        "flip",
        ALL,
        lambda make: [
            S(make(3, 4), (0,)),
            S(make(2, 3, 4), (0, 2)),
            S(make(4, 3).T, (-1,)),
            S(make(), ()),
        ],
    ),
    _both("fliplr", ALL, lambda make: [make(3, 4)]),
    _both("flipud", ALL, lambda make: [make(3, 4), make(3)]),
    _both(
        "roll",
        ALL,
        lambda make: [
            S(make(3, 4), 1),
            S(make(3, 4), (1, -1), (0, 1)),
            S(make(3, 4), 2, 1),
            S(make(4, 3).T, -1, 0),
            S(make(0, 2), 1),
        ],
    ),
    _both(
        "rot90",
        ALL,
        lambda make: [
            S(make(3, 4)),
            S(make(3, 4), 2),
            S(make(2, 3, 4), 3, (1, 2)),
            S(make(3, 4), -1),
            S(make(3, 4), 0),
        ],
    ),
    _both(
        "tril",
        ALL,
        lambda make: [
            S(make(3, 4)),
            S(make(3, 4), 1),
            S(make(2, 3, 4), -1),
            S(make(4, 3).T, 0),
            S(make(0, 3)),
        ],
    ),
    _both(
        "triu",
        ALL,
        lambda make: [S(make(3, 4)), S(make(3, 4), 1), S(make(2, 3, 4), -1), S(make(4, 3).T, 0)],
    ),
    _both(
        "diag",
        ALL,
        lambda make: [
            S(make(3)),
            S(make(3), 1),
            S(make(3, 4)),
            S(make(3, 4), -1),
            S(make(4, 3).T, 1),
        ],
    ),
    _both(
        "diagonal",
        ALL,
        lambda make: [
            S(make(3, 4)),
            S(make(3, 4), 1),
            S(make(2, 3, 4), 0, 1, 2),
            S(make(2, 3, 4), -1, -1, 0),
            S(make(3, 4), 5),
        ],
    ),
    _both(
        "diag_embed",
        ALL,
        lambda make: [
            S(make(2, 3)),
            S(make(3), 1),
            S(make(2, 3), 0, 0, 2),
            S(make(2, 3), -1, 1, 0),
        ],
    ),
    _both("diagflat", ALL, lambda make: [S(make(2, 2)), S(make(3), -1), S(make())]),
    OpSpec(
        "meshgrid_ij",
        lambda *t: ember.meshgrid(*t, indexing="ij"),
        lambda *t: torch.meshgrid(*t, indexing="ij"),
        ALL,
        lambda make: [S(make(3), make(2)), S(make(2), make(), make(3))],
    ),
    OpSpec(
        "meshgrid_xy",
        lambda *t: ember.meshgrid(*t, indexing="xy"),
        lambda *t: torch.meshgrid(*t, indexing="xy"),
        ALL,
        lambda make: [S(make(3), make(2)), S(make(2), make(4), make(3))],
    ),
    _both(
        "atleast_1d",
        ALL,
        lambda make: [S(make()), S(make(3)), S(make(), make()), S(make(), make(2, 3))],
    ),
    _both("atleast_2d", ALL, lambda make: [S(make()), S(make(3)), S(make(2, 3))]),
    _both(
        "atleast_3d", ALL, lambda make: [S(make()), S(make(3)), S(make(2, 3)), S(make(1, 2, 3, 4))]
    ),
    _both("ravel", ALL, lambda make: [make(4, 3).T, make(), make(2, 3)]),
]
