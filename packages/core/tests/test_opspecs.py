"""Every op in the registry against PyTorch 2.13 (forward values/shape/dtype, VJPs) and
against finite differences (float64 gradcheck and gradgradcheck, directional)."""

from __future__ import annotations

import importlib
import pkgutil
import zlib

import numpy
import opspecs
import pytest
from opspecs import Fixed, S, maker

import ember
from ember.autograd.gradcheck import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

SPECS = []
for _info in pkgutil.iter_modules(opspecs.__path__):
    SPECS += importlib.import_module(f"opspecs.{_info.name}").SPECS


def _samples(spec):
    rng = numpy.random.default_rng(zlib.crc32(spec.name.encode()))  # stable across runs
    out = []
    for s in spec.samples(maker(rng, spec.domain, spec.avoid)):
        out.append(s if isinstance(s, S) else S(s))
    return out


CASES, GRAD_CASES = [], []
for _spec in SPECS:
    marks = []
    if _spec.xfail:
        marks.append(pytest.mark.xfail(reason=f"{_spec.xfail[0]} (#{_spec.xfail[1]})"))
    for _i, _sample in enumerate(_samples(_spec)):
        for _dt in _spec.dtypes:
            CASES.append(
                pytest.param(_spec, _sample, _dt, id=f"{_spec.name}-{_i}-{_dt}", marks=marks)
            )
        if _spec.grad and "float64" in _spec.dtypes:
            GRAD_CASES.append(pytest.param(_spec, _sample, id=f"{_spec.name}-{_i}", marks=marks))


def _cast(a: numpy.ndarray, dt: str) -> numpy.ndarray:
    return numpy.asarray(_cast_values(numpy.asarray(a), dt))


def _cast_values(a: numpy.ndarray, dt: str):
    if dt == "bool":
        return a > 0
    if dt in ("uint8",):
        return numpy.abs(numpy.round(a)).astype(dt)
    if dt in ("int8", "int16", "int32", "int64"):
        return numpy.round(a).astype(dt)
    if dt in ("complex64", "complex128"):
        return (a + 0.5j * (1 - a)).astype(dt)
    if dt == "bfloat16":
        import ml_dtypes

        return a.astype(ml_dtypes.bfloat16)
    return a.astype(dt)


def _to_torch(a: numpy.ndarray):
    if a.dtype.name == "bfloat16":
        return torch.from_numpy(a.astype(numpy.float32)).to(torch.bfloat16)
    return torch.from_numpy(a.copy())


def _convert(sample, dt, requires_grad):
    """(ember args, ember kwargs, torch args, torch kwargs, ember grad inputs, torch grad inputs)"""
    e_in, t_in = [], []

    def conv(a):
        if isinstance(a, numpy.ndarray):
            arr = _cast(a, dt)
            e = ember.from_numpy(arr.copy())
            t = _to_torch(arr)
            if requires_grad:
                e.requires_grad_(True)
                t.requires_grad_(True)
                e_in.append(e)
                t_in.append(t)
            return e, t
        if isinstance(a, Fixed):
            return ember.from_numpy(a.array.copy()), torch.from_numpy(a.array.copy())
        if isinstance(a, (list, tuple)) and any(isinstance(x, numpy.ndarray) for x in a):
            pairs = [conv(x) for x in a]
            return type(a)(p[0] for p in pairs), type(a)(p[1] for p in pairs)
        if isinstance(a, ember.dtype):
            return a, getattr(torch, a.name)
        return a, a

    ea, ta = zip(*[conv(a) for a in sample.args]) if sample.args else ((), ())
    ek, tk = {}, {}
    for k, v in sample.kwargs.items():
        ek[k], tk[k] = conv(v)
    return list(ea), ek, list(ta), tk, e_in, t_in


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _np(x):
    if isinstance(x, ember.Tensor):
        d = x.detach()._data
        return d.astype(numpy.float32) if d.dtype.name == "bfloat16" else d
    return x


