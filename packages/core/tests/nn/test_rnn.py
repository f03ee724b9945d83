"""Parity of the recurrent layers with PyTorch: outputs, final states, input and parameter
gradients (state_dict copied from the torch module), reprs, keys and default init."""

import math

import numpy
import pytest
import torch

import ember
from ember.nn.utils.rnn import pack_padded_sequence as e_pack

# torch's oneDNN path declines projections in float32 and says so; the fallback is what we match
pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections:UserWarning")

DTYPES = {"float32": (torch.float32, 2e-5, 2e-5), "float64": (torch.float64, 1e-10, 1e-10)}


def _to_ember(t):
    return ember.from_numpy(t.detach().numpy().copy())


def _copy_state(tm, em):
    em.load_state_dict({k: _to_ember(v) for k, v in tm.state_dict().items()})


def _pair(cls, *args, dtype="float64", **kwargs):
    torch.manual_seed(0)
    tm = getattr(torch.nn, cls)(*args, **kwargs).to(DTYPES[dtype][0])
    em = getattr(ember.nn, cls)(*args, **kwargs).to(getattr(ember, dtype))
    _copy_state(tm, em)
    return tm, em


def _flat(out):
    """Tensors of a (possibly nested / packed) RNN output, in order."""
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flat(o)]
    if out is None:
        return []
    return [out]


def _compare(tm, em, t_inputs, e_inputs, dtype, call=None):
    _, rtol, atol = DTYPES[dtype]
    call = call or (lambda m, args: m(*args))
    t_out = _flat(call(tm, t_inputs))
    e_out = _flat(call(em, e_inputs))
    t_out = [t.data if hasattr(t, "batch_sizes") else t for t in t_out]
    assert len(t_out) == len(e_out)
    for t, e in zip(t_out, e_out):
        if t.dtype == torch.int64:
            continue
        torch.testing.assert_close(
            torch.from_numpy(e.detach().numpy()), t.detach(), rtol=rtol, atol=atol
        )
    rng = numpy.random.default_rng(1)
    t_loss, e_loss = 0, 0
    for t, e in zip(t_out, e_out):
        if not t.dtype.is_floating_point:
            continue
        w = rng.standard_normal(t.shape)
        t_loss = t_loss + (t * torch.from_numpy(w).to(t.dtype)).sum()
        e_loss = e_loss + (e * ember.from_numpy(w).to(e.dtype)).sum()
    t_loss.backward()
    e_loss.backward()
    for (name, tp), (ename, ep) in zip(tm.named_parameters(), em.named_parameters()):
        assert name == ename
        torch.testing.assert_close(
            torch.from_numpy(ep.grad.numpy()), tp.grad, rtol=rtol * 10, atol=atol * 10
        )
    for t, e in zip(t_inputs, e_inputs):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            torch.testing.assert_close(
                torch.from_numpy(e.grad.numpy()), t.grad, rtol=rtol * 10, atol=atol * 10
            )


def _inputs(shape, dtype, seed=0):
    a = numpy.random.default_rng(seed).standard_normal(shape)
    t = torch.from_numpy(a).to(DTYPES[dtype][0]).requires_grad_()
    e = ember.from_numpy(a).to(getattr(ember, dtype)).requires_grad_()
    return t, e


