"""Loss layers against ``torch.nn``: values and input grads for every loss module (each
reduction, float32/float64, batch size 1 included), buffers and state_dict keys, repr,
legacy ``size_average``/``reduce`` mapping, and error messages."""

import warnings

import numpy as np
import pytest
import torch

import ember
from ember import nn

RNG = np.random.default_rng(0)


def _f(*shape, low=-2.0, high=2.0):
    return RNG.uniform(low, high, size=shape)


def _i(high, *shape):
    return RNG.integers(0, high, size=shape).astype(np.int64)


def _pm1(*shape):
    return np.where(RNG.random(shape) < 0.5, -1.0, 1.0)


def _inputs(name, n):
    """(differentiable float inputs, fixed extra inputs) for one loss on batch size ``n``."""
    if name in ("L1Loss", "MSELoss", "HuberLoss", "SmoothL1Loss"):
        return [_f(n, 3), _f(n, 3)], []
    if name in ("CrossEntropyLoss", "MultiMarginLoss"):
        return [_f(n, 4)], [_i(4, n)]
    if name == "NLLLoss":
        return [np.log(RNG.dirichlet(np.ones(4), size=n))], [_i(4, n)]
    if name == "BCELoss":
        return [_f(n, 3, low=0.05, high=0.95), _f(n, 3, low=0, high=1)], []
    if name in ("BCEWithLogitsLoss", "MultiLabelSoftMarginLoss"):
        return [_f(n, 3), _f(n, 3, low=0, high=1)], []
    if name == "KLDivLoss":
        return [_f(n, 3), _f(n, 3, low=0.1, high=1)], []
    if name in ("SoftMarginLoss", "HingeEmbeddingLoss"):
        return [_f(n, 3)], [_pm1(n, 3)]
    if name == "MultiLabelMarginLoss":
        t = np.full((n, 4), -1, np.int64)
        t[:, 0] = _i(4, n)
        return [_f(n, 4)], [t]
    if name in ("CosineEmbeddingLoss", "MarginRankingLoss"):
        shape = (n, 3) if name == "CosineEmbeddingLoss" else (n,)
        return [_f(*shape), _f(*shape)], [_pm1(n)]
    if name in ("TripletMarginLoss", "TripletMarginWithDistanceLoss"):
        return [_f(n, 3), _f(n, 3), _f(n, 3)], []
    if name == "PoissonNLLLoss":
        return [_f(n, 3), _f(n, 3, low=0, high=3)], []
    if name == "GaussianNLLLoss":
        return [_f(n, 3), _f(n, 3), _f(n, 3, low=0.1, high=2)], []
    raise AssertionError(name)


WEIGHTED = {"CrossEntropyLoss", "NLLLoss", "MultiMarginLoss", "MultiLabelSoftMarginLoss"}
NAMES = [
    "L1Loss", "MSELoss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss",
    "KLDivLoss", "HuberLoss", "SmoothL1Loss", "SoftMarginLoss", "MultiLabelSoftMarginLoss",
    "MultiLabelMarginLoss", "MultiMarginLoss", "CosineEmbeddingLoss", "MarginRankingLoss",
    "HingeEmbeddingLoss", "TripletMarginLoss", "TripletMarginWithDistanceLoss",
    "PoissonNLLLoss", "GaussianNLLLoss",
]  # fmt: skip


def _pair(name, dtype, **kwargs):
    t_mod = getattr(torch.nn, name)(**kwargs)
    e_kwargs = {
        k: ember.from_numpy(v.numpy().copy()) if isinstance(v, torch.Tensor) else v
        for k, v in kwargs.items()
    }
    e_mod = getattr(nn, name)(**e_kwargs)
    return t_mod.to(getattr(torch, dtype)), e_mod.to(getattr(ember, dtype))


def _run(t_mod, e_mod, floats, fixed, dtype):
    xt = [torch.from_numpy(a.astype(dtype)).requires_grad_() for a in floats]
    xe = [ember.from_numpy(a.astype(dtype)).requires_grad_() for a in floats]
    ft = [torch.from_numpy(a if a.dtype == np.int64 else a.astype(dtype)) for a in fixed]
    fe = [ember.from_numpy(a if a.dtype == np.int64 else a.astype(dtype)) for a in fixed]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # KLDivLoss 'mean' warns in both libraries
        yt = t_mod(*xt, *ft)
        ye = e_mod(*xe, *fe)
    torch.testing.assert_close(torch.from_numpy(np.asarray(ye.detach().numpy())), yt.detach())
    cot = np.random.default_rng(1).standard_normal(tuple(yt.shape)).astype(dtype)
    gt = torch.autograd.grad(yt, xt, torch.from_numpy(cot), allow_unused=True)
    ge = ember.autograd.grad(ye, xe, ember.from_numpy(cot), allow_unused=True)
    for a, b in zip(ge, gt):
        if b is None:
            assert a is None or not a.numpy().any()
            continue
        torch.testing.assert_close(torch.from_numpy(a.numpy()), b)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", NAMES)
