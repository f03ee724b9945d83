"""``nn.init`` against ``torch.nn.init``: fans and gains exactly, deterministic fills
exactly, random fills by bounds and sample statistics."""

import math
import warnings

import numpy as np
import pytest
import torch

import ember
from ember import nn
from ember.nn import init

NONLINEARITIES = [
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "selu",
]


@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
def test_calculate_gain_matches_torch(nonlinearity):
    assert init.calculate_gain(nonlinearity) == torch.nn.init.calculate_gain(nonlinearity)


@pytest.mark.parametrize("param", [None, 0, 0.2, 3, math.sqrt(5)])
def test_leaky_relu_gain_matches_torch(param):
    assert init.calculate_gain("leaky_relu", param) == torch.nn.init.calculate_gain(
        "leaky_relu", param
    )


def test_gain_errors_match_torch():
    for args in (("swish",), ("leaky_relu", "x"), ("leaky_relu", True)):
        with pytest.raises(ValueError) as ours:
            init.calculate_gain(*args)
        with pytest.raises(ValueError) as theirs:
            torch.nn.init.calculate_gain(*args)
        assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("shape", [(3, 4), (5, 2, 3), (6, 4, 3, 3), (2, 3, 1, 2, 2), (0, 3)])
def test_fans_match_torch(shape):
    ours = init._calculate_fan_in_and_fan_out(ember.empty(*shape))
    theirs = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))
    assert ours == theirs
    for mode in ("fan_in", "fan_out", "FAN_IN"):
        assert init._calculate_correct_fan(ember.empty(*shape), mode) == (
            torch.nn.init._calculate_correct_fan(torch.empty(*shape), mode)
        )


def test_fan_errors_match_torch():
    for fn, tfn, args in [
        (init._calculate_fan_in_and_fan_out, torch.nn.init._calculate_fan_in_and_fan_out, ()),
        (init.kaiming_uniform_, torch.nn.init.kaiming_uniform_, ()),
        (init.xavier_normal_, torch.nn.init.xavier_normal_, ()),
    ]:
        with pytest.raises(ValueError) as ours:
            fn(ember.empty(3), *args)
        with pytest.raises(ValueError) as theirs:
            tfn(torch.empty(3), *args)
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(ValueError) as ours:
        init.kaiming_normal_(ember.empty(2, 2), mode="fan_avg")
    with pytest.raises(ValueError) as theirs:
        torch.nn.init.kaiming_normal_(torch.empty(2, 2), mode="fan_avg")
    assert str(ours.value) == str(theirs.value)


def _check_inplace(tensor, result):
    assert result is tensor
    assert tensor._version > 0


def test_constant_ones_zeros_exact():
    for fn, tfn, args in [
        (init.constant_, torch.nn.init.constant_, (0.25,)),
        (init.ones_, torch.nn.init.ones_, ()),
        (init.zeros_, torch.nn.init.zeros_, ()),
    ]:
        t = ember.empty(3, 2)
        _check_inplace(t, fn(t, *args))
        np.testing.assert_array_equal(t.numpy(), tfn(torch.empty(3, 2), *args).numpy())


@pytest.mark.parametrize("shape", [(3, 3), (2, 5), (5, 2)])
def test_eye_matches_torch(shape):
    t = ember.empty(*shape)
    _check_inplace(t, init.eye_(t))
    np.testing.assert_array_equal(t.numpy(), torch.nn.init.eye_(torch.empty(*shape)).numpy())


def test_eye_and_dirac_errors_match_torch():
    for fn, tfn, shape, kwargs in [
        (init.eye_, torch.nn.init.eye_, (2, 2, 2), {}),
        (init.dirac_, torch.nn.init.dirac_, (2, 2), {}),
        (init.dirac_, torch.nn.init.dirac_, (3, 2, 3), {"groups": 2}),
        (init.sparse_, torch.nn.init.sparse_, (3,), {"sparsity": 0.1}),
        (init.orthogonal_, torch.nn.init.orthogonal_, (3,), {}),
    ]:
        with pytest.raises(ValueError) as ours:
            fn(ember.empty(*shape), **kwargs)
        with pytest.raises(ValueError) as theirs:
            tfn(torch.empty(*shape), **kwargs)
        assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize(
    "shape, groups",
    [((4, 4, 3), 1), ((6, 3, 3, 3), 1), ((4, 2, 3, 3), 2), ((3, 5, 1, 3, 3), 1), ((2, 4, 5), 1)],
)
def test_dirac_matches_torch(shape, groups):
    t = ember.empty(*shape)
    _check_inplace(t, init.dirac_(t, groups))
    expected = torch.nn.init.dirac_(torch.empty(*shape), groups)
    np.testing.assert_array_equal(t.numpy(), expected.numpy())


