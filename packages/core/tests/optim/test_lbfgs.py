"""LBFGS follows PyTorch's iterates on Rosenbrock, with and without strong-Wolfe search."""

import numpy
import pytest
import torch
from optim._helpers import assert_params_close, to_ember, to_torch

import ember


def _rosenbrock(x):
    value = numpy.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    grad = numpy.zeros_like(x)
    grad[:-1] = -400.0 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    grad[1:] += 200.0 * (x[1:] - x[:-1] ** 2)
    return value, grad


def _closure(param, make):
    def closure():
        value, grad = _rosenbrock(param.detach().numpy().copy())
        param.grad = make(grad)
        return make(numpy.array(value))

    return closure


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("history_size", [100, 3])
def test_lbfgs_rosenbrock_matches_torch(line_search_fn, history_size):
    x0 = numpy.array([-1.2, 1.0, -0.5, 0.8])
    pe = ember.tensor(x0.copy(), requires_grad=True)
    pt = torch.tensor(x0.copy(), requires_grad=True)
    lr = 1.0 if line_search_fn else 1e-3
    kwargs = {"lr": lr, "max_iter": 5, "history_size": history_size}
    opt_e = ember.optim.LBFGS([pe], line_search_fn=line_search_fn, **kwargs)
    opt_t = torch.optim.LBFGS([pt], line_search_fn=line_search_fn, **kwargs)
    for i in range(20):
        loss_e = opt_e.step(_closure(pe, ember.tensor))
        loss_t = opt_t.step(_closure(pt, torch.tensor))
        # Same control flow (evaluation counts) every step; values agree to rounding noise,
        # which Rosenbrock's valley amplifies from 1e-16 to ~1e-10 before convergence.
        assert opt_e.state[pe]["func_evals"] == opt_t.state[pt]["func_evals"]
        assert opt_e.state[pe]["n_iter"] == opt_t.state[pt]["n_iter"]
        assert float(loss_e) == pytest.approx(float(loss_t), rel=1e-7, abs=1e-12)
        assert_params_close([pe], [pt], rtol=1e-7, atol=1e-9, msg=lambda m, i=i: f"{i}: {m}")
    if line_search_fn:
        assert float(_rosenbrock(pe.detach().numpy())[0]) < 1e-6


def test_lbfgs_with_autograd_closure_matches_torch():
    xs = [lib.tensor([-1.2, 1.0], dtype=lib.float64, requires_grad=True) for lib in (ember, torch)]
    opts = [
        lib.optim.LBFGS([x], line_search_fn="strong_wolfe") for lib, x in zip((ember, torch), xs)
    ]
    for x, opt in zip(xs, opts):

        def closure(x=x, opt=opt):
            opt.zero_grad()
            loss = 100.0 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2
            loss.backward()
            return loss

        for _ in range(3):
            opt.step(closure)
    assert opts[0].state[xs[0]]["func_evals"] == opts[1].state[xs[1]]["func_evals"]
    assert_params_close(xs[:1], xs[1:], rtol=1e-7, atol=1e-9)


def test_lbfgs_rejects_unknown_line_search():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    opt = ember.optim.LBFGS([x], line_search_fn="armijo")
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(_closure(x, ember.tensor))


def test_lbfgs_state_dict_moves_to_torch_and_back():
    x0 = numpy.array([-1.2, 1.0, -0.5, 0.8])
    pe = ember.tensor(x0.copy(), requires_grad=True)
    kwargs = {"max_iter": 4, "line_search_fn": "strong_wolfe"}
    opt_e = ember.optim.LBFGS([pe], **kwargs)
    opt_e.step(_closure(pe, ember.tensor))
    pt = torch.tensor(pe.detach().numpy().copy(), requires_grad=True)
    opt_t = torch.optim.LBFGS([pt], **kwargs)
    opt_t.load_state_dict(to_torch(opt_e.state_dict()))
    opt_e.step(_closure(pe, ember.tensor))
    opt_t.step(_closure(pt, torch.tensor))
    assert_params_close([pe], [pt], rtol=1e-9, atol=1e-12)
    pe2 = ember.tensor(pt.detach().numpy().copy(), requires_grad=True)
    opt_e2 = ember.optim.LBFGS([pe2], **kwargs)
    opt_e2.load_state_dict(to_ember(opt_t.state_dict()))
    opt_e2.step(_closure(pe2, ember.tensor))
    opt_t.step(_closure(pt, torch.tensor))
    assert_params_close([pe2], [pt], rtol=1e-9, atol=1e-12)
    assert opt_e2.state[pe2]["func_evals"] == opt_t.state[pt]["func_evals"]