def test_loss_module_matches_torch(name, reduction, dtype):
    for n in (4, 1):
        floats, fixed = _inputs(name, n)
        t_mod, e_mod = _pair(name, dtype, reduction=reduction)
        for mode in (True, False):
            t_mod.train(mode)
            e_mod.train(mode)
            _run(t_mod, e_mod, floats, fixed, dtype)


@pytest.mark.parametrize("name", sorted(WEIGHTED))
def test_weighted_loss_module_matches_torch(name):
    c = 3 if name == "MultiLabelSoftMarginLoss" else 4
    weight = torch.from_numpy(_f(c, low=0.5, high=2))
    t_mod, e_mod = _pair(name, "float64", weight=weight)
    floats, fixed = _inputs(name, 5)
    _run(t_mod, e_mod, floats, fixed, "float64")
    assert list(e_mod.state_dict()) == list(t_mod.state_dict()) == ["weight"]
    assert dict(e_mod.named_buffers()).keys() == dict(t_mod.named_buffers()).keys()


def test_cross_entropy_module_options_match_torch():
    weight = torch.from_numpy(_f(4, low=0.5, high=2))
    t_mod, e_mod = _pair(
        "CrossEntropyLoss", "float32", weight=weight, ignore_index=2, label_smoothing=0.1
    )
    x, t = _f(3, 4, 2, 2), _i(4, 3, 2, 2)
    _run(t_mod, e_mod, [x], [t], "float32")


def test_bce_with_logits_buffers_match_torch():
    pw = torch.from_numpy(_f(3, low=0.5, high=2))
    w = torch.from_numpy(_f(3, low=0.5, high=2))
    t_mod, e_mod = _pair("BCEWithLogitsLoss", "float64", weight=w, pos_weight=pw)
    assert list(e_mod.state_dict()) == list(t_mod.state_dict()) == ["weight", "pos_weight"]
    _run(t_mod, e_mod, *_inputs("BCEWithLogitsLoss", 4), "float64")
    t_mod, e_mod = _pair("BCEWithLogitsLoss", "float64")
    assert list(e_mod.state_dict()) == list(t_mod.state_dict()) == []


def test_ctc_module_matches_torch():
    x = _f(7, 3, 5)
    targets = np.array([[1, 2, 2], [3, 4, 0], [2, 0, 0]])
    for reduction in ("mean", "sum", "none"):
        for zero_inf in (False, True):
            t_mod = torch.nn.CTCLoss(reduction=reduction, zero_infinity=zero_inf)
            e_mod = nn.CTCLoss(reduction=reduction, zero_infinity=zero_inf)
            xt = torch.from_numpy(x).requires_grad_()
            xe = ember.from_numpy(x.copy()).requires_grad_()
            lens = ([7, 6, 2], [3, 2, 1])
            yt = t_mod(xt.log_softmax(2), torch.from_numpy(targets), *map(torch.tensor, lens))
            ye = e_mod(ember.log_softmax(xe, 2), ember.from_numpy(targets), *lens)
            torch.testing.assert_close(
                torch.from_numpy(np.asarray(ye.detach().numpy())), yt.detach()
            )
            yt.sum().backward()
            ye.sum().backward()
            torch.testing.assert_close(torch.from_numpy(xe.grad.numpy()), xt.grad)


def test_ctc_impossible_alignment_is_inf_or_zero():
    lp = ember.log_softmax(ember.zeros(2, 1, 3), 2)
    targets = ember.tensor([[1, 1, 1]])
    y = ember.ctc_loss(lp, targets, [2], [3], reduction="sum")
    assert np.isinf(y.item())
    y = ember.ctc_loss(lp, targets, [2], [3], reduction="sum", zero_infinity=True)
    assert y.item() == 0


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("L1Loss", {}),
        ("CrossEntropyLoss", {"label_smoothing": 0.1}),
        ("NLLLoss", {"ignore_index": 3}),
        ("MultiMarginLoss", {"p": 2}),
        ("TripletMarginLoss", {"margin": 2.0}),
        ("CTCLoss", {"blank": 1}),
        ("GaussianNLLLoss", {"full": True}),
        ("HuberLoss", {"delta": 0.5}),
    ],
)
def test_loss_repr_and_attributes_match_torch(name, kwargs):
    t_mod = getattr(torch.nn, name)(**kwargs)
    e_mod = getattr(nn, name)(**kwargs)
    assert repr(e_mod) == repr(t_mod)
    assert e_mod.reduction == t_mod.reduction
    for k in kwargs:
        assert getattr(e_mod, k) == getattr(t_mod, k)