def test_dirac_weight_is_an_identity_map():
    # (out, in, k) = (3, 3, 3) Dirac weight applied as a convolution at the centre tap.
    w = init.dirac_(ember.empty(3, 3, 3)).numpy()
    np.testing.assert_array_equal(w[:, :, 1], np.eye(3))


def test_uniform_and_normal_statistics():
    t = ember.empty(200, 200)
    _check_inplace(t, init.uniform_(t, -0.5, 1.5))
    values = t.numpy()
    assert values.min() >= -0.5 and values.max() < 1.5
    assert abs(values.mean() - 0.5) < 0.02
    init.normal_(t, mean=2.0, std=0.5)
    assert abs(t.numpy().mean() - 2.0) < 0.01 and abs(t.numpy().std() - 0.5) < 0.01


def test_trunc_normal_bounds_and_std():
    t = ember.empty(300, 300)
    _check_inplace(t, init.trunc_normal_(t, mean=0.0, std=1.0, a=-2.0, b=2.0))
    values = t.numpy()
    assert values.min() >= -2.0 and values.max() <= 2.0
    ref = torch.nn.init.trunc_normal_(torch.empty(300, 300), 0.0, 1.0, -2.0, 2.0).numpy()
    assert abs(values.std() - ref.std()) < 0.01 and abs(values.mean()) < 0.01
    narrow = init.trunc_normal_(ember.empty(1000), mean=1.0, std=0.02, a=0.99, b=1.01)
    assert narrow.min() >= 0.99 and narrow.max() <= 1.01


def test_trunc_normal_warns_when_mean_is_far():
    with pytest.warns(UserWarning, match="mean is more than 2 std"):
        init.trunc_normal_(ember.empty(4), mean=10.0, std=1.0, a=-2.0, b=2.0)


@pytest.mark.parametrize("shape", [(64, 300), (128, 32, 3, 3)])
def test_xavier_bounds_and_std(shape):
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(ember.empty(*shape))
    gain = init.calculate_gain("relu")
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    t = init.xavier_uniform_(ember.empty(*shape), gain=gain).numpy()
    bound = math.sqrt(3.0) * std
    assert np.abs(t).max() <= bound and np.abs(t).max() > 0.95 * bound
    assert abs(t.std() - std) / std < 0.05
    n = init.xavier_normal_(ember.empty(*shape), gain=gain).numpy()
    assert abs(n.std() - std) / std < 0.05


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize(
    "nonlinearity, a", [("relu", 0), ("leaky_relu", math.sqrt(5)), ("tanh", 0)]
)
def test_kaiming_bounds_and_std(mode, nonlinearity, a):
    shape = (96, 48, 3, 3)
    fan = init._calculate_correct_fan(ember.empty(*shape), mode)
    std = init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    u = init.kaiming_uniform_(ember.empty(*shape), a=a, mode=mode, nonlinearity=nonlinearity)
    bound = math.sqrt(3.0) * std
    assert np.abs(u.numpy()).max() <= bound * (1 + 1e-6)
    assert abs(u.numpy().std() - std) / std < 0.05
    n = init.kaiming_normal_(ember.empty(*shape), a=a, mode=mode, nonlinearity=nonlinearity)
    assert abs(n.numpy().std() - std) / std < 0.05


def test_kaiming_on_zero_element_tensor_warns_like_torch():
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        init.kaiming_uniform_(ember.empty(0, 3))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.nn.init.kaiming_uniform_(torch.empty(0, 3))
    assert any("zero-element" in str(w.message) for w in caught)


