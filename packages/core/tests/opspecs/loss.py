"""Specs for the loss family (``ember._ops.loss``): every functional loss, each reduction,
weights, ignore_index, label smoothing, class-probability targets and CTC."""

import warnings

import numpy
import torch
import torch.nn.functional as F

import ember
import ember.nn.functional as EF
from opspecs import FLOATING, HALF, Fixed, OpSpec, S

_rng = numpy.random.default_rng(0)


def ints(high, *shape, low=0):
    return Fixed(_rng.integers(low, high, size=shape).astype(numpy.int64))


def signs(*shape):
    return Fixed(numpy.where(_rng.random(shape) < 0.5, -1.0, 1.0))


REDUCTIONS = ("mean", "sum", "none")
HALF_TOL = {"float16": (1e-2, 1e-2), "bfloat16": (5e-2, 5e-2)}


def like_input(fn, pos=(), kws=("weight", "pos_weight")):
    """``fn`` with the float ``Fixed`` arguments (weights, +-1 targets; never differentiated,
    as in PyTorch) cast to the input's dtype first."""

    def op(x, *args, **kw):
        args = list(args)
        for i in pos:
            args[i - 1] = args[i - 1].to(x.dtype)
        for k in kws:
            if kw.get(k) is not None:
                kw[k] = kw[k].to(x.dtype)
        return fn(x, *args, **kw)

    return op


def fixed(make, *shape, low=0.5, high=2.0):
    """A float weight that does not require grad (PyTorch refuses grads for weights)."""
    return Fixed(make(*shape, low=low, high=high))


def per_reduction(fn):
    """Samples for each reduction: ``fn(make, reduction) -> S``."""
    return lambda make: [fn(make, r) for r in REDUCTIONS]


def near(*points, gap=0.02):
    return lambda a: numpy.any([abs(a - p) < gap for p in points], axis=0)


