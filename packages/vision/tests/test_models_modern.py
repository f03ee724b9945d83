"""The modern half of the zoo and ``ops.misc`` / ``ops.stochastic_depth`` beyond the golden files.

Golden outputs (test_models_golden.py) prove the architectures; these tests prove what they
cannot see: torchvision's init schemes, builder keyword arguments, the Weights enums,
training-mode backward, stochastic depth statistics and the building blocks' state_dict keys.
Architectures are built small (custom configs or 32-64 px inputs) to keep the file fast.
"""

import math
import warnings

import numpy as np
import pytest

import ember
from ember import nn
from embervision import models
from embervision.models.convnext import CNBlockConfig, ConvNeXt
from embervision.models.efficientnet import EfficientNet, MBConvConfig
from embervision.models.swin_transformer import SwinTransformer
from embervision.models.vision_transformer import VisionTransformer, interpolate_embeddings
from embervision.ops.misc import (
    MLP,
    Conv2dNormActivation,
    Conv3dNormActivation,
    ConvNormActivation,
    FrozenBatchNorm2d,
    Permute,
    SqueezeExcitation,
)
from embervision.ops.stochastic_depth import StochasticDepth, stochastic_depth


def _np(t):
    return t.detach().numpy()


def _tiny_vit(**kwargs):
    config = dict(image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=16)
    config.update(kwargs)
    return VisionTransformer(mlp_dim=32, **config)


def _tiny_swin(**kwargs):
    return SwinTransformer(
        patch_size=[4, 4],
        embed_dim=8,
        depths=[2, 1],
        num_heads=[1, 2],
        window_size=[2, 2],
        **kwargs,
    )


def _tiny_convnext(**kwargs):
    return ConvNeXt([CNBlockConfig(8, 16, 2), CNBlockConfig(16, None, 1)], **kwargs)


# -- init schemes ---------------------------------------------------------------------------


def test_mobilenet_v3_init_is_kaiming_fan_out_conv_and_normal_linear():
    model = models.mobilenet_v3_small()
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    conv = max(convs, key=lambda m: m.weight.numel())
    out_ch, _, kh, kw = conv.weight.shape
    assert _np(conv.weight).std() == pytest.approx(math.sqrt(2.0 / (out_ch * kh * kw)), rel=0.05)
    for m in model.modules():
        if isinstance(m, nn.Conv2d) and m.bias is not None:
            assert not _np(m.bias).any()
        if isinstance(m, nn.BatchNorm2d):
            assert (_np(m.weight) == 1).all() and not _np(m.bias).any()
    head = _np(model.classifier[3].weight)
    assert head.std() == pytest.approx(0.01, rel=0.05)
    assert not _np(model.classifier[3].bias).any()


def test_efficientnet_linear_init_is_uniform_in_one_over_sqrt_out_features():
    model = EfficientNet([MBConvConfig(1, 3, 1, 8, 8, 1)], dropout=0.2, num_classes=500)
    w = _np(model.classifier[1].weight)
    bound = 1.0 / math.sqrt(500)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert not _np(model.classifier[1].bias).any()


def test_regnet_init_is_normal_fan_out_conv_and_small_linear():
    model = models.regnet_y_400mf(num_classes=300)
    w = _np(model.trunk_output[3][0].proj[0].weight)
    fan_out = w.shape[0] * w.shape[2] * w.shape[3]
    assert w.std() == pytest.approx(math.sqrt(2.0 / fan_out), rel=0.05)
    assert _np(model.fc.weight).std() == pytest.approx(0.01, rel=0.05)
    assert not _np(model.fc.bias).any()


def test_convnext_init_is_trunc_normal_and_layer_scale():
    model = _tiny_convnext(layer_scale=1e-6)
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            w = _np(m.weight)
            assert np.abs(w).max() <= 2.0  # truncated at +-2 (absolute), std 0.02
            assert not _np(m.bias).any()
    big = _np(model.features[1][0].block[3].weight)  # Linear(8, 32)
    assert big.std() == pytest.approx(0.02, rel=0.25)
    np.testing.assert_array_equal(_np(model.features[1][0].layer_scale), np.float32(1e-6))