@pytest.mark.parametrize(
    ("size_average", "reduce"), [(None, False), (False, None), (True, True), (False, True)]
)
def test_legacy_reduction_flags_map_like_torch(size_average, reduce):
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        t_mod = torch.nn.MSELoss(size_average=size_average, reduce=reduce)
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        e_mod = nn.MSELoss(size_average=size_average, reduce=reduce)
    assert e_mod.reduction == t_mod.reduction


def test_cross_entropy_mean_with_all_targets_ignored_is_nan():
    y = ember.nn.functional.cross_entropy(ember.zeros(2, 3), ember.tensor([-100, -100]))
    assert np.isnan(y.item())


def test_cross_entropy_double_backward_matches_torch():
    x = _f(3, 4)
    t = _i(4, 3)
    xt = torch.from_numpy(x).requires_grad_()
    xe = ember.from_numpy(x.copy()).requires_grad_()
    (gt,) = torch.autograd.grad(
        torch.nn.functional.cross_entropy(xt, torch.from_numpy(t), label_smoothing=0.1),
        xt,
        create_graph=True,
    )
    (ge,) = ember.autograd.grad(
        ember.nn.functional.cross_entropy(xe, ember.from_numpy(t), label_smoothing=0.1),
        xe,
        create_graph=True,
    )
    (ggt,) = torch.autograd.grad((gt**2).sum(), xt)
    (gge,) = ember.autograd.grad((ge**2).sum(), xe)
    torch.testing.assert_close(torch.from_numpy(gge.numpy()), ggt)


def test_loss_errors_are_clear():
    F = ember.nn.functional
    with pytest.raises(IndexError, match="Target 7 is out of bounds"):
        F.cross_entropy(ember.zeros(2, 3), ember.tensor([0, 7]))
    with pytest.raises(ValueError, match="Expected input batch_size"):
        F.nll_loss(ember.zeros(2, 3), ember.tensor([0, 1, 2]))
    with pytest.raises(RuntimeError, match="weight tensor should be defined"):
        F.cross_entropy(ember.zeros(2, 3), ember.tensor([0, 1]), weight=ember.ones(4))
    with pytest.raises(ValueError, match="is not a valid value for reduction"):
        F.mse_loss(ember.zeros(2), ember.zeros(2), reduction="avg")
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(ember.tensor([1.5]), ember.tensor([1.0]))
    with pytest.raises(ValueError, match="different to the input size"):
        F.binary_cross_entropy(ember.tensor([0.5, 0.5]), ember.tensor([1.0]))
    with pytest.raises(ValueError, match="var is of incorrect size"):
        F.gaussian_nll_loss(ember.zeros(2, 3), ember.zeros(2, 3), ember.ones(4))
    with pytest.raises(ValueError, match="only p == 1 and p == 2"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(UserWarning, match="target size"):
        F.mse_loss(ember.zeros(2, 3), ember.zeros(3))


def test_ctc_double_backward_raises_once_differentiable():
    x = ember.randn(4, 1, 3, requires_grad=True)
    y = ember.ctc_loss(ember.log_softmax(x, 2), ember.tensor([[1, 2]]), [4], [2])
    v = ember.tensor(1.0, requires_grad=True)  # a differentiable cotangent, as PyTorch needs
    (g,) = ember.autograd.grad(y, x, v, create_graph=True)
    with pytest.raises(RuntimeError, match="once_differentiable"):
        g.sum().backward()


def test_activations_handle_infinities_like_torch():
    x = np.array([-np.inf, -1.0, 0.0, 2.0, np.inf])
    for name in ("softshrink", "hardshrink", "logsigmoid", "softplus", "silu", "elu", "gelu"):
        expected = getattr(torch.nn.functional, name)(torch.from_numpy(x)).numpy()
        actual = getattr(ember.nn.functional, name)(ember.from_numpy(x.copy())).numpy()
        np.testing.assert_allclose(actual, expected, err_msg=name)