CONFIGS = [
    ("RNN", dict()),
    ("RNN", dict(nonlinearity="relu", num_layers=2)),
    ("LSTM", dict()),
    ("LSTM", dict(num_layers=2, bidirectional=True)),
    ("LSTM", dict(proj_size=2, bidirectional=True)),
    ("LSTM", dict(bias=False, batch_first=True)),
    ("GRU", dict()),
    ("GRU", dict(num_layers=2, bidirectional=True, batch_first=True)),
    ("GRU", dict(bias=False)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("cls,kwargs", CONFIGS)
def test_rnn_matches_torch(cls, kwargs, batch, dtype):
    tm, em = _pair(cls, 3, 4, dtype=dtype, **kwargs)
    shape = (batch, 5, 3) if kwargs.get("batch_first") else (5, batch, 3)
    t, e = _inputs(shape, dtype)
    _compare(tm, em, [t], [e], dtype)


@pytest.mark.parametrize("cls,kwargs", CONFIGS)
def test_rnn_with_initial_state_matches_torch(cls, kwargs):
    tm, em = _pair(cls, 3, 4, **kwargs)
    d = 2 if kwargs.get("bidirectional") else 1
    layers = kwargs.get("num_layers", 1)
    out_h = kwargs.get("proj_size", 0) or 4
    shape = (2, 5, 3) if kwargs.get("batch_first") else (5, 2, 3)
    t, e = _inputs(shape, "float64")
    th, eh = _inputs((layers * d, 2, out_h), "float64", seed=2)
    if cls == "LSTM":
        tc, ec = _inputs((layers * d, 2, 4), "float64", seed=3)
        _compare(tm, em, [t, (th, tc)], [e, (eh, ec)], "float64", call=lambda m, a: m(a[0], a[1]))
        torch.testing.assert_close(torch.from_numpy(ec.grad.numpy()), tc.grad)
        torch.testing.assert_close(torch.from_numpy(eh.grad.numpy()), th.grad)
    else:
        _compare(tm, em, [t, th], [e, eh], "float64")


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_rnn_unbatched_matches_torch(cls):
    tm, em = _pair(cls, 3, 4, num_layers=2)
    t, e = _inputs((5, 3), "float64")
    _compare(tm, em, [t], [e], "float64")
    th, eh = _inputs((2, 4), "float64", seed=4)
    if cls != "LSTM":
        out_t, _ = tm(t, th)
        out_e, _ = em(e, eh)
        torch.testing.assert_close(torch.from_numpy(out_e.detach().numpy()), out_t.detach())


@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("cls,kwargs", CONFIGS)
def test_rnn_packed_sequence_matches_torch(cls, kwargs, enforce_sorted):
    tm, em = _pair(cls, 3, 4, **kwargs)
    lengths = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 3]
    bf = kwargs.get("batch_first", False)
    t, e = _inputs((4, 5, 3) if bf else (5, 4, 3), "float64")
    tp = torch.nn.utils.rnn.pack_padded_sequence(t, lengths, bf, enforce_sorted)
    ep = e_pack(e, lengths, bf, enforce_sorted)
    _compare(tm, em, [tp], [ep], "float64", call=lambda m, a: m(a[0]))
    torch.testing.assert_close(torch.from_numpy(e.grad.numpy()), t.grad)  # through packing
    out = em(ep)[0]
    assert type(out).__name__ == "PackedSequence"
    assert out.batch_sizes.tolist() == tp.batch_sizes.tolist()


def test_rnn_packed_with_initial_state_unsorted():
    tm, em = _pair("LSTM", 3, 4, bidirectional=True)
    t, e = _inputs((5, 3, 3), "float64")
    th, eh = _inputs((2, 3, 4), "float64", seed=5)
    tc, ec = _inputs((2, 3, 4), "float64", seed=6)
    lengths = [2, 5, 4]
    tp = torch.nn.utils.rnn.pack_padded_sequence(t, lengths, enforce_sorted=False)
    ep = e_pack(e, lengths, enforce_sorted=False)
    _compare(tm, em, [tp, (th, tc)], [ep, (eh, ec)], "float64", call=lambda m, a: m(a[0], a[1]))


def test_rnn_dropout_zero_in_train_mode_matches_torch():
    tm, em = _pair("GRU", 3, 4, num_layers=2, dropout=0.0)
    t, e = _inputs((4, 2, 3), "float64")
    _compare(tm.train(), em.train(), [t], [e], "float64")


def test_rnn_dropout_between_layers_is_active_only_in_training():
    em = ember.nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    x = ember.randn(4, 2, 3)
    a, b = em.eval()(x)[0], em(x)[0]
    assert numpy.allclose(a.detach().numpy(), b.detach().numpy())
    ember.manual_seed(0)
    c = em.train()(x)[0]
    assert not numpy.allclose(a.detach().numpy(), c.detach().numpy())


@pytest.mark.parametrize(
    "cls,kwargs",
    CONFIGS
    + [("LSTM", dict(num_layers=3, dropout=0.5, batch_first=True)), ("RNN", dict(bias=False))],
)
def test_rnn_repr_keys_and_shapes_match_torch(cls, kwargs):
    tm = getattr(torch.nn, cls)(3, 4, **kwargs)
    em = getattr(ember.nn, cls)(3, 4, **kwargs)
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    for (k, v), (_, w) in zip(em.state_dict().items(), tm.state_dict().items()):
        assert tuple(v.shape) == tuple(w.shape), k


def test_rnn_default_init_is_uniform_in_inverse_sqrt_hidden():
    em = ember.nn.LSTM(10, 25, num_layers=2, bidirectional=True, proj_size=5)
    bound = 1 / math.sqrt(25)
    values = numpy.concatenate([p.detach().numpy().ravel() for p in em.parameters()])
    assert values.min() >= -bound and values.max() <= bound
    assert values.max() > 0.9 * bound and values.min() < -0.9 * bound
    assert abs(values.std() - bound / math.sqrt(3)) < 0.01
    em.flatten_parameters()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "cls,kwargs",
    [
        ("RNNCell", {}),
        ("RNNCell", dict(nonlinearity="relu")),
        ("LSTMCell", {}),
        ("GRUCell", {}),
        ("GRUCell", dict(bias=False)),
    ],
)
def test_cells_match_torch(cls, kwargs, dtype):
    tm, em = _pair(cls, 3, 4, dtype=dtype, **kwargs)
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    for shape, hshape in (((2, 3), (2, 4)), ((1, 3), (1, 4)), ((3,), (4,))):
        tm.zero_grad()
        em.zero_grad()
        t, e = _inputs(shape, dtype)
        th, eh = _inputs(hshape, dtype, seed=7)
        if cls == "LSTMCell":
            tc, ec = _inputs(hshape, dtype, seed=8)
            _compare(tm, em, [t, (th, tc)], [e, (eh, ec)], dtype, call=lambda m, a: m(a[0], a[1]))
        else:
            _compare(tm, em, [t, th], [e, eh], dtype)
        tm.zero_grad()
        em.zero_grad()
        _compare(tm, em, [t.detach().requires_grad_()], [e.detach().requires_grad_()], dtype)