def test_vit_init_matches_torchvision_scheme():
    model = _tiny_vit()
    assert not _np(model.class_token).any()
    assert _np(model.encoder.pos_embedding).std() == pytest.approx(0.02, rel=0.25)
    conv = model.conv_proj
    fan_in = conv.in_channels * conv.kernel_size[0] * conv.kernel_size[1]
    w = _np(conv.weight)
    assert w.std() == pytest.approx(math.sqrt(1 / fan_in) * 0.88, rel=0.15)  # trunc at 2 std
    assert np.abs(w).max() <= 2.0
    assert not _np(model.heads.head.weight).any() and not _np(model.heads.head.bias).any()
    mlp_bias = _np(model.encoder.layers.encoder_layer_0.mlp[0].bias)
    assert 0 < np.abs(mlp_bias).max() < 1e-4
    attn = model.encoder.layers.encoder_layer_0.self_attention
    assert not _np(attn.in_proj_bias).any()


def test_swin_init_trunc_normal_linear_and_position_bias_table():
    model = _tiny_swin()
    head = _np(model.head.weight)
    assert np.abs(head).max() <= 2.0 and head.std() > 0
    assert not _np(model.head.bias).any()
    table = _np(model.features[1][0].attn.relative_position_bias_table)
    assert table.shape == (9, 1) and table.std() > 0 and np.abs(table).max() <= 2.0
    index = _np(model.features[1][0].attn.relative_position_index)
    assert index.shape == (16,) and index.min() == 0 and index.max() == 8


# -- builder keyword arguments --------------------------------------------------------------


def test_num_classes_and_dropout_kwargs_reach_the_head():
    model = models.mobilenet_v2(num_classes=10, dropout=0.3)
    assert model.classifier[0].p == 0.3 and model.classifier[1].out_features == 10
    model = models.mobilenet_v3_small(num_classes=7, dropout=0.1)
    assert model.classifier[2].p == 0.1 and model.classifier[3].out_features == 7
    model = models.shufflenet_v2_x0_5(num_classes=3)
    assert model.fc.out_features == 3
    model = models.efficientnet_b0(num_classes=4, dropout=0.5)
    assert model.classifier[0].p == 0.5 and model.classifier[1].out_features == 4


def test_stochastic_depth_prob_grows_linearly_over_blocks():
    model = _tiny_convnext(stochastic_depth_prob=0.3)
    probs = [m.p for m in model.modules() if isinstance(m, StochasticDepth)]
    np.testing.assert_allclose(probs, [0.0, 0.15, 0.3])  # p * block_id / (blocks - 1)
    model = _tiny_swin(stochastic_depth_prob=0.4)
    probs = [m.p for m in model.modules() if isinstance(m, StochasticDepth)]
    np.testing.assert_allclose(probs, [0.0, 0.2, 0.4])
    assert all(m.mode == "row" for m in model.modules() if isinstance(m, StochasticDepth))


