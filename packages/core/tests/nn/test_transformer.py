"""Parity of MultiheadAttention and the transformer layers with PyTorch: state_dict copied
from the torch module, outputs, input and parameter gradients, reprs, keys and init."""

import math

import numpy
import pytest
import torch

import ember

# torch warns that nested tensors need batch_first; Ember has no nested tensors
pytestmark = pytest.mark.filterwarnings("ignore:enable_nested_tensor is True:UserWarning")

DTYPES = {"float32": (torch.float32, 1e-5, 1e-5), "float64": (torch.float64, 1e-10, 1e-10)}


def _e(t):
    return ember.from_numpy(t.detach().numpy().copy())


def _build(factory_t, factory_e, dtype):
    torch.manual_seed(0)
    tm = factory_t().to(DTYPES[dtype][0])
    em = factory_e().to(getattr(ember, dtype))
    em.load_state_dict({k: _e(v) for k, v in tm.state_dict().items()})
    assert list(em.state_dict()) == list(tm.state_dict())
    return tm, em


def _rand(shape, dtype, seed):
    a = numpy.random.default_rng(seed).standard_normal(shape)
    t = torch.from_numpy(a).to(DTYPES[dtype][0]).requires_grad_()
    e = ember.from_numpy(a).to(getattr(ember, dtype)).requires_grad_()
    return t, e


def _check(tm, em, call, t_in, e_in, dtype, scale=10):
    _, rtol, atol = DTYPES[dtype]
    t_out, e_out = call(tm, *t_in), call(em, *e_in)
    if not isinstance(t_out, tuple):
        t_out, e_out = (t_out,), (e_out,)
    loss_t, loss_e = 0, 0
    for k, (t, e) in enumerate(zip(t_out, e_out)):
        if t is None:
            assert e is None
            continue
        got = torch.from_numpy(e.detach().numpy())
        torch.testing.assert_close(got, t.detach(), rtol=rtol * scale, atol=atol * scale)
        w = numpy.random.default_rng(10 + k).standard_normal(tuple(t.shape))
        loss_t = loss_t + (t * torch.from_numpy(w).to(t.dtype)).sum()
        loss_e = loss_e + (e * ember.from_numpy(w).to(e.dtype)).sum()
    loss_t.backward()
    loss_e.backward()
    for t, e in zip(t_in, e_in):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            torch.testing.assert_close(
                torch.from_numpy(e.grad.numpy()), t.grad, rtol=rtol * scale, atol=atol * scale
            )
    for (name, tp), (ename, ep) in zip(tm.named_parameters(), em.named_parameters()):
        assert name == ename
        if tp.grad is None:
            assert ep.grad is None or not ep.grad.numpy().any(), name
            continue
        torch.testing.assert_close(
            torch.from_numpy(ep.grad.numpy()),
            tp.grad,
            rtol=rtol * scale,
            atol=atol * scale,
            msg=name,
        )


def _mha_call(m, q, k, v, **kw):
    return m(q, k, v, **kw)