def _quiet_kl(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return F.kl_div(*args, **kwargs)


def _quiet_ekl(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return EF.kl_div(*args, **kwargs)


def _ce_with_probs(e_or_t):
    def op(x, t, **kw):
        sm = ember.softmax if e_or_t == "e" else torch.softmax
        return (EF if e_or_t == "e" else F).cross_entropy(x, sm(t, 1), **kw)

    return op


def _ctc(mod, lib, ls):
    def op(x, targets, in_len, tgt_len, **kw):
        lp = ls(x, -1)
        if lib is torch and not isinstance(in_len, torch.Tensor):
            in_len, tgt_len = torch.tensor(in_len), torch.tensor(tgt_len)
        return mod.ctc_loss(lp, targets, in_len, tgt_len, **kw)

    return op


_CTC_TARGETS = Fixed(numpy.array([[1, 2, 2], [3, 1, 0], [2, 0, 0]]))
_CTC_CONCAT = Fixed(numpy.array([1, 2, 2, 3, 1, 2]))

SPECS = [
    OpSpec(
        "l1_loss",
        EF.l1_loss,
        F.l1_loss,
        FLOATING,
        per_reduction(lambda make, r: S(make(3, 4), make(3, 4), reduction=r)),
        avoid=lambda a: abs(a) < 0.05,
    ),
    OpSpec(
        "l1_loss_weight",
        lambda x, t, w: EF.l1_loss(x, t, weight=w),
        lambda x, t, w: F.l1_loss(x, t, weight=w),
        FLOATING,
        lambda make: [S(make(3, 4), make(3, 4) + 10, make(3, 4, low=0.5, high=1))],
    ),
    OpSpec(
        "mse_loss",
        EF.mse_loss,
        F.mse_loss,
        FLOATING + HALF,
        lambda make: [
            *(S(make(3, 4), make(3, 4), reduction=r) for r in REDUCTIONS),
            S(make(), make()),
        ],
        tol=HALF_TOL,
    ),
    OpSpec(
        "huber_loss",
        EF.huber_loss,
        F.huber_loss,
        FLOATING + HALF,
        lambda make: [
            *(S(make(3, 4), make(3, 4) * 0.5, reduction=r) for r in REDUCTIONS),
            S(make(3, 4), make(3, 4), delta=0.5),
        ],
        avoid=lambda a: abs(abs(a) - 0.5) < 0.02,
        tol=HALF_TOL,
    ),
    OpSpec(
        "smooth_l1_loss",
        EF.smooth_l1_loss,
        F.smooth_l1_loss,
        FLOATING + HALF,
        lambda make: [
            *(S(make(3, 4), make(3, 4) * 0.5, reduction=r) for r in REDUCTIONS),
            S(make(3, 4), make(3, 4) + 5, beta=0.5),
            S(make(3, 4), make(3, 4) + 5, beta=0.0),
        ],
        gradgrad=False,  # second derivative jumps where |d| crosses beta: directional FD
        tol=HALF_TOL,
    ),
    OpSpec(
        "cross_entropy",
        like_input(EF.cross_entropy),
        like_input(F.cross_entropy),
        FLOATING + HALF,
        lambda make: [
            *(S(make(4, 5), ints(5, 4), reduction=r) for r in REDUCTIONS),
            S(make(5), ints(5)),
            S(make(5), ints(5), reduction="none"),
            S(make(3, 4, 2, 2), ints(4, 3, 2, 2)),
            S(make(3, 4, 5), ints(4, 3, 5), reduction="none"),
            S(make(4, 5), ints(5, 4), weight=fixed(make, 5)),
            S(make(6, 5), Fixed(numpy.array([0, -100, 2, 3, -100, 4])), ignore_index=-100),
            S(make(6, 5), Fixed(numpy.array([0, 1, 2, 3, 1, 4])), ignore_index=1, reduction="sum"),
            S(
                make(6, 5),
                Fixed(numpy.array([0, 1, 2, 3, 1, 4])),
                weight=fixed(make, 5),
                ignore_index=1,
            ),
            S(make(4, 5), ints(5, 4), label_smoothing=0.2),
            S(
                make(4, 5),
                Fixed(numpy.array([0, 1, 2, 1])),
                weight=fixed(make, 5),
                label_smoothing=0.1,
                ignore_index=1,
            ),
            S(make(3, 4, 2), ints(4, 3, 2), label_smoothing=0.3, reduction="none"),
            S(make(4, 5) * 100, ints(5, 4)),  # large logits stay finite
        ],
        tol=HALF_TOL,
    ),
    OpSpec(
        "cross_entropy_probs",
        like_input(_ce_with_probs("e")),
        like_input(_ce_with_probs("t")),
        FLOATING,
        lambda make: [
            *(S(make(4, 5), make(4, 5), reduction=r) for r in REDUCTIONS),
            S(make(3, 4, 2), make(3, 4, 2), label_smoothing=0.2),
            S(make(4, 5), make(4, 5), weight=fixed(make, 5)),
        ],
    ),
    OpSpec(
        "nll_loss",
        like_input(EF.nll_loss),
        like_input(F.nll_loss),
        FLOATING + HALF,
        lambda make: [
            *(S(make(4, 5), ints(5, 4), reduction=r) for r in REDUCTIONS),
            S(make(5), ints(5)),
            S(make(3, 4, 2, 2), ints(4, 3, 2, 2), weight=fixed(make, 4)),
            S(make(6, 5), Fixed(numpy.array([0, 1, 2, 3, 1, 4])), ignore_index=1),
            S(make(4, 5), ints(5, 4), weight=fixed(make, 5), reduction="none"),
        ],
        tol=HALF_TOL,
    ),
    OpSpec(
        "binary_cross_entropy",
        like_input(EF.binary_cross_entropy),
        like_input(F.binary_cross_entropy),
        FLOATING,
        lambda make: [
            *(S(make(3, 4), make(3, 4), reduction=r) for r in REDUCTIONS),
            S(make(3, 4), make(3, 4), weight=fixed(make, 3, 4)),
            S(make(3, 4), make(3, 4), weight=fixed(make, 4)),
        ],
        domain=(0.05, 0.95),
    ),
    OpSpec(
        "binary_cross_entropy_with_logits",
        like_input(ember.binary_cross_entropy_with_logits),
        like_input(F.binary_cross_entropy_with_logits),
        FLOATING + HALF,
        lambda make: [
            *(S(make(3, 4), make(3, 4, low=0, high=1), reduction=r) for r in REDUCTIONS),
            S(make(3, 4), make(3, 4, low=0, high=1), pos_weight=fixed(make, 4)),
            S(make(3, 4), make(3, 4, low=0, high=1), weight=fixed(make, 3, 4)),
            S(make(3, 4) * 100, make(3, 4, low=0, high=1)),  # no overflow
        ],
        tol=HALF_TOL,
    ),
    OpSpec(
        "kl_div",
        _quiet_ekl,
        _quiet_kl,
        FLOATING,
        lambda make: [
            *(
                S(make(3, 4), make(3, 4, low=0.1, high=1), reduction=r)
                for r in REDUCTIONS + ("batchmean",)
            ),
            S(make(3, 4), make(3, 4), reduction="batchmean", log_target=True),
        ],
    ),
    OpSpec(
        "soft_margin_loss",
        like_input(EF.soft_margin_loss, (1,)),
        like_input(F.soft_margin_loss, (1,)),
        FLOATING,
        per_reduction(lambda make, r: S(make(3, 4), signs(3, 4), reduction=r)),
    ),
    OpSpec(
        "multilabel_soft_margin_loss",
        like_input(EF.multilabel_soft_margin_loss),
        like_input(F.multilabel_soft_margin_loss),
        FLOATING,
        lambda make: [
            *(S(make(3, 4), make(3, 4, low=0, high=1), reduction=r) for r in REDUCTIONS),
            S(make(3, 4), make(3, 4, low=0, high=1), weight=fixed(make, 4)),
        ],
    ),
    OpSpec(
        "multi_margin_loss",
        like_input(EF.multi_margin_loss),
        like_input(F.multi_margin_loss),
        FLOATING,
        lambda make: [
            *(S(make(4, 5), ints(5, 4), reduction=r) for r in REDUCTIONS),
            S(make(4, 5), ints(5, 4), p=2, margin=0.5),
            S(make(4, 5), ints(5, 4), weight=fixed(make, 5)),
            S(make(5), ints(5)),
        ],
        gradgrad=False,  # hinge kinks sit where x[j] - x[y] = -margin
    ),
    OpSpec(
        "multilabel_margin_loss",
        EF.multilabel_margin_loss,
        F.multilabel_margin_loss,
        FLOATING,
        lambda make: [
            *(
                S(
                    make(3, 4),
                    Fixed(numpy.array([[3, 0, -1, 1], [1, 2, 3, 0], [0, 0, -1, 2]])),
                    reduction=r,
                )
                for r in REDUCTIONS
            ),
            S(make(4), Fixed(numpy.array([2, -1, 0, 1]))),
        ],
        gradgrad=False,
    ),
    OpSpec(
        "cosine_embedding_loss",
        like_input(ember.cosine_embedding_loss, (2,)),
        like_input(F.cosine_embedding_loss, (2,)),
        FLOATING,
        lambda make: [
            *(S(make(4, 3), make(4, 3), signs(4), reduction=r) for r in REDUCTIONS),
            S(make(4, 3), make(4, 3), signs(4), margin=-0.5),
            S(make(3), make(3), Fixed(numpy.array(1.0))),
        ],
        gradgrad=False,
    ),
    OpSpec(
        "margin_ranking_loss",
        like_input(ember.margin_ranking_loss, (2,)),
        like_input(F.margin_ranking_loss, (2,)),
        FLOATING,
        lambda make: [
            *(S(make(5), make(5), signs(5), reduction=r) for r in REDUCTIONS),
            S(make(5), make(5), signs(5), margin=0.5),
        ],
        gradgrad=False,
    ),
    OpSpec(
        "hinge_embedding_loss",
        like_input(ember.hinge_embedding_loss, (1,)),
        like_input(F.hinge_embedding_loss, (1,)),
        FLOATING,
        lambda make: [
            *(S(make(3, 4), signs(3, 4), reduction=r) for r in REDUCTIONS),
            S(make(3, 4), signs(3, 4), margin=2.0),
        ],
        avoid=near(1.0, 2.0),
    ),
    OpSpec(
        "triplet_margin_loss",
        ember.triplet_margin_loss,
        F.triplet_margin_loss,
        FLOATING,
        lambda make: [
            *(S(make(4, 3), make(4, 3), make(4, 3), reduction=r) for r in REDUCTIONS),
            S(make(4, 3), make(4, 3), make(4, 3), p=1, margin=2.0),
            S(make(4, 3), make(4, 3), make(4, 3), swap=True, margin=3.0),
            S(make(3), make(3), make(3), margin=2.0),
        ],
        gradgrad=False,
    ),
    OpSpec(
        "triplet_margin_with_distance_loss",
        EF.triplet_margin_with_distance_loss,
        F.triplet_margin_with_distance_loss,
        FLOATING,
        lambda make: [
            S(make(4, 3), make(4, 3), make(4, 3), margin=3.0),
            S(make(4, 3), make(4, 3), make(4, 3), swap=True, margin=3.0, reduction="none"),
        ],
        gradgrad=False,
    ),
    OpSpec(
        "triplet_margin_custom_distance",
        lambda a, p, n: EF.triplet_margin_with_distance_loss(
            a, p, n, distance_function=lambda x, y: ((x - y) ** 2).sum(-1), margin=5.0
        ),
        lambda a, p, n: F.triplet_margin_with_distance_loss(
            a, p, n, distance_function=lambda x, y: ((x - y) ** 2).sum(-1), margin=5.0
        ),
        FLOATING,
        lambda make: [S(make(4, 3), make(4, 3), make(4, 3))],
    ),
    OpSpec(
        "poisson_nll_loss",
        ember.poisson_nll_loss,
        F.poisson_nll_loss,
        FLOATING,
        lambda make: [
            *(S(make(3, 4), make(3, 4, low=0, high=3), reduction=r) for r in REDUCTIONS),
            S(make(3, 4, low=0.1, high=3), make(3, 4, low=0.1, high=3), log_input=False),
            S(make(3, 4), make(3, 4, low=0.1, high=3), full=True),
        ],
    ),
    OpSpec(
        "gaussian_nll_loss",
        EF.gaussian_nll_loss,
        F.gaussian_nll_loss,
        FLOATING,
        lambda make: [
            *(
                S(make(3, 4), make(3, 4), make(3, 4, low=0.1, high=2), reduction=r)
                for r in REDUCTIONS
            ),
            S(make(3, 4), make(3, 4), make(3, low=0.1, high=2), full=True),
            S(make(3, 4), make(3, 4), make(3, 1, low=0.1, high=2)),
            S(make(3, 4), make(3, 4), 0.5),
        ],
    ),
    OpSpec(
        "ctc_loss",
        _ctc(EF, ember, ember.log_softmax),
        _ctc(F, torch, torch.log_softmax),
        FLOATING,
        lambda make: [
            *(
                S(make(6, 3, 4), _CTC_TARGETS, [6, 5, 4], [3, 2, 1], reduction=r)
                for r in REDUCTIONS
            ),
            S(make(6, 3, 4), _CTC_CONCAT, [6, 6, 3], [3, 2, 1]),
            S(make(6, 3, 5), _CTC_TARGETS, [6, 6, 6], [3, 2, 0], blank=4),
            S(make(6, 4), Fixed(numpy.array([1, 2, 2])), [6], [3]),
            S(make(2, 3, 4), _CTC_TARGETS, [2, 2, 2], [3, 2, 1], zero_infinity=True),
        ],
        gradgrad=False,  # once-differentiable primitive
    ),
]
