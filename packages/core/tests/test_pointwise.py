"""Pointwise family semantics beyond the op registry: in-place ops and version counters,
``out=``, operator reflection, type promotion, error messages, and gradients at edge points
(compared with PyTorch where it defines them)."""

from __future__ import annotations

import numpy
import pytest

import ember

torch = pytest.importorskip("torch")


def _t(values, dtype="float64", requires_grad=False):
    return (
        ember.tensor(values, dtype=getattr(ember, dtype), requires_grad=requires_grad),
        torch.tensor(values, dtype=getattr(torch, dtype), requires_grad=requires_grad),
    )


def _close(e, t):
    numpy.testing.assert_allclose(
        numpy.asarray(e.detach()), t.detach().numpy(), rtol=1e-6, atol=1e-12
    )


# -- in-place ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "method",
    [
        "add_",
        "sub_",
        "mul_",
        "div_",
        "clamp_",
        "sqrt_",
        "sigmoid_",
        "abs_",
        "fill_",
        "zero_",
        "copy_",
        "remainder_",
    ],
)
def test_inplace_bumps_version_and_returns_self(method):
    x = ember.tensor([1.0, 2.0, 3.0])
    args = {
        "clamp_": (0.0, 2.5),
        "fill_": (7,),
        "zero_": (),
        "copy_": (ember.ones(3),),
        "sqrt_": (),
        "sigmoid_": (),
        "abs_": (),
    }.get(method, (2.0,))
    before = x._version
    assert getattr(x, method)(*args) is x
    assert x._version == before + 1


def test_inplace_values_match_pytorch():
    e, t = _t([[-1.5, 0.25], [2.0, 4.0]])
    for name, args in [
        ("clamp_", (-1.0, 3.0)),
        ("abs_", ()),
        ("sqrt_", ()),
        ("exp2_", ()),
        ("mul_", (3,)),
        ("remainder_", (1.5,)),
        ("lerp_", (e.clone(), 0.5)),
        ("clip_", (None, 2.0)),
        ("round_", ()),
        ("nan_to_num_", ()),
    ]:
        targs = tuple(torch.tensor(a.numpy()) if isinstance(a, ember.Tensor) else a for a in args)
        getattr(e, name)(*args)
        getattr(t, name)(*targs)
        _close(e, t)


def test_inplace_on_leaf_requiring_grad_raises():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    for op in (
        lambda: x.add_(1),
        lambda: x.clamp_(0, 1),
        lambda: x.zero_(),
        lambda: x.fill_(1.0),
        lambda: x.copy_(ember.ones(2)),
        lambda: x.exp_(),
    ):
        with pytest.raises(
            RuntimeError,
            match="a leaf Variable that requires grad is being used in an in-place operation.",
        ):
            op()


def test_inplace_int_tensor_with_float_result_raises():
    x = ember.tensor([1, 2, 3])
    with pytest.raises(
        RuntimeError,
        match="result type .*[Ff]loat.* can't be cast to the desired output type .*int64",
    ):
        x.mul_(2.5)
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
        x.sqrt_()
    with pytest.raises(RuntimeError, match="can't be cast"):
        x.div_(2)
    x.add_(2)  # int result into an int tensor is fine
    assert x.tolist() == [3, 4, 5]


def test_inplace_on_non_leaf_backpropagates_like_pytorch():
    e, t = _t([0.5, -1.0, 2.0], requires_grad=True)
    ye, yt = e * 2, t * 2
    ye.clamp_(-1.0, 3.0).add_(1).mul_(e).sqrt_()
    yt.clamp_(-1.0, 3.0).add_(1).mul_(t).sqrt_()
    ye.sum().backward()
    yt.sum().backward()
    _close(e.grad, t.grad)