MHA_CONFIGS = [
    dict(),
    dict(batch_first=True),
    dict(bias=False),
    dict(add_bias_kv=True),
    dict(add_zero_attn=True),
    dict(kdim=3, vdim=5),
    dict(add_bias_kv=True, add_zero_attn=True, batch_first=True),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("kwargs", MHA_CONFIGS)
def test_multihead_attention_matches_torch(kwargs, need_weights, batch, dtype):
    def make(mod):
        return lambda: mod.MultiheadAttention(8, 2, **kwargs)

    tm, em = _build(make(torch.nn), make(ember.nn), dtype)
    kdim, vdim = kwargs.get("kdim", 8), kwargs.get("vdim", 8)
    bf = kwargs.get("batch_first", False)

    def shape(n, d):
        return (batch, n, d) if bf else (n, batch, d)

    q = _rand(shape(4, 8), dtype, 0)
    k = _rand(shape(6, kdim), dtype, 1)
    v = _rand(shape(6, vdim), dtype, 2)
    for mode in ("eval", "train"):
        getattr(tm, mode)()
        getattr(em, mode)()
        tm.zero_grad()
        em.zero_grad()
        qq = [x.detach().requires_grad_() for x in q]
        kk = [x.detach().requires_grad_() for x in k]
        vv = [x.detach().requires_grad_() for x in v]
        _check(
            tm,
            em,
            lambda m, a, b, c: _mha_call(m, a, b, c, need_weights=need_weights),
            (qq[0], kk[0], vv[0]),
            (qq[1], kk[1], vv[1]),
            dtype,
        )


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("mask_kind", ["bool", "float"])
def test_multihead_attention_masks_match_torch(mask_kind, need_weights):
    tm, em = _build(
        lambda: torch.nn.MultiheadAttention(8, 2),
        lambda: ember.nn.MultiheadAttention(8, 2),
        "float64",
    )
    rng = numpy.random.default_rng(3)
    am = rng.random((4, 6)) < 0.3
    am[:, 0] = False
    kpm = numpy.zeros((3, 6), dtype=bool)
    kpm[1, 4:] = True
    if mask_kind == "float":
        am = numpy.where(am, -1.5, 0.25)
        kpm = numpy.where(kpm, -numpy.inf, 0.0)
    x = _rand((4, 3, 8), "float64", 0)
    m = _rand((6, 3, 8), "float64", 1)
    _check(
        tm,
        em,
        lambda mod, a, b, am_, kpm_: mod(
            a,
            b,
            b,
            attn_mask=am_,
            key_padding_mask=kpm_,
            need_weights=need_weights,
            average_attn_weights=False,
        ),
        (x[0], m[0], torch.from_numpy(am), torch.from_numpy(kpm)),
        (x[1], m[1], ember.from_numpy(am), ember.from_numpy(kpm)),
        "float64",
    )


def test_multihead_attention_self_attention_unbatched_and_3d_mask():
    tm, em = _build(
        lambda: torch.nn.MultiheadAttention(8, 4),
        lambda: ember.nn.MultiheadAttention(8, 4),
        "float64",
    )
    x = _rand((5, 8), "float64", 0)
    am = numpy.random.default_rng(1).standard_normal((4, 5, 5))
    _check(
        tm,
        em,
        lambda mod, a, m: mod(a, a, a, attn_mask=m),
        (x[0], torch.from_numpy(am)),
        (x[1], ember.from_numpy(am)),
        "float64",
    )


def test_multihead_attention_causal_matches_torch():
    tm, em = _build(
        lambda: torch.nn.MultiheadAttention(8, 2),
        lambda: ember.nn.MultiheadAttention(8, 2),
        "float64",
    )
    x = _rand((5, 2, 8), "float64", 0)
    tmask = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64)
    emask = ember.nn.Transformer.generate_square_subsequent_mask(5, dtype=ember.float64)
    _check(
        tm,
        em,
        lambda mod, a, m: mod(a, a, a, attn_mask=m, is_causal=True, need_weights=False),
        (x[0], tmask),
        (x[1], emask),
        "float64",
    )


def test_multihead_attention_repr_keys_and_init():
    for kwargs in MHA_CONFIGS:
        tm = torch.nn.MultiheadAttention(16, 4, **kwargs)
        em = ember.nn.MultiheadAttention(16, 4, **kwargs)
        assert repr(em) == repr(tm)
        assert list(em.state_dict()) == list(tm.state_dict())
        for (k, v), w in zip(em.state_dict().items(), tm.state_dict().values()):
            assert tuple(v.shape) == tuple(w.shape), k
    em = ember.nn.MultiheadAttention(64, 4)
    bound = math.sqrt(6 / (64 + 3 * 64))
    w = em.in_proj_weight.detach().numpy()
    assert w.max() <= bound and w.min() >= -bound and w.max() > 0.9 * bound
    assert not em.in_proj_bias.detach().numpy().any()
    assert not em.out_proj.bias.detach().numpy().any()
    with pytest.raises(AssertionError, match="divisible"):
        ember.nn.MultiheadAttention(10, 3)


