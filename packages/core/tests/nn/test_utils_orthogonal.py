"""``nn.utils.parametrizations.orthogonal`` against PyTorch (the trivialization base is
copied from PyTorch, so both evaluate the same map)."""

import numpy as np
import pytest
import torch

import ember
from ember import nn
from ember.nn.utils import parametrizations


def _e(t):
    return ember.from_numpy(t.detach().numpy().copy())


def _close(e, t, **kw):
    torch.testing.assert_close(torch.from_numpy(np.asarray(e.detach().numpy())), t.detach(), **kw)


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
@pytest.mark.parametrize("orthogonal_map", [None, "matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("use_trivialization", [True, False])
def test_orthogonal_matches_torch(shape, orthogonal_map, use_trivialization):
    out_f, in_f = shape
    torch.manual_seed(0)
    tm = torch.nn.Linear(in_f, out_f).double()
    em = nn.Linear(in_f, out_f).double()
    em.load_state_dict({k: _e(v) for k, v in tm.state_dict().items()})
    torch.nn.utils.parametrizations.orthogonal(
        tm, orthogonal_map=orthogonal_map, use_trivialization=use_trivialization
    )
    parametrizations.orthogonal(
        em, orthogonal_map=orthogonal_map, use_trivialization=use_trivialization
    )
    assert list(em.state_dict()) == list(tm.state_dict())
    assert repr(em) == repr(tm)
    # registration draws random completions for non-square weights: take torch's state
    em.load_state_dict({k: _e(v) for k, v in tm.state_dict().items()})
    _close(em.weight, tm.weight)
    w = em.weight.detach().numpy()
    small = min(shape)
    gram = w @ w.T if shape[0] == small else w.T @ w
    np.testing.assert_allclose(gram, np.eye(small), atol=1e-10)
    x = np.random.default_rng(0).standard_normal((2, in_f))
    ex, tx = ember.from_numpy(x.copy()), torch.from_numpy(x.copy())
    ey, ty = em(ex), tm(tx)
    _close(ey, ty)
    (ey**2).sum().backward()
    (ty**2).sum().backward()
    for (en, ep), (tn, tp) in zip(em.named_parameters(), tm.named_parameters()):
        assert en == tn
        _close(ep.grad, tp.grad)


def test_orthogonal_assignment_and_errors():
    m = parametrizations.orthogonal(nn.Linear(3, 3).double())
    q = np.linalg.qr(np.random.default_rng(0).standard_normal((3, 3)))[0]
    m.weight = ember.from_numpy(q.copy())
    np.testing.assert_allclose(m.weight.detach().numpy(), q, atol=1e-12)
    with pytest.raises(ValueError, match="Expected a matrix"):
        parametrizations.orthogonal(nn.Linear(3, 3), name="bias")
    with pytest.raises(ValueError, match="orthogonal_map has to be one of"):
        parametrizations.orthogonal(nn.Linear(3, 3), orthogonal_map="nope")