def test_rnn_errors_name_the_problem():
    lstm = ember.nn.LSTM(3, 4)
    with pytest.raises(RuntimeError, match="input_size"):
        lstm(ember.ones(5, 2, 7))
    with pytest.raises(ValueError, match="2D or 3D"):
        lstm(ember.ones(5, 2, 3, 1))
    with pytest.raises(RuntimeError, match="hidden size"):
        lstm(ember.ones(5, 2, 3), (ember.zeros(1, 3, 4), ember.zeros(1, 2, 4)))
    with pytest.raises(RuntimeError, match="dtype"):
        lstm(ember.ones(5, 2, 3, dtype=ember.float64))
    with pytest.raises(ValueError, match="proj_size has to be smaller"):
        ember.nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="proj_size"):
        ember.nn.GRU(3, 4, proj_size=2)
    with pytest.raises(ValueError, match="nonlinearity"):
        ember.nn.RNN(3, 4, nonlinearity="gelu")
    with pytest.raises(UserWarning, match="dropout option adds dropout"):
        ember.nn.GRU(3, 4, dropout=0.2)


def test_rnn_double_backward_runs():
    em = ember.nn.GRU(2, 3).double()
    x = ember.randn(3, 1, 2, dtype=ember.float64, requires_grad=True)
    (gx,) = ember.autograd.grad(em(x)[0].sum(), x, create_graph=True)
    gx.sum().backward()
    assert em.weight_hh_l0.grad is not None


def test_fused_lstm_cell_gradcheck_and_gradgradcheck():
    from ember.autograd import gradcheck, gradgradcheck
    from ember.nn.modules.rnn import LSTMCellFn

    rng = numpy.random.default_rng(0)
    gates = ember.from_numpy(rng.standard_normal((2, 12))).requires_grad_()
    c = ember.from_numpy(rng.standard_normal((2, 3))).requires_grad_()
    assert gradcheck(LSTMCellFn.apply, (gates, c), atol=1e-6, rtol=1e-4)
    assert gradgradcheck(LSTMCellFn.apply, (gates, c), atol=1e-6, rtol=1e-4)


def test_fused_gru_cell_gradcheck_and_gradgradcheck():
    from ember.autograd import gradcheck, gradgradcheck
    from ember.nn.modules.rnn import GRUCellFn

    rng = numpy.random.default_rng(0)
    gi = ember.from_numpy(rng.standard_normal((2, 9))).requires_grad_()
    gh = ember.from_numpy(rng.standard_normal((2, 9))).requires_grad_()
    h = ember.from_numpy(rng.standard_normal((2, 3))).requires_grad_()
    assert gradcheck(GRUCellFn.apply, (gi, gh, h), atol=1e-6, rtol=1e-4)
    assert gradgradcheck(GRUCellFn.apply, (gi, gh, h), atol=1e-6, rtol=1e-4)


def test_lstm_large_gate_values_do_not_overflow():
    em = ember.nn.LSTM(2, 3)
    out, (h, c) = em(ember.full((4, 1, 2), 1e4))
    assert numpy.isfinite(out.detach().numpy()).all()