LAYER_CONFIGS = [
    dict(),
    dict(batch_first=True, norm_first=True),
    dict(activation="gelu", bias=False),
    dict(activation=lambda x: x.tanh()),
]


def _layer_pair(name, kwargs, dtype, dropout):
    def make(mod):
        kw = dict(kwargs)
        if kw.get("activation") == "gelu_module":
            kw["activation"] = mod.GELU()
        return lambda: getattr(mod, name)(8, 2, dim_feedforward=16, dropout=dropout, **kw)

    return _build(make(torch.nn), make(ember.nn), dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mode", ["eval", "train"])
@pytest.mark.parametrize("kwargs", LAYER_CONFIGS)
def test_encoder_layer_matches_torch(kwargs, mode, dtype):
    tm, em = _layer_pair("TransformerEncoderLayer", kwargs, dtype, 0.0 if mode == "train" else 0.1)
    getattr(tm, mode)()
    getattr(em, mode)()
    bf = kwargs.get("batch_first", False)
    for batch in (1, 2):
        tm.zero_grad()
        em.zero_grad()
        x = _rand((batch, 5, 8) if bf else (5, batch, 8), dtype, batch)
        mask = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=DTYPES[dtype][0])
        _check(tm, em, lambda m, a, msk: m(a, src_mask=msk), (x[0], mask), (x[1], _e(mask)), dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mode", ["eval", "train"])
@pytest.mark.parametrize("kwargs", LAYER_CONFIGS)
def test_decoder_layer_matches_torch(kwargs, mode, dtype):
    tm, em = _layer_pair("TransformerDecoderLayer", kwargs, dtype, 0.0 if mode == "train" else 0.1)
    getattr(tm, mode)()
    getattr(em, mode)()
    bf = kwargs.get("batch_first", False)
    for batch in (1, 2):
        tm.zero_grad()
        em.zero_grad()
        x = _rand((batch, 4, 8) if bf else (4, batch, 8), dtype, batch)
        mem = _rand((batch, 6, 8) if bf else (6, batch, 8), dtype, batch + 5)
        kpm = numpy.zeros((batch, 6), dtype=bool)
        kpm[0, 5] = True
        _check(
            tm,
            em,
            lambda m, a, b, k: m(a, b, memory_key_padding_mask=k, tgt_is_causal=False),
            (x[0], mem[0], torch.from_numpy(kpm)),
            (x[1], mem[1], ember.from_numpy(kpm)),
            dtype,
        )


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_matches_torch_in_train_and_eval(norm_first):
    def make(mod, dropout):
        return lambda: mod.Transformer(
            d_model=8,
            nhead=2,
            num_encoder_layers=2,
            num_decoder_layers=2,
            dim_feedforward=16,
            dropout=dropout,
            norm_first=norm_first,
        )

    for mode, p in (("eval", 0.1), ("train", 0.0)):
        tm, em = _build(make(torch.nn, p), make(ember.nn, p), "float64")
        getattr(tm, mode)()
        getattr(em, mode)()
        src = _rand((6, 2, 8), "float64", 0)
        tgt = _rand((4, 2, 8), "float64", 1)
        tmask = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
        spm = numpy.zeros((2, 6), dtype=bool)
        spm[1, 4:] = True
        _check(
            tm,
            em,
            lambda m, s, t, msk, k: m(
                s, t, tgt_mask=msk, src_key_padding_mask=k, memory_key_padding_mask=k
            ),
            (src[0], tgt[0], tmask, torch.from_numpy(spm)),
            (src[1], tgt[1], _e(tmask), ember.from_numpy(spm)),
            "float64",
        )


def test_transformer_encoder_with_padding_mask_matches_torch_in_training():
    def make(mod):
        layer = mod.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, batch_first=True)
        return lambda: mod.TransformerEncoder(
            layer, 2, norm=mod.LayerNorm(8), enable_nested_tensor=False
        )

    if not hasattr(ember.nn, "LayerNorm"):
        pytest.skip("ember.nn.LayerNorm not available yet")
    tm, em = _build(make(torch.nn), make(ember.nn), "float64")
    x = _rand((3, 5, 8), "float64", 0)
    kpm = numpy.zeros((3, 5), dtype=bool)
    kpm[2, 3:] = True
    _check(
        tm,
        em,
        lambda m, a, k: m(a, src_key_padding_mask=k),
        (x[0], torch.from_numpy(kpm)),
        (x[1], ember.from_numpy(kpm)),
        "float64",
    )