@pytest.mark.parametrize("shape", [(5, 5), (3, 7), (7, 3), (4, 2, 3, 3)])
def test_orthogonal_rows_or_columns_are_orthonormal(shape):
    t = ember.empty(*shape)
    _check_inplace(t, init.orthogonal_(t, gain=2.0))
    flat = t.numpy().reshape(shape[0], -1) / 2.0
    rows, cols = flat.shape
    gram = flat @ flat.T if rows <= cols else flat.T @ flat
    np.testing.assert_allclose(gram, np.eye(min(rows, cols)), atol=1e-5)


def test_orthogonal_float64_and_half():
    w64 = init.orthogonal_(ember.empty(6, 6, dtype=ember.float64)).numpy()
    np.testing.assert_allclose(w64 @ w64.T, np.eye(6), atol=1e-12)
    w16 = init.orthogonal_(ember.empty(4, 4, dtype=ember.float16))
    assert w16.dtype == ember.float16
    w = w16.numpy().astype(np.float32)
    np.testing.assert_allclose(w @ w.T, np.eye(4), atol=5e-3)


def test_sparse_zeroes_the_right_count_per_column():
    t = ember.empty(10, 6)
    _check_inplace(t, init.sparse_(t, sparsity=0.3, std=0.5))
    zeros = (t.numpy() == 0).sum(axis=0)
    assert (zeros == math.ceil(0.3 * 10)).all()
    ref = torch.nn.init.sparse_(torch.empty(10, 6), 0.3, 0.5)
    assert ((ref.numpy() == 0).sum(axis=0) == zeros).all()
    assert np.abs(t.numpy()).max() > 0


def test_generator_makes_fills_reproducible():
    for fn, kwargs in [
        (init.uniform_, {}),
        (init.normal_, {}),
        (init.trunc_normal_, {}),
        (init.xavier_uniform_, {}),
        (init.kaiming_normal_, {}),
        (init.orthogonal_, {}),
        (init.sparse_, {"sparsity": 0.5}),
    ]:
        a = fn(ember.empty(4, 5), generator=ember.Generator().manual_seed(3), **kwargs)
        b = fn(ember.empty(4, 5), generator=ember.Generator().manual_seed(3), **kwargs)
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=fn.__name__)


def test_global_seed_makes_fills_reproducible():
    ember.manual_seed(7)
    a = init.kaiming_uniform_(ember.empty(3, 3))
    ember.manual_seed(7)
    b = init.kaiming_uniform_(ember.empty(3, 3))
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_init_on_parameters_leaves_no_graph():
    p = nn.Parameter(ember.empty(4, 4))
    for fn in (init.xavier_uniform_, init.orthogonal_, init.trunc_normal_, init.zeros_):
        out = fn(p)
        assert out is p and p.grad_fn is None and p.requires_grad and type(p) is nn.Parameter
    init.eye_(p)
    (p * 2).sum().backward()
    np.testing.assert_array_equal(p.grad.numpy(), np.full((4, 4), 2.0, dtype=np.float32))


@pytest.mark.parametrize("dtype", [ember.float16, ember.bfloat16, ember.float64])
def test_init_keeps_dtype(dtype):
    for fn in (init.kaiming_uniform_, init.xavier_normal_, init.trunc_normal_, init.dirac_):
        t = ember.empty(4, 4, 3, dtype=dtype)
        assert fn(t).dtype == dtype
    assert init.eye_(ember.empty(2, 2, dtype=dtype)).dtype == dtype


def test_linear_default_init_bounds_match_torch():
    torch_layer = torch.nn.Linear(50, 20)
    layer = nn.Linear(50, 20)
    w_bound = 1 / math.sqrt(50)  # kaiming_uniform_(a=sqrt(5)) gives U(-1/sqrt(fan_in), ...)
    assert np.abs(layer.weight.detach().numpy()).max() <= w_bound
    assert np.abs(torch_layer.weight.detach().numpy()).max() <= w_bound
    assert (
        abs(layer.weight.detach().numpy().std() - torch_layer.weight.detach().numpy().std()) < 0.01
    )
    assert np.abs(layer.bias.detach().numpy()).max() <= w_bound
    no_bias = nn.Linear(3, 2, bias=False)
    assert no_bias.bias is None and repr(no_bias) == repr(torch.nn.Linear(3, 2, bias=False))
