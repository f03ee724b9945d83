"""Fold/Unfold layers against torch.nn, and fold as unfold's adjoint."""

import numpy as np
import pytest
import torch

import ember
from ember import nn

CASES = [
    ((4, 5), 2, {}, (2, 3 * 4, 12)),
    ((6, 7), (2, 3), dict(dilation=(2, 1), padding=1, stride=(2, 3)), (1, 2 * 6, 9)),
    ((4, 4), 3, dict(padding=1), (18, 16)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("output_size", "kernel", "kwargs", "shape"), CASES)
def test_fold_and_unfold_layers_match_torch(output_size, kernel, kwargs, shape, dtype):
    rng = np.random.default_rng(0)
    fold_e, fold_t = (
        nn.Fold(output_size, kernel, **kwargs),
        torch.nn.Fold(output_size, kernel, **kwargs),
    )
    unfold_e, unfold_t = nn.Unfold(kernel, **kwargs), torch.nn.Unfold(kernel, **kwargs)
    assert repr(fold_e) == repr(fold_t) and repr(unfold_e) == repr(unfold_t)
    for batch in (shape, (1,) + shape[1:]) if len(shape) == 3 else (shape,):
        x = rng.standard_normal(batch).astype(dtype)
        ex, tx = (
            ember.from_numpy(x.copy()).requires_grad_(),
            torch.from_numpy(x.copy()).requires_grad_(),
        )
        ey, ty = fold_e(ex), fold_t(tx)
        torch.testing.assert_close(torch.from_numpy(ey.detach().numpy()), ty.detach())
        # unfold of the image back to columns, then both backward
        ez, tz = unfold_e(ey), unfold_t(ty)
        torch.testing.assert_close(torch.from_numpy(ez.detach().numpy()), tz.detach())
        g = rng.standard_normal(tuple(tz.shape)).astype(dtype)
        ez.backward(ember.from_numpy(g))
        tz.backward(torch.from_numpy(g))
        torch.testing.assert_close(torch.from_numpy(ex.grad.numpy()), tx.grad)


def test_fold_is_the_adjoint_of_unfold():
    rng = np.random.default_rng(1)
    x = ember.from_numpy(rng.standard_normal((2, 3, 5, 6)))
    cols = ember.from_numpy(rng.standard_normal((2, 3 * 4, 4 * 5)))
    lhs = (nn.functional.unfold(x, 2) * cols).sum()
    rhs = (x * nn.functional.fold(cols, (5, 6), 2)).sum()
    assert abs(lhs.item() - rhs.item()) < 1e-9


def test_fold_errors_name_the_mismatch():
    with pytest.raises(RuntimeError, match="calculated number of sliding blocks"):
        nn.functional.fold(ember.ones(1, 4, 5), (3, 3), 2)
    with pytest.raises(RuntimeError, match="divisible by the product of kernel_size"):
        nn.functional.fold(ember.ones(1, 5, 4), (3, 3), 2)
    with pytest.raises(RuntimeError, match=r"unfold: expected input with 4 dims"):
        nn.functional.unfold(ember.ones(4, 5), 2)