def _assert_same(spec, e, t, dt):
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), f"{spec.name}: expected a Tensor, got {type(e)}"
        assert tuple(e.shape) == tuple(t.shape), f"{spec.name}: shape {e.shape} vs {t.shape}"
        if spec.check_dtype:
            assert e.dtype.name == str(t.dtype).replace("torch.", ""), (
                f"{spec.name}: dtype {e.dtype} vs {t.dtype}"
            )
        expected = t.detach().resolve_conj()
        actual = torch.from_numpy(numpy.array(_np(e), order="C")).to(expected.dtype)
        rtol, atol = spec.tol.get(dt, (None, None))
        torch.testing.assert_close(
            actual, expected, rtol=rtol, atol=atol, equal_nan=True, check_dtype=False
        )
    elif isinstance(t, (tuple, list)):
        assert len(e) == len(t), f"{spec.name}: {len(e)} outputs vs {len(t)}"
        for a, b in zip(e, t):
            _assert_same(spec, a, b, dt)
    else:
        assert e == t, f"{spec.name}: {e!r} vs {t!r}"


@pytest.mark.parametrize(("spec", "sample", "dt"), CASES)
def test_forward_and_vjp_match_pytorch(spec, sample, dt):
    differentiable = spec.grad and dt in ("float32", "float64", "complex64", "complex128")
    ea, ek, ta, tk, e_in, t_in = _convert(sample, dt, differentiable)
    expected = spec.ref(*ta, **tk)
    actual = spec.op(*ea, **ek)
    _assert_same(spec, actual, expected, dt)
    if not differentiable or not e_in:
        return
    e_out = [o for o in _as_tuple(actual) if isinstance(o, ember.Tensor) and o.requires_grad]
    t_out = [o for o in _as_tuple(expected) if isinstance(o, torch.Tensor) and o.requires_grad]
    assert len(e_out) == len(t_out), f"{spec.name}: differentiable outputs differ"
    if not t_out:
        return
    rng = numpy.random.default_rng(1)
    cots = [rng.standard_normal(tuple(o.shape)) for o in t_out]
    cots = [
        numpy.asarray(c + 1j * rng.standard_normal(c.shape)) if o.is_complex() else c
        for c, o in zip(cots, t_out)
    ]
    e_cot = [ember.from_numpy(numpy.asarray(c, dtype=o._data.dtype)) for c, o in zip(cots, e_out)]
    t_cot = [torch.from_numpy(c).to(o.dtype) for c, o in zip(cots, t_out)]
    e_g = ember.autograd.grad(e_out, e_in, e_cot, allow_unused=True)
    t_g = torch.autograd.grad(t_out, t_in, t_cot, allow_unused=True)
    for k, (a, b) in enumerate(zip(e_g, t_g)):
        if b is None:
            b = torch.zeros_like(t_in[k])
        if a is None:
            a = ember.zeros_like(e_in[k])
        _assert_same(spec, a, b, dt)


@pytest.mark.parametrize(("spec", "sample"), GRAD_CASES)
def test_gradcheck_float64(spec, sample):
    ea, ek, _, _, e_in, _ = _convert(sample, "float64", True)
    if not e_in:
        pytest.skip("no differentiable inputs")
    positions = [i for i, a in enumerate(ea) if any(a is x for x in e_in)]

    def f(*xs):
        args = list(ea)
        for p, x in zip(positions, xs):
            args[p] = x
        return spec.op(*args, **ek)

    inputs = tuple(ea[p] for p in positions)
    assert gradcheck(f, inputs, fast_mode=True, atol=1e-5, rtol=1e-3)
    if spec.gradgrad:
        assert gradgradcheck(f, inputs, fast_mode=True, atol=1e-5, rtol=1e-3)


def test_registry_counts():
    """Prints the size of the registry (ops, cases) for the issue note."""
    names = {s.name for s in SPECS}
    dtypes = sorted({d for s in SPECS for d in s.dtypes})
    xfails = sum(1 for s in SPECS if s.xfail)
    print(
        f"\nopspecs: {len(names)} ops, {len(CASES)} forward cases, {len(GRAD_CASES)} "
        f"gradcheck cases, dtypes {dtypes}, xfail specs {xfails}"
    )
    assert len(names) == len(SPECS), "duplicate spec names"