def test_transformer_repr_and_state_dict_match_torch():
    kw = dict(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=16)
    tm, em = torch.nn.Transformer(**kw), ember.nn.Transformer(**kw)
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    for (k, v), w in zip(em.state_dict().items(), tm.state_dict().values()):
        assert tuple(v.shape) == tuple(w.shape), k
    tl = torch.nn.TransformerEncoderLayer(8, 2, activation=torch.nn.GELU())
    el = (
        ember.nn.TransformerEncoderLayer(8, 2, activation=ember.nn.GELU())
        if hasattr(ember.nn, "GELU")
        else None
    )
    if el is not None:
        assert repr(el) == repr(tl)


def test_transformer_init_is_xavier_uniform():
    em = ember.nn.Transformer(
        d_model=32, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=64
    )
    w = em.encoder.layers[0].linear1.weight.detach().numpy()
    bound = math.sqrt(6 / (32 + 64))
    assert w.max() <= bound and w.min() >= -bound and w.max() > 0.9 * bound
    norm = em.encoder.norm.weight.detach().numpy()
    assert (norm == 1).all()


def test_generate_square_subsequent_mask_matches_torch():
    got = ember.nn.Transformer.generate_square_subsequent_mask(4).numpy()
    assert numpy.array_equal(got, torch.nn.Transformer.generate_square_subsequent_mask(4).numpy())


def test_transformer_errors():
    em = ember.nn.Transformer(
        d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=16
    )
    with pytest.raises(RuntimeError, match="batch number"):
        em(ember.ones(3, 2, 8), ember.ones(3, 4, 8))
    with pytest.raises(RuntimeError, match="d_model"):
        em(ember.ones(3, 2, 6), ember.ones(3, 2, 6))
    with pytest.raises(RuntimeError, match="activation should be relu/gelu"):
        ember.nn.TransformerEncoderLayer(8, 2, activation="swish")


def test_transformer_dropout_is_active_in_training():
    em = ember.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.5)
    x = ember.randn(4, 2, 8)
    a = em.eval()(x).detach().numpy()
    ember.manual_seed(0)
    b = em.train()(x).detach().numpy()
    assert not numpy.allclose(a, b)


@pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors:UserWarning")
@pytest.mark.parametrize("enable_nested_tensor", [True, False])
def test_transformer_encoder_inference_with_padding_matches_torch(enable_nested_tensor):
    # torch's nested-tensor inference path leaves 0 at padded positions; Ember mirrors it
    def make(mod):
        layer = mod.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True)
        return lambda: mod.TransformerEncoder(
            layer, 2, norm=mod.LayerNorm(8), enable_nested_tensor=enable_nested_tensor
        )

    tm, em = _build(make(torch.nn), make(ember.nn), "float32")
    tm.eval()
    em.eval()
    assert em.use_nested_tensor == enable_nested_tensor
    x = numpy.random.default_rng(0).standard_normal((3, 5, 8)).astype(numpy.float32)
    kpm = numpy.zeros((3, 5), dtype=bool)
    kpm[2, 3:] = True
    with torch.no_grad():
        expected = tm(torch.from_numpy(x), src_key_padding_mask=torch.from_numpy(kpm))
    with ember.no_grad():
        got = em(ember.from_numpy(x), src_key_padding_mask=ember.from_numpy(kpm))
    torch.testing.assert_close(torch.from_numpy(got.numpy()), expected, rtol=1e-5, atol=1e-5)
