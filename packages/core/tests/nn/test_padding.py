"""Padding layers against torch.nn (every mode and rank, batched and unbatched, negative
padding): outputs, input grads, reprs; F.pad errors."""

import numpy as np
import pytest
import torch

import ember
from ember import nn

CASES = []
for n, shape in ((1, (2, 3, 5)), (2, (2, 2, 4, 5)), (3, (1, 2, 3, 4, 5))):
    pad = (1, 2, 2, 1, 0, 2)[: 2 * n]
    for kind in ("Reflection", "Replication", "Circular", "Zero"):
        CASES.append((f"{kind}Pad{n}d", (pad,), shape))
        CASES.append((f"{kind}Pad{n}d", (1,), shape[1:]))  # int padding, unbatched
    CASES.append((f"ConstantPad{n}d", (pad, 2.5), shape))
    CASES.append((f"ConstantPad{n}d", (-1, 0.5), shape))  # negative padding crops
    CASES.append((f"ZeroPad{n}d", (tuple(-p for p in pad),), shape))


@pytest.mark.parametrize(("name", "args", "shape"), CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_padding_module_matches_torch(name, args, shape, dtype):
    e, t = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(e) == repr(t)
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    ex, tx = ember.from_numpy(x.copy()).requires_grad_(), torch.from_numpy(x).requires_grad_()
    ey, ty = e(ex), t(tx)
    np.testing.assert_array_equal(ey.detach().numpy(), ty.detach().numpy())
    g = np.random.default_rng(1).standard_normal(tuple(ty.shape)).astype(dtype)
    ey.backward(ember.from_numpy(g)), ty.backward(torch.from_numpy(g))
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_pad_errors():
    F = ember.nn.functional
    with pytest.raises(RuntimeError, match="divisible by 2"):
        F.pad(ember.ones(2, 3), (1,))
    with pytest.raises(RuntimeError, match="less than or equal to two times"):
        F.pad(ember.ones(2), (1, 1, 1, 1))
    with pytest.raises(RuntimeError, match="Padding size should be less than"):
        F.pad(ember.ones(1, 1, 3), (3, 3), mode="reflect")
    with pytest.raises(NotImplementedError, match="reflect padding"):
        F.pad(ember.ones(3), (1, 1), mode="reflect")
    with pytest.raises(NotImplementedError, match="padding mode"):
        F.pad(ember.ones(1, 3), (1, 1), mode="wrap")
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        nn.CircularPad1d(1)(ember.ones(1, 1, 1, 3))
