"""Specs for the dropout ops where they are deterministic: evaluation mode and p=0 are the
identity (the random masks are tested statistically in tests/nn/test_dropout.py)."""

import torch

import ember
from opspecs import FLOATING, OpSpec, S

EF, TF = ember.nn.functional, torch.nn.functional

SPECS = [
    OpSpec(
        f"{name}_eval",
        lambda x, n=name: getattr(EF, n)(x, 0.5, training=False),
        lambda x, n=name: getattr(TF, n)(x, 0.5, training=False),
        FLOATING,
        lambda make: [make(2, 3, 2, 2)],
    )
    for name in ("dropout", "dropout2d", "alpha_dropout", "feature_alpha_dropout")
] + [
    OpSpec(
        "dropout_p0",
        lambda x: EF.dropout(x, 0.0, training=True),
        lambda x: TF.dropout(x, 0.0, training=True),
        FLOATING,
        lambda make: [S(make(3, 4))],
    ),
]