def test_zero_and_fill_cut_the_gradient_of_the_old_values():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.zero_()
    (y + x).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_fill_with_0d_tensor_is_differentiable_wrt_value():
    v = ember.tensor(2.0, requires_grad=True)
    y = ember.zeros(3).fill_(v)
    assert y.tolist() == [2.0, 2.0, 2.0]
    (y * ember.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert v.grad.item() == 6.0
    with pytest.raises(RuntimeError, match="0-dimension"):
        ember.zeros(3).fill_(ember.ones(2))


def test_copy_broadcasts_casts_and_is_differentiable_wrt_src():
    dst = ember.zeros(2, 3, dtype=ember.float64)
    src = ember.tensor([1.0, 2.0, 3.0], dtype=ember.float32, requires_grad=True)
    out = dst.copy_(src)
    assert out is dst and dst.dtype == ember.float64
    assert dst.tolist() == [[1.0, 2.0, 3.0]] * 2
    (dst * 2).sum().backward()
    assert src.grad.dtype == ember.float32
    assert src.grad.tolist() == [4.0, 4.0, 4.0]
    ints = ember.zeros(3, dtype=ember.int64).copy_(ember.tensor([1.7, -2.2, 3.0]))
    assert ints.tolist() == [1, -2, 3]
    with pytest.raises(RuntimeError, match="copy_"):
        ember.zeros(2, 3).copy_(ember.ones(4))


# -- out= ----------------------------------------------------------------------------------
def test_out_writes_and_resizes():
    out = ember.empty(0)
    r = ember.sin(ember.tensor([0.0, 1.0]), out=out)
    assert r is out and out.shape == (2,)
    buf = ember.zeros(2, dtype=ember.float64)
    ember.maximum(ember.tensor([1.0, 5.0]), ember.tensor([3.0, 2.0]), out=buf)
    assert buf.dtype == ember.float64 and buf.tolist() == [3.0, 5.0]
    flags = ember.empty(2, dtype=ember.bool)
    ember.isnan(ember.tensor([float("nan"), 1.0]), out=flags)
    assert flags.tolist() == [True, False]


def test_out_rejects_lower_category_and_autograd():
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
        ember.sqrt(ember.tensor([4.0]), out=ember.zeros(1, dtype=ember.int64))
    x = ember.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="out=... arguments don't support automatic"):
        ember.exp2(x, out=ember.zeros(1))


# -- operators and reflection ---------------------------------------------------------------
def test_reflected_operators_match_pytorch():
    e, t = _t([1.0, 2.0, 4.0], requires_grad=True)
    for f in (
        lambda a: 2 - a,
        lambda a: 2**a,
        lambda a: 3 / a,
        lambda a: 5.5 % a,
        lambda a: 2 * a + 1,
        lambda a: abs(-a),
        lambda a: a**2,
        lambda a: 0.5**a,
    ):
        _close(f(e), f(t))
    ye, yt = (2**e).sum(), (2**t).sum()
    ye.backward()
    yt.backward()
    _close(e.grad, t.grad)


def test_bitwise_operators_and_inplace_forms():
    a, ta = _t([12, 10, 7], "int64")
    for f in (
        lambda x: x & 6,
        lambda x: 6 & x,
        lambda x: x | 1,
        lambda x: 1 | x,
        lambda x: x ^ 3,
        lambda x: 3 ^ x,
        lambda x: ~x,
        lambda x: x << 2,
        lambda x: 1 << x,
        lambda x: x >> 1,
        lambda x: 100 >> x,
        lambda x: x % 5,
        lambda x: 17 % x,
    ):
        assert f(a).tolist() == f(ta).tolist()
    for op in ("__iand__", "__ior__", "__ixor__", "__ilshift__", "__irshift__", "__imod__"):
        e, t = _t([12, 10, 7], "int64")
        v = e._version
        assert getattr(e, op)(3) is e and e._version == v + 1
        getattr(t, op)(3)
        assert e.tolist() == t.tolist()
    b, tb = _t([True, False, True], "bool")
    assert (b & ~b).tolist() == (tb & ~tb).tolist()
    assert (b | False).tolist() == (tb | False).tolist()


def test_bitwise_on_float_is_not_implemented():
    with pytest.raises(NotImplementedError, match="bitwise_and.*float32"):
        ember.ones(2) & ember.ones(2)
    with pytest.raises(NotImplementedError, match="bitwise_not"):
        ~ember.ones(2)
    with pytest.raises(NotImplementedError, match="bitwise_left_shift.*bool"):
        ember.tensor([True]) << ember.tensor([True])


