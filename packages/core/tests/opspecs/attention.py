"""Specs for the attention ops: scaled_dot_product_attention (masks, causal, scale, GQA) and
multi_head_attention_forward (packed and separate projections, bias_kv, zero-attn, masks).
Dropout is random; it is only run at p=0 here (tests/nn/test_transformer.py covers it)."""

import numpy
import torch

import ember
from opspecs import FLOATING, Fixed, OpSpec, S

EF, TF = ember.nn.functional, torch.nn.functional

_rng = numpy.random.default_rng(7)
_BOOL_MASK = _rng.random((4, 5)) < 0.4
_BOOL_MASK[:, 0] = False
_DEAD_ROW = _BOOL_MASK.copy()
_DEAD_ROW[2] = True  # a query that may attend to nothing: PyTorch returns 0 there
_KPM = numpy.zeros((2, 5), dtype=bool)
_KPM[1, 3:] = True


def _sdpa_samples(make):
    return [
        S(make(2, 4, 3), make(2, 5, 3), make(2, 5, 6)),
        S(make(2, 2, 4, 3), make(2, 2, 5, 3), make(2, 2, 5, 3), scale=0.7),
        S(make(1, 2, 4, 3), make(1, 2, 4, 3), make(1, 2, 4, 3), is_causal=True),
        S(make(3, 4, 3), make(3, 5, 3), make(3, 5, 2), attn_mask=Fixed(_BOOL_MASK)),
        S(make(2, 4, 3), make(2, 5, 3), make(2, 5, 3), attn_mask=Fixed(_DEAD_ROW)),
        S(make(2, 4, 3), make(2, 5, 3), make(2, 5, 3), make(4, 5)),  # float mask, with grad
        S(make(4, 3), make(5, 3), make(5, 3)),  # no batch dims
    ]


def _mha(packed, need_weights, **extra):
    def call(F, q, k, v, w, b, wo, bo, *rest, **kw):
        kv = dict(extra)
        if not packed:
            kv.update(
                use_separate_proj_weight=True,
                q_proj_weight=w[0],
                k_proj_weight=w[1],
                v_proj_weight=w[2],
            )
            w = None
        if kv.pop("bias_kv", False):
            bk, bv = rest
        else:
            bk = bv = None
        return F.multi_head_attention_forward(
            q,
            k,
            v,
            6,
            2,
            w,
            b,
            bk,
            bv,
            kv.pop("add_zero_attn", False),
            0.0,
            wo,
            bo,
            need_weights=need_weights,
            **kv,
            **kw,
        )

    return (lambda *a, **kw: call(EF, *a, **kw)), (lambda *a, **kw: call(TF, *a, **kw))


def _mha_samples(packed, self_attn=False, bias_kv=False, unbatched=False):
    def samples(make):
        b = () if unbatched else (2,)
        q = make(4, *b, 6)
        k = q if self_attn else make(5, *b, 6 if packed else 3)
        v = k if self_attn else make(5, *b, 6 if packed else 4)
        w = make(18, 6) if packed else (make(6, 6), make(6, 3), make(6, 4))
        rest = (make(1, 1, 6), make(1, 1, 6)) if bias_kv else ()
        return [S(q, k, v, w, make(18), make(6, 6), make(6), *rest)]

    return samples


SPECS = [
    OpSpec(
        "scaled_dot_product_attention",
        EF.scaled_dot_product_attention,
        TF.scaled_dot_product_attention,
        FLOATING,
        _sdpa_samples,
        tol={"float32": (1e-4, 1e-4)},
        domain=(-1, 1),
    ),
    OpSpec(
        "scaled_dot_product_attention_gqa",
        lambda q, k, v: EF.scaled_dot_product_attention(q, k, v, enable_gqa=True),
        lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, enable_gqa=True),
        FLOATING,
        lambda make: [S(make(1, 4, 3, 2), make(1, 2, 5, 2), make(1, 2, 5, 3))],
        tol={"float32": (1e-4, 1e-4)},
        domain=(-1, 1),
    ),
]

for _name, _packed, _nw, _extra, _kw in [
    ("mha_packed_weights", True, True, {}, {}),
    ("mha_packed_no_weights", True, False, {}, {}),
    ("mha_self_attention", True, True, {"average_attn_weights": False}, {"self_attn": True}),
    ("mha_separate_proj", False, True, {}, {}),
    ("mha_separate_proj_no_weights", False, False, {}, {}),
    (
        "mha_bias_kv_zero_attn",
        True,
        True,
        {"bias_kv": True, "add_zero_attn": True},
        {"bias_kv": True},
    ),
    (
        "mha_bias_kv_no_weights",
        True,
        False,
        {"bias_kv": True, "add_zero_attn": True},
        {"bias_kv": True},
    ),
    ("mha_unbatched", True, True, {}, {"unbatched": True}),
]:
    _e, _t = _mha(_packed, _nw, **_extra)
    SPECS.append(
        OpSpec(
            _name,
            _e,
            _t,
            FLOATING,
            _mha_samples(_packed, **_kw),
            tol={"float32": (1e-4, 1e-4)},
            domain=(-1, 1),
        )
    )


def _mha_masked(F, kpm_bool, need_weights):
    def call(q, k, w, b, wo, bo, am, kpm):
        if not kpm_bool:
            kpm = torch.where(kpm, -1e9, 0.0) if F is TF else ember.where(kpm, -1e9, 0.0)
            kpm = kpm.to(q.dtype)
            am = (torch.where(am, -1e9, 0.0) if F is TF else ember.where(am, -1e9, 0.0)).to(q.dtype)
        return F.multi_head_attention_forward(
            q,
            k,
            k,
            6,
            2,
            w,
            b,
            None,
            None,
            False,
            0.0,
            wo,
            bo,
            key_padding_mask=kpm,
            attn_mask=am,
            need_weights=need_weights,
        )

    return call


for _kb in (True, False):
    for _nw in (True, False):
        SPECS.append(
            OpSpec(
                f"mha_masks_{'bool' if _kb else 'float'}_kpm_{'weights' if _nw else 'sdpa'}",
                _mha_masked(EF, _kb, _nw),
                _mha_masked(TF, _kb, _nw),
                FLOATING,
                lambda make: [
                    S(
                        make(4, 2, 6),
                        make(5, 2, 6),
                        make(18, 6),
                        make(18),
                        make(6, 6),
                        make(6),
                        Fixed(_BOOL_MASK),
                        Fixed(_KPM),
                    )
                ],
                tol={"float32": (1e-4, 1e-4)},
                domain=(-1, 1),
            )
        )
