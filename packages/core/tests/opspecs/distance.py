"""Specs for cosine_similarity, pairwise_distance, pdist and cdist."""

import torch

import ember
from opspecs import FLOATING, OpSpec, S

EF, TF = ember.nn.functional, torch.nn.functional

SPECS = [
    OpSpec(
        "cosine_similarity",
        EF.cosine_similarity,
        TF.cosine_similarity,
        FLOATING,
        lambda make: [
            S(make(3, 4), make(3, 4)),
            S(make(2, 3, 4), make(3, 1), dim=1),
            S(make(4, 3).T, make(3, 4), dim=-1),
        ],
    ),
    OpSpec(
        "pairwise_distance",
        EF.pairwise_distance,
        TF.pairwise_distance,
        FLOATING,
        lambda make: [
            S(make(3, 4), make(3, 4)),
            S(make(3, 4), make(4), p=1.5, keepdim=True),
            S(make(2, 3, 4), make(2, 3, 4), p=3.0),
        ],
    ),
    OpSpec(
        "pdist",
        EF.pdist,
        TF.pdist,
        FLOATING,
        lambda make: [make(4, 3), S(make(5, 2), p=1.5), S(make(3, 4), p=3.0)],
    ),
    OpSpec(
        "cdist",
        ember.cdist,
        torch.cdist,
        FLOATING,
        lambda make: [
            S(make(3, 4), make(5, 4)),
            S(make(2, 3, 4), make(2, 2, 4), p=1.5),
            S(make(30, 3), make(4, 3)),  # the matmul path
            S(make(3, 2), make(4, 2), p=3.0),
        ],
        tol={"float32": (1e-4, 1e-4)},
    ),
]