# -- promotion -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "case",
    [
        lambda m: m.tensor([3, 4]) / m.tensor([2, 2]),
        lambda m: m.tensor([1, 2], dtype=m.uint8) + m.tensor([1, 2], dtype=m.int8),
        lambda m: m.tensor([1.0], dtype=m.float32) + m.tensor(2.0, dtype=m.float64),
        lambda m: m.tensor([1, 2]) + 2.5,
        lambda m: m.tensor([True]) + m.tensor([True]),
        lambda m: m.tensor([1, 2], dtype=m.int32) * m.tensor(3, dtype=m.int64),
        lambda m: m.tensor([1, 2], dtype=m.float16) * m.tensor([1.0]),
        lambda m: m.tensor([1, 2], dtype=m.int8) + 1000,
        lambda m: m.atan2(m.tensor([1, 2]), m.tensor([2, 1])),
        lambda m: m.maximum(m.tensor([1], dtype=m.int16), m.tensor([2.0], dtype=m.float16)),
        lambda m: m.clamp(m.tensor([1, 5]), min=m.tensor([2]), max=m.tensor([3.0])),
        lambda m: m.float_power(m.tensor([2], dtype=m.float32), 2),
        lambda m: m.sqrt(m.tensor([4], dtype=m.uint8)),
        lambda m: m.square(m.tensor([True, False])),
        lambda m: m.tensor([1 + 1j], dtype=m.complex64) * m.tensor(2.0, dtype=m.float64),
        lambda m: m.abs(m.tensor([3 + 4j], dtype=m.complex128)),
        lambda m: m.where(m.tensor([True, False]), m.tensor([1], dtype=m.int32), 2.5),
        lambda m: m.remainder(m.tensor([5, -5], dtype=m.int16), 3),
        lambda m: m.xlogy(2, m.tensor([2, 3])),
    ],
)
def test_promotion_matches_pytorch(case):
    e, t = case(ember), case(torch)
    assert e.dtype.name == str(t.dtype).replace("torch.", "")
    numpy.testing.assert_allclose(numpy.asarray(e), t.numpy(), rtol=1e-3)


def test_bool_subtraction_and_negation_are_refused():
    b = ember.tensor([True, False])
    with pytest.raises(RuntimeError, match="Subtraction"):
        ember.sub(b, b)
    with pytest.raises(RuntimeError, match="Negation"):
        ember.neg(b)


# -- errors --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name", ["add", "mul", "maximum", "atan2", "bitwise_and", "fmod", "logical_and", "hypot"]
)
def test_shape_mismatch_names_op_and_shapes(name):
    dtype = ember.int64 if name == "bitwise_and" else ember.float32
    a, b = ember.ones(2, 3, dtype=dtype), ember.ones(4, dtype=dtype)
    with pytest.raises(RuntimeError, match=rf"{name}: .*\(2, 3\) and \(4,\).*size of tensor a"):
        getattr(ember, name)(a, b)


def test_ternary_shape_mismatch_messages():
    with pytest.raises(RuntimeError, match=r"clamp: .*\(2, 3\) and \(4,\)"):
        ember.clamp(ember.ones(2, 3), min=ember.zeros(4))
    with pytest.raises(RuntimeError, match=r"addcmul: .*\(2,\) and \(3,\)"):
        ember.addcmul(ember.ones(2), ember.ones(3), ember.ones(3))
    with pytest.raises(RuntimeError, match=r"lerp: .*\(2,\) and \(3,\)"):
        ember.lerp(ember.ones(2), ember.ones(3), 0.5)


def test_dtype_errors_are_clear():
    with pytest.raises(NotImplementedError, match='"erf" not implemented for dtype .*complex64'):
        ember.erf(ember.ones(2, dtype=ember.complex64))
    with pytest.raises(NotImplementedError, match="sgn"):
        ember.sign(ember.ones(2, dtype=ember.complex64))
    with pytest.raises(NotImplementedError, match='"floor" not implemented for dtype .*bool'):
        ember.floor(ember.tensor([True]))
    with pytest.raises(NotImplementedError, match='"hypot" not implemented for dtype .*int64'):
        ember.hypot(ember.tensor([3]), ember.tensor([4]))
    with pytest.raises(RuntimeError, match="clamp is not supported for complex types"):
        ember.clamp(ember.ones(2, dtype=ember.complex64), min=0)
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max'"):
        ember.clamp(ember.ones(2))
    with pytest.raises(RuntimeError, match="imag is not implemented"):
        ember.imag(ember.ones(2))
    with pytest.raises(RuntimeError, match="integer division with addcdiv"):
        ember.addcdiv(ember.tensor([1]), ember.tensor([1]), ember.tensor([1]))
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        ember.tensor([1, 2]) % 0
    with pytest.raises(RuntimeError, match="must not be a floating point number"):
        ember.addcmul(ember.tensor([1]), ember.tensor([1]), ember.tensor([1]), value=0.5)
    with pytest.raises(RuntimeError, match="Integers to negative integer powers"):
        ember.tensor([2]) ** -1
    with pytest.raises(RuntimeError, match="float_power_.*float64"):
        ember.ones(2).float_power_(2)
    with pytest.raises(RuntimeError, match="cannot be converted to type .*uint8"):
        ember.clamp(ember.tensor([1], dtype=ember.uint8), -1, 1)
    with pytest.raises(TypeError, match="must be Tensor"):
        ember.sin(1.0)