def test_vit_image_size_sets_sequence_length_and_checks_input():
    model = _tiny_vit(image_size=48, num_classes=6).eval()
    assert tuple(model.encoder.pos_embedding.shape) == (1, (48 // 8) ** 2 + 1, 16)
    with ember.no_grad():
        assert tuple(model(ember.randn(2, 3, 48, 48)).shape) == (2, 6)
    with pytest.raises(AssertionError, match="Wrong image height"):
        model(ember.randn(1, 3, 32, 48))


def test_interpolate_embeddings_resizes_the_grid_and_keeps_the_class_token():
    small = _tiny_vit(image_size=32)
    state = small.state_dict()
    new_state = interpolate_embeddings(64, 8, state, reset_heads=True)
    pos = new_state["encoder.pos_embedding"]
    assert tuple(pos.shape) == (1, 65, 16)
    np.testing.assert_array_equal(_np(pos[:, :1]), _np(small.encoder.pos_embedding[:, :1]))
    assert not any(k.startswith("heads") for k in new_state)
    big = _tiny_vit(image_size=64)
    big.load_state_dict(new_state, strict=False)
    np.testing.assert_array_equal(_np(big.encoder.pos_embedding), _np(pos))


def test_efficientnet_and_shufflenet_reject_bad_configs():
    with pytest.raises(ValueError, match="inverted_residual_setting"):
        EfficientNet([], dropout=0.2)
    with pytest.raises(ValueError, match="stages_repeats"):
        models.shufflenetv2.ShuffleNetV2([4, 8], [24, 48, 96, 192, 1024])


# -- Weights enums --------------------------------------------------------------------------

FAST_BUILDERS = [
    "mobilenet_v2",
    "mobilenet_v3_small",
    "mobilenet_v3_large",
    "shufflenet_v2_x0_5",
    "shufflenet_v2_x1_0",
    "shufflenet_v2_x1_5",
    "shufflenet_v2_x2_0",
    "regnet_y_400mf",
    "regnet_x_400mf",
    "efficientnet_b0",
]
SLOW_BUILDERS = ["efficientnet_b3", "convnext_tiny", "swin_t", "swin_v2_t", "vit_b_32"]


@pytest.mark.parametrize(
    "name", FAST_BUILDERS + [pytest.param(n, marks=pytest.mark.slow) for n in SLOW_BUILDERS]
)
def test_weights_meta_num_params_equals_the_built_model(name):
    enum = models.get_model_weights(name)
    model = models.get_model(name)
    count = sum(p.numel() for p in model.parameters())
    # Every member of these enums is for the default architecture (no SWAG 384 px variants).
    assert {m.name: m.meta["num_params"] for m in enum} == {m.name: count for m in enum}
    assert enum.DEFAULT.meta["num_params"] == count


def test_weights_verify_names_urls_and_transforms():
    enum = models.MobileNet_V3_Large_Weights
    assert enum.verify("DEFAULT") is enum.IMAGENET1K_V2
    assert enum.verify("IMAGENET1K_V1") is enum.IMAGENET1K_V1
    assert enum.verify("MobileNet_V3_Large_Weights.IMAGENET1K_V1") is enum.IMAGENET1K_V1
    assert enum.IMAGENET1K_V1.url == (
        "https://download.pytorch.org/models/mobilenet_v3_large-8738ca79.pth"
    )
    with pytest.raises(ValueError, match="no weights named"):
        enum.verify("IMAGENET9K")
    with pytest.raises(TypeError, match="MobileNet_V3_Large_Weights"):
        enum.verify(models.MobileNet_V2_Weights.IMAGENET1K_V1)
    preset = models.EfficientNet_B3_Weights.IMAGENET1K_V1.transforms()
    assert preset.crop_size == [300] and preset.resize_size == [320]
    assert preset.interpolation.name == "BICUBIC"
    preset = models.ViT_H_14_Weights.IMAGENET1K_SWAG_E2E_V1.transforms()
    assert preset.crop_size == [518]
    meta = models.Swin_T_Weights.DEFAULT.meta
    assert len(meta["categories"]) == 1000 and meta["min_size"] == (224, 224)
    assert meta["_metrics"]["ImageNet-1K"]["acc@1"] == pytest.approx(81.474)


def test_weights_fix_num_classes_before_any_download():
    with pytest.raises(ValueError, match="num_classes"):
        models.mobilenet_v3_small(weights="DEFAULT", num_classes=10)
    with pytest.raises(ValueError, match="num_classes"):
        models.swin_t(weights=models.Swin_T_Weights.IMAGENET1K_V1, num_classes=10)
    with pytest.raises(TypeError):
        models.convnext_tiny(weights=models.Swin_T_Weights.IMAGENET1K_V1)


def test_modern_builders_are_registered():
    names = models.list_models()
    for name in [
        "mobilenet_v2",
        "mobilenet_v3_small",
        "efficientnet_b7",
        "efficientnet_v2_l",
        "shufflenet_v2_x2_0",
        "regnet_x_32gf",
        "regnet_y_128gf",
        "convnext_large",
        "vit_h_14",
        "swin_v2_b",
    ]:
        assert name in names


# -- training-mode backward -----------------------------------------------------------------


def _assert_finite_grads(model, x):
    model.train()
    out = model(x)
    out.sum().backward()
    for name, p in model.named_parameters():
        assert p.grad is not None, name
        assert np.isfinite(_np(p.grad)).all(), name


def test_backward_through_mobilenet_v3_small_gives_finite_grads():
    _assert_finite_grads(models.mobilenet_v3_small(num_classes=5), ember.randn(2, 3, 64, 64))


@pytest.mark.slow
def test_backward_through_swin_t_gives_finite_grads():
    _assert_finite_grads(models.swin_t(num_classes=5), ember.randn(1, 3, 64, 64))


def test_backward_through_tiny_swin_v1_v2_vit_convnext_gives_finite_grads():
    from embervision.models.swin_transformer import PatchMergingV2, SwinTransformerBlockV2

    _assert_finite_grads(_tiny_swin(stochastic_depth_prob=0.5), ember.randn(2, 3, 20, 20))
    v2 = _tiny_swin(block=SwinTransformerBlockV2, downsample_layer=PatchMergingV2)
    _assert_finite_grads(v2, ember.randn(1, 3, 16, 16))
    _assert_finite_grads(_tiny_vit(), ember.randn(2, 3, 32, 32))
    _assert_finite_grads(_tiny_convnext(stochastic_depth_prob=0.2), ember.randn(2, 3, 32, 32))


# -- stochastic depth -----------------------------------------------------------------------


def test_stochastic_depth_row_mode_drops_whole_rows_and_rescales():
    x = ember.ones(4000, 3, 2)
    y = _np(stochastic_depth(x, 0.25, "row"))
    rows = y.reshape(4000, -1)
    assert ((rows == rows[:, :1]).all(axis=1)).all()  # each row kept or dropped whole
    assert set(np.unique(rows)) <= {0.0, np.float32(1.0 / 0.75)}
    assert (rows[:, 0] == 0).mean() == pytest.approx(0.25, abs=0.03)
    assert rows.mean() == pytest.approx(1.0, abs=0.05)  # unbiased


def test_stochastic_depth_batch_mode_drops_everything_or_nothing():
    x = ember.ones(8, 3)
    kept = []
    for _ in range(400):
        y = _np(stochastic_depth(x, 0.5, "batch"))
        assert len(np.unique(y)) == 1
        kept.append(y[0, 0] != 0)
    assert np.mean(kept) == pytest.approx(0.5, abs=0.1)


def test_stochastic_depth_eval_p0_p1_and_seeding():
    x = ember.randn(6, 4)
    module = StochasticDepth(0.9, "row").eval()
    assert module(x) is x
    assert stochastic_depth(x, 0.0, "row") is x
    assert not _np(stochastic_depth(x, 1.0, "batch")).any()
    ember.manual_seed(3)
    a = _np(stochastic_depth(x, 0.5, "row"))
    ember.manual_seed(3)
    np.testing.assert_array_equal(a, _np(stochastic_depth(x, 0.5, "row")))
    assert repr(module) == "StochasticDepth(p=0.9, mode=row)"


def test_stochastic_depth_rejects_bad_p_and_mode():
    with pytest.raises(ValueError, match="drop probability"):
        stochastic_depth(ember.ones(2), 1.5, "row")
    with pytest.raises(ValueError, match="mode"):
        stochastic_depth(ember.ones(2), 0.5, "col")


# -- ops.misc blocks ------------------------------------------------------------------------


def test_conv2d_norm_activation_layers_keys_and_padding():
    block = Conv2dNormActivation(3, 8, kernel_size=5, stride=2, dilation=2)
    assert list(block.state_dict()) == [
        "0.weight",
        "1.weight",
        "1.bias",
        "1.running_mean",
        "1.running_var",
        "1.num_batches_tracked",
    ]
    assert block[0].padding == (4, 4) and block[0].bias is None
    assert isinstance(block[2], nn.ReLU) and block.out_channels == 8
    plain = Conv2dNormActivation(3, 4, norm_layer=None, activation_layer=None)
    assert list(plain.state_dict()) == ["0.weight", "0.bias"] and len(plain) == 1
    odd = Conv2dNormActivation(2, 2, kernel_size=(3, 5))
    assert odd[0].padding == (1, 2)
    assert tuple(block(ember.zeros(1, 3, 16, 16)).shape) == (1, 8, 8, 8)


def test_conv3d_norm_activation_and_direct_base_warns():
    block = Conv3dNormActivation(2, 4, kernel_size=3)
    assert isinstance(block[0], nn.Conv3d) and isinstance(block[1], nn.BatchNorm3d)
    assert tuple(block(ember.zeros(1, 2, 3, 4, 4)).shape) == (1, 4, 3, 4, 4)
    with pytest.warns(UserWarning, match="Conv2dNormActivation"):
        ConvNormActivation(2, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Conv2dNormActivation(2, 2)


def test_squeeze_excitation_keys_and_output():
    se = SqueezeExcitation(6, 2)
    assert list(se.state_dict()) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    x = ember.randn(2, 6, 5, 5)
    scale = ember.sigmoid(se.fc2(ember.relu(se.fc1(x.mean(dim=(2, 3), keepdim=True)))))
    np.testing.assert_allclose(_np(se(x)), _np(scale * x), rtol=1e-5, atol=1e-6)


def test_mlp_layers_and_keys():
    mlp = MLP(4, [8, 6, 2], norm_layer=nn.LayerNorm, dropout=0.1)
    kinds = [type(m).__name__ for m in mlp]
    assert kinds == [
        "Linear",
        "LayerNorm",
        "ReLU",
        "Dropout",
        "Linear",
        "LayerNorm",
        "ReLU",
        "Dropout",
        "Linear",
        "Dropout",
    ]
    assert list(MLP(4, [8, 2]).state_dict()) == ["0.weight", "0.bias", "3.weight", "3.bias"]
    assert tuple(mlp(ember.zeros(5, 4)).shape) == (5, 2)


def test_frozen_batch_norm_matches_eval_batch_norm_and_drops_counter():
    bn = nn.BatchNorm2d(3)
    bn.weight.data = ember.tensor([1.0, 2.0, 0.5])
    bn.running_mean = ember.tensor([0.1, -0.2, 0.3])
    bn.running_var = ember.tensor([1.5, 0.5, 2.0])
    frozen = FrozenBatchNorm2d(3)
    frozen.load_state_dict(bn.state_dict())
    assert list(frozen.state_dict()) == ["weight", "bias", "running_mean", "running_var"]
    assert list(frozen.parameters()) == []
    x = ember.randn(2, 3, 4, 4)
    np.testing.assert_allclose(_np(frozen(x)), _np(bn.eval()(x)), rtol=1e-5, atol=1e-6)
    assert repr(frozen) == "FrozenBatchNorm2d(3, eps=1e-05)"


def test_permute_returns_permuted_view():
    x = ember.randn(2, 3, 4)
    y = Permute([2, 0, 1])(x)
    np.testing.assert_array_equal(_np(y), _np(x).transpose(2, 0, 1))


@pytest.mark.parametrize(
    "build, size",
    [
        (lambda: _tiny_swin(), 20),
        (lambda: _tiny_vit(), 32),
        (lambda: _tiny_convnext(), 32),
        (lambda: models.shufflenet_v2_x0_5(num_classes=4), 32),
    ],
    ids=["swin", "vit", "convnext", "shufflenet"],
)
def test_eval_batch_rows_are_independent(build, size):
    # Windows, shifts, channel shuffles and class tokens must never mix batch entries.
    model = build().eval()
    x = ember.randn(3, 3, size, size)
    with ember.no_grad():
        batch = _np(model(x))
        single = np.concatenate([_np(model(x[i : i + 1])) for i in range(3)])
    np.testing.assert_allclose(batch, single, rtol=1e-4, atol=1e-5)
