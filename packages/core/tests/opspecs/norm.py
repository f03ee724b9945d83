"""Specs for the normalisation ops (batch/layer/group/instance/RMS/local-response norm,
normalize)."""

import numpy
import torch

import ember
from opspecs import FLOATING, HALF, OpSpec, S

EF, TF = ember.nn.functional, torch.nn.functional


def _stats(lib, x, fill):
    return lib.full((x.shape[1],), fill, dtype=x.dtype)


def _bn(lib, F, training):
    def op(x, w, b):
        rm, rv = _stats(lib, x, 0.1), _stats(lib, x, 1.5)
        return F.batch_norm(x, rm, rv, w, b, training=training, momentum=0.3)

    return op


def _bn_running(lib, F):
    # The running statistics after one training step are outputs too.
    def op(x):
        rm, rv = _stats(lib, x, 0.1), _stats(lib, x, 1.5)
        F.batch_norm(x.detach(), rm, rv, training=True, momentum=0.3)
        return rm, rv

    return op


def _in(lib, F, stats):
    def op(x, w, b):
        rm, rv = _stats(lib, x, 0.0), _stats(lib, x, 1.0)
        y = F.instance_norm(x, rm, rv, w, b, use_input_stats=True, momentum=0.2)
        return (rm, rv) if stats else y

    return op


SPECS = [
    OpSpec(
        "batch_norm_train",
        _bn(ember, EF, True),
        _bn(torch, TF, True),
        FLOATING,
        lambda make: [
            S(make(4, 3), make(3), make(3)),
            S(make(2, 3, 5), make(3), make(3)),
            S(make(2, 2, 3, 3), make(2), make(2)),
            S(make(3, 3, 2, 2).transpose(3, 2, 1, 0), make(2), make(2)),  # non-contiguous
        ],
    ),
    OpSpec(
        "batch_norm_eval",
        _bn(ember, EF, False),
        _bn(torch, TF, False),
        FLOATING,
        lambda make: [S(make(4, 3), make(3), make(3)), S(make(2, 2, 3, 3), make(2), make(2))],
    ),
    OpSpec(
        "batch_norm_running_stats",
        _bn_running(ember, EF),
        _bn_running(torch, TF),
        FLOATING,
        lambda make: [make(5, 3), make(2, 3, 4)],
        grad=False,
    ),
    OpSpec(
        "batch_norm_no_affine",
        lambda x: EF.batch_norm(x, None, None, training=True),
        lambda x: TF.batch_norm(x, None, None, training=True),
        FLOATING,
        lambda make: [make(4, 3), make(3, 2, 4)],
    ),
    OpSpec(
        "layer_norm",
        lambda x, w, b: EF.layer_norm(x, w.shape, w, b),
        lambda x, w, b: TF.layer_norm(x, w.shape, w, b),
        FLOATING,
        lambda make: [
            S(make(3, 4), make(4), make(4)),
            S(make(2, 3, 4), make(3, 4), make(3, 4)),
            S(make(4, 3).T, make(4), make(4)),
        ],
    ),
    OpSpec(
        "layer_norm_plain",
        lambda x: EF.layer_norm(x, (x.shape[-1],), eps=1e-3),
        lambda x: TF.layer_norm(x, (x.shape[-1],), eps=1e-3),
        FLOATING + HALF,
        lambda make: [make(3, 5), make(5)],
        tol={"float16": (1e-3, 2e-3), "bfloat16": (1e-2, 2e-2)},
    ),
    OpSpec(
        "group_norm",
        lambda x, w, b: EF.group_norm(x, 2, w, b),
        lambda x, w, b: TF.group_norm(x, 2, w, b),
        FLOATING,
        lambda make: [S(make(2, 4, 3), make(4), make(4)), S(make(1, 6, 2, 2), make(6), make(6))],
    ),
    OpSpec(
        "group_norm_plain",
        lambda x: EF.group_norm(x, 3),
        lambda x: TF.group_norm(x, 3),
        FLOATING,
        lambda make: [make(2, 3, 4), make(2, 6)],
    ),
    OpSpec(
        "instance_norm",
        _in(ember, EF, False),
        _in(torch, TF, False),
        FLOATING,
        lambda make: [S(make(2, 3, 4), make(3), make(3)), S(make(2, 2, 3, 3), make(2), make(2))],
    ),
    OpSpec(
        "instance_norm_running_stats",
        _in(ember, EF, True),
        _in(torch, TF, True),
        FLOATING,
        lambda make: [S(make(2, 3, 4), make(3), make(3))],
        grad=False,
    ),
    OpSpec(
        "instance_norm_eval",
        lambda x: EF.instance_norm(
            x,
            ember.full((x.shape[1],), 0.5, dtype=x.dtype),
            ember.ones(x.shape[1], dtype=x.dtype),
            use_input_stats=False,
        ),
        lambda x: TF.instance_norm(
            x,
            torch.full((x.shape[1],), 0.5, dtype=x.dtype),
            torch.ones(x.shape[1], dtype=x.dtype),
            use_input_stats=False,
        ),
        FLOATING,
        lambda make: [make(2, 3, 4)],
    ),
    OpSpec(
        "rms_norm",
        lambda x, w: EF.rms_norm(x, w.shape, w),
        lambda x, w: TF.rms_norm(x, w.shape, w),
        FLOATING,
        lambda make: [S(make(3, 4), make(4)), S(make(2, 3, 4), make(3, 4))],
    ),
    OpSpec(
        "rms_norm_eps",
        lambda x: EF.rms_norm(x, (4,), eps=1e-3),
        lambda x: TF.rms_norm(x, (4,), eps=1e-3),
        FLOATING,
        lambda make: [make(3, 4)],
    ),
    OpSpec(
        "local_response_norm",
        lambda x: EF.local_response_norm(x, 3, alpha=0.5, beta=0.75, k=1.5),
        lambda x: TF.local_response_norm(x, 3, alpha=0.5, beta=0.75, k=1.5),
        FLOATING,
        lambda make: [make(2, 5, 3), make(1, 4, 2, 3)],
    ),
    OpSpec(
        "local_response_norm_even",
        lambda x: EF.local_response_norm(x, 2),
        lambda x: TF.local_response_norm(x, 2),
        FLOATING,
        lambda make: [make(2, 4, 3)],
    ),
    OpSpec(
        "normalize",
        EF.normalize,
        TF.normalize,
        FLOATING,
        lambda make: [make(3, 4), S(make(2, 3, 4), p=1.0, dim=-1), S(make(3, 4), p=3.0, dim=0)],
        avoid=lambda a: numpy.abs(a) < 0.1,
    ),
]