# -- gradients at edge points, vs PyTorch ---------------------------------------------------
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: m.abs(x),
        lambda m, x: m.clamp(x, -1.0, 1.0),
        lambda m, x: m.clamp(x, min=-1.0),
        lambda m, x: m.clamp(x, max=1.0),
        lambda m, x: m.relu(x),
        lambda m, x: m.sqrt(m.abs(x)),
        lambda m, x: m.round(x) + m.floor(x) + m.ceil(x) + m.trunc(x),
        lambda m, x: m.sign(x),
        lambda m, x: m.maximum(x, m.zeros_like(x)),
        lambda m, x: m.minimum(x, m.ones_like(x)),
        lambda m, x: m.fmax(x, m.zeros_like(x)),
        lambda m, x: m.fmin(x, m.ones_like(x)),
        lambda m, x: m.pow(x, 0.0),
        lambda m, x: m.pow(m.zeros_like(x), x),
        lambda m, x: m.xlogy(x, x),
        lambda m, x: m.nan_to_num(m.log(x)),
        lambda m, x: m.logit(x, eps=0.25),
    ],
)
def test_edge_point_gradients_match_pytorch(fn):
    values = [-2.0, -1.0, 0.0, 0.25, 1.0, 2.0]
    e, t = _t(values, requires_grad=True)
    (ge,) = ember.autograd.grad(fn(ember, e).sum(), e)
    (gt,) = torch.autograd.grad(fn(torch, t).sum(), t)
    numpy.testing.assert_allclose(numpy.asarray(ge), gt.numpy(), rtol=1e-6, equal_nan=True)


def test_clamp_tensor_bounds_gradients_match_pytorch():
    x, tx = _t([-2.0, 0.0, 1.0, 3.0, 0.5], requires_grad=True)
    lo, tlo = _t([-1.0, 0.0, 2.0, 0.0, 0.7], requires_grad=True)
    hi, thi = _t([1.0, 0.0, 1.0, 2.0, 0.6], requires_grad=True)
    ge = ember.autograd.grad(ember.clamp(x, lo, hi).sum(), (x, lo, hi))
    gt = torch.autograd.grad(torch.clamp(tx, tlo, thi).sum(), (tx, tlo, thi))
    for a, b in zip(ge, gt):
        _close(a, b)


def test_maximum_splits_ties_and_propagates_nan():
    x, y = _t([1.0, 2.0, float("nan")], requires_grad=True), _t([1.0, 3.0, 0.0], requires_grad=True)
    ge = ember.autograd.grad(ember.maximum(x[0], y[0]).sum(), (x[0], y[0]))
    gt = torch.autograd.grad(torch.maximum(x[1], y[1]).sum(), (x[1], y[1]))
    assert ge[0].tolist() == gt[0].tolist() == [0.5, 0.0, 1.0]
    assert ge[1].tolist() == gt[1].tolist()
    assert numpy.isnan(ember.maximum(x[0], y[0])[2].item())


def test_sqrt_grad_at_zero_is_inf():
    x = ember.tensor([0.0, 4.0], requires_grad=True)
    ember.sqrt(x).sum().backward()
    assert x.grad.tolist() == [float("inf"), 0.25]


def test_double_backward_through_math():
    e, t = _t([0.3, -0.7, 1.2], requires_grad=True)
    for f in (
        lambda m, a: m.tanh(a) * m.sin(a),
        lambda m, a: m.sigmoid(a) ** 2,
        lambda m, a: m.erf(a) + m.atan(a),
        lambda m, a: m.lgamma(a + 3),
        lambda m, a: m.hypot(a, a * 2) + m.atan2(a, a + 2),
    ):
        (ge,) = ember.autograd.grad(f(ember, e).sum(), e, create_graph=True)
        (gt,) = torch.autograd.grad(f(torch, t).sum(), t, create_graph=True)
        (gge,) = ember.autograd.grad(ge.sum(), e)
        (ggt,) = torch.autograd.grad(gt.sum(), t)
        _close(gge, ggt)


def test_complex_gradients_use_conjugate_convention():
    vals = [1 + 2j, -0.5 + 0.3j]
    e, t = _t(vals, "complex128", requires_grad=True)
    cot = [0.3 - 1j, 2 + 0.5j]
    for f in (
        lambda m, a: m.exp(a) * m.sqrt(a),
        lambda m, a: m.log(a) + m.sin(a),
        lambda m, a: m.tanh(a) * a,
        lambda m, a: m.sgn(a),
        lambda m, a: m.reciprocal(a),
    ):
        (ge,) = ember.autograd.grad(f(ember, e), e, ember.tensor(cot, dtype=ember.complex128))
        (gt,) = torch.autograd.grad(f(torch, t), t, torch.tensor(cot, dtype=torch.complex128))
        _close(ge, gt)


def test_special_function_values_at_poles_match_pytorch():
    e, t = _t([0.0, -1.0, 1.0, 2.5])
    for name in ("digamma", "lgamma"):
        numpy.testing.assert_allclose(
            numpy.asarray(getattr(ember, name)(e)), getattr(torch, name)(t).numpy(), rtol=1e-6
        )
    _close(
        ember.erfinv(ember.tensor([-1.0, 1.0], dtype=ember.float64)),
        torch.erfinv(torch.tensor([-1.0, 1.0], dtype=torch.float64)),
    )


def test_real_and_imag_are_views():
    z = ember.tensor([1 + 2j, 3 - 4j])
    assert z.real.tolist() == [1.0, 3.0] and z.imag.tolist() == [2.0, -4.0]
    r = ember.real(z)
    r.mul_(2)
    assert z.tolist() == [2 + 2j, 6 - 4j]
    x = ember.ones(2)
    assert ember.real(x) is x


def test_add_of_one_element_tensors_is_fast():
    import timeit

    a, b = ember.tensor([1.0]), ember.tensor([2.0])
    ta, tb = torch.tensor([1.0]), torch.tensor([2.0])
    ours = min(timeit.repeat(lambda: ember.add(a, b), number=2000, repeat=5))
    theirs = min(timeit.repeat(lambda: torch.add(ta, tb), number=2000, repeat=5))
    # Generous bound for noisy CI machines; the benchmark suite tracks the 2x target.
    assert ours < 6 * theirs


def test_floor_divide_matches_pytorch_at_inf_and_zero():
    a = [float("inf"), 7.0, -7.0, 1.0, 0.3, -0.0]
    b = [1.0, 0.7, 2.0, 0.0, 0.1, 3.0]
    e = ember.floor_divide(
        ember.tensor(a, dtype=ember.float64), ember.tensor(b, dtype=ember.float64)
    )
    t = torch.floor_divide(
        torch.tensor(a, dtype=torch.float64), torch.tensor(b, dtype=torch.float64)
    )
    numpy.testing.assert_array_equal(numpy.asarray(e), t.numpy())
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        ember.tensor([1, 2]) // 0


def test_integer_pow_with_negative_tensor_exponent_matches_pytorch():
    base, exp = [1, -1, 2, -1, 0, 3], [-1, -3, -2, -2, 1, 2]
    e = ember.tensor(base) ** ember.tensor(exp)
    t = torch.tensor(base) ** torch.tensor(exp)
    assert e.tolist() == t.tolist()


def test_bool_operand_in_subtraction_is_refused():
    with pytest.raises(RuntimeError, match="with a bool tensor is not supported"):
        ember.tensor([True]) - 2
    with pytest.raises(NotImplementedError, match="pow"):
        ember.tensor([True]) ** ember.tensor([True])


def test_logical_and_bitwise_inplace_keep_dtype():
    e, t = _t([0.0, 1.5, -2.0])
    e.logical_not_()
    t.logical_not_()
    assert e.dtype == ember.float64 and e.tolist() == t.tolist()
    ei, ti = _t([5, 6, 7], "int64")
    ei.bitwise_xor_(3).bitwise_left_shift_(1)
    ti.bitwise_xor_(3).bitwise_left_shift_(1)
    assert ei.tolist() == ti.tolist()


def test_tensor_subclass_operands_promote_like_tensors():
    class Sub(ember.Tensor):
        __slots__ = ()

    s = Sub._make(numpy.array([1, 2], dtype=numpy.int32))
    assert (s + 2.5).dtype == ember.float32
    assert (2 * s).dtype == ember.int32
    assert (s + ember.tensor([1.0], dtype=ember.float64)).dtype == ember.float64
    assert ember.maximum(s, ember.tensor(3, dtype=ember.int64)).tolist() == [3, 3]
