"""ResNet/ResNeXt/Wide ResNet, VGG, AlexNet, SqueezeNet and DenseNet beyond the golden files.

Initialisation statistics as torchvision's loops set them, builder keyword plumbing, the
Weights enums and registry look-ups, training-mode backward, and pretrained-weight loading
end to end: a state_dict written by real ``torch.save`` is served from 127.0.0.1 and
loaded through a builder's ``weights=`` path (hash check included).
"""

import functools
import hashlib
import http.server
import importlib
import json
import math
import threading
from functools import partial
from pathlib import Path

import numpy as np
import pytest
import torch

import ember
from ember import nn
from embervision import models
from embervision.models import densenet as densenet_module
from embervision.models import resnet as resnet_module
from embervision.models import squeezenet as squeezenet_module
from embervision.models import vgg as vgg_module
from embervision.models._meta import _IMAGENET_CATEGORIES
from embervision.models._utils import (
    IntermediateLayerGetter,
    _make_divisible,
    _ovewrite_value_param,
)
from embervision.models.resnet import BasicBlock, Bottleneck, ResNet
from embervision.transforms._presets import ImageClassification

alexnet_module = importlib.import_module("embervision.models.alexnet")  # the name is a builder
GOLDEN = Path(__file__).resolve().parent / "golden" / "models"
MODULES = [resnet_module, vgg_module, alexnet_module, squeezenet_module, densenet_module]
CLASSIC = [
    "alexnet",
    "densenet121",
    "densenet161",
    "densenet169",
    "densenet201",
    "resnet18",
    "resnet34",
    "resnet50",
    "resnet101",
    "resnet152",
    "resnext50_32x4d",
    "resnext101_32x8d",
    "resnext101_64x4d",
    "squeezenet1_0",
    "squeezenet1_1",
    "vgg11",
    "vgg11_bn",
    "vgg13",
    "vgg13_bn",
    "vgg16",
    "vgg16_bn",
    "vgg19",
    "vgg19_bn",
    "wide_resnet50_2",
    "wide_resnet101_2",
]


def _weight_enums():
    return [
        getattr(module, name)
        for module in MODULES
        for name in module.__all__
        if name.endswith("_Weights")
    ]


def _std(t):
    return float(np.std(t.detach().numpy()))


# -- initialisation --------------------------------------------------------------------------
@functools.cache
def _resnet18():
    ember.manual_seed(0)
    return models.resnet18()


def test_resnet_conv_init_is_kaiming_normal_fan_out():
    model = _resnet18()
    w = model.layer4[1].conv2.weight  # 512 x 512 x 3 x 3: 2.4M samples
    fan_out = w.shape[0] * w.shape[2] * w.shape[3]
    assert _std(w) == pytest.approx(math.sqrt(2.0 / fan_out), rel=0.01)
    assert abs(float(w.mean())) < 1e-3
    stem = model.conv1.weight
    assert _std(stem) == pytest.approx(math.sqrt(2.0 / (64 * 7 * 7)), rel=0.05)


def test_resnet_batchnorm_init_is_weight_one_bias_zero():
    model = _resnet18()
    norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    assert len(norms) == 20
    for m in norms:
        assert np.all(m.weight.detach().numpy() == 1.0)
        assert np.all(m.bias.detach().numpy() == 0.0)


def test_resnet_linear_keeps_default_uniform_init():
    fc = _resnet18().fc
    bound = 1.0 / math.sqrt(512)
    w = fc.weight.detach().numpy()
    assert np.abs(w).max() <= bound
    assert w.std() == pytest.approx(bound / math.sqrt(3.0), rel=0.02)


def test_zero_init_residual_zeroes_the_last_norm_of_each_block():
    basic = ResNet(BasicBlock, [1, 1, 1, 1], zero_init_residual=True)
    bottle = ResNet(Bottleneck, [1, 1, 1, 1], num_classes=4, zero_init_residual=True)
    for block in [basic.layer1[0], basic.layer4[0]]:
        assert np.all(block.bn2.weight.detach().numpy() == 0.0)
        assert np.all(block.bn1.weight.detach().numpy() == 1.0)
    for block in [bottle.layer1[0], bottle.layer3[0]]:
        assert np.all(block.bn3.weight.detach().numpy() == 0.0)
        assert np.all(block.bn2.weight.detach().numpy() == 1.0)
    # Downsample norms are not part of the residual branch.
    assert np.all(bottle.layer2[0].downsample[1].weight.detach().numpy() == 1.0)


def test_squeezenet_init_final_conv_normal_others_kaiming_uniform():
    model = models.squeezenet1_1()
    final = model.classifier[1]
    assert _std(final.weight) == pytest.approx(0.01, rel=0.02)
    squeeze = model.features[3].squeeze
    fan_in = squeeze.weight.shape[1]
    bound = math.sqrt(6.0 / fan_in)  # kaiming_uniform_ defaults: a=0, leaky_relu gain sqrt(2)
    w = model.features[12].expand3x3.weight.detach().numpy()
    bound3 = math.sqrt(6.0 / (w.shape[1] * 9))
    assert np.abs(w).max() <= bound3
    assert w.std() == pytest.approx(bound3 / math.sqrt(3.0), rel=0.02)
    assert np.abs(squeeze.weight.detach().numpy()).max() <= bound
    biases = [m.bias for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert all(np.all(b.detach().numpy() == 0.0) for b in biases)


def test_densenet_init_conv_kaiming_normal_fan_in_and_zero_linear_bias():
    model = models.densenet121()
    w = model.features.denseblock3.denselayer24.conv2.weight  # 32 x 128 x 3 x 3
    fan_in = w.shape[1] * 9
    assert _std(w) == pytest.approx(math.sqrt(2.0 / fan_in), rel=0.03)
    assert np.all(model.classifier.bias.detach().numpy() == 0.0)
    assert np.all(model.features.norm5.weight.detach().numpy() == 1.0)


@pytest.mark.slow
def test_vgg_init_linear_normal_001_and_conv_bias_zero():
    model = models.vgg11()
    assert _std(model.classifier[3].weight) == pytest.approx(0.01, rel=0.01)
    assert np.all(model.classifier[6].bias.detach().numpy() == 0.0)
    conv = model.features[-3]
    fan_out = conv.weight.shape[0] * 9
    assert _std(conv.weight) == pytest.approx(math.sqrt(2.0 / fan_out), rel=0.01)
    assert np.all(conv.bias.detach().numpy() == 0.0)


# -- constructor and builder arguments -----------------------------------------------------------
def test_num_classes_sets_the_classifier_width():
    assert _resnet18().fc.out_features == 1000
    model = models.resnet18(num_classes=10).eval()
    assert model.fc.out_features == 10
    assert tuple(model(ember.zeros(2, 3, 32, 32)).shape) == (2, 10)
    squeeze = models.squeezenet1_0(num_classes=7, dropout=0.2)
    assert squeeze.classifier[1].out_channels == 7
    assert squeeze.classifier[0].p == 0.2
    dense = models.densenet121(num_classes=3, drop_rate=0.1)
    assert dense.classifier.out_features == 3
    assert dense.features.denseblock1.denselayer1.drop_rate == 0.1


def test_resnext_and_wide_builders_fix_groups_and_width():
    with pytest.raises(ValueError, match="groups"):
        models.resnext50_32x4d(groups=16)
    with pytest.raises(ValueError, match="width_per_group"):
        models.wide_resnet50_2(width_per_group=64)
    block = Bottleneck(256, 64, groups=32, base_width=4)
    assert block.conv2.groups == 32
    assert block.conv2.weight.shape == (128, 4, 3, 3)
    wide = Bottleneck(256, 64, base_width=128)
    assert wide.conv1.out_channels == 128


def test_replace_stride_with_dilation_keeps_resolution():
    model = ResNet(Bottleneck, [1, 1, 1, 2], replace_stride_with_dilation=[False, True, True])
    # As torchvision: a stage's first block keeps the previous stage's dilation.
    assert model.layer4[0].conv2.dilation == (2, 2)
    assert model.layer4[1].conv2.dilation == (4, 4)
    getter = IntermediateLayerGetter(model, {"layer2": "c3", "layer4": "c5"})
    out = getter(ember.zeros(2, 3, 64, 64))
    assert list(out) == ["c3", "c5"]
    assert tuple(out["c3"].shape) == (2, 512, 8, 8)
    assert tuple(out["c5"].shape) == (2, 2048, 8, 8)
    with pytest.raises(ValueError, match="3-element"):
        ResNet(BasicBlock, [1, 1, 1, 1], replace_stride_with_dilation=[True])


def test_bad_block_and_version_arguments_raise_pytorch_errors():
    with pytest.raises(ValueError, match="BasicBlock only supports groups=1"):
        BasicBlock(8, 8, groups=2)
    with pytest.raises(NotImplementedError, match="Dilation > 1"):
        BasicBlock(8, 8, dilation=2)
    with pytest.raises(ValueError, match="Unsupported SqueezeNet version 2_0"):
        squeezenet_module.SqueezeNet("2_0")
    with pytest.raises(ValueError, match="return_layers"):
        IntermediateLayerGetter(_resnet18(), {"nope": "x"})


def test_densenet_memory_efficient_matches_plain_forward_and_grads():
    def build(efficient):
        ember.manual_seed(1)
        return densenet_module.DenseNet(
            8, (2, 2, 1, 1), num_init_features=8, num_classes=3, memory_efficient=efficient
        )

    x = ember.tensor(np.random.default_rng(0).standard_normal((2, 3, 32, 32), dtype=np.float32))
    grads = []
    for efficient in (False, True):
        model = build(efficient)
        out = model(x)
        out.sum().backward()
        grads.append((out.detach().numpy(), [p.grad.numpy() for p in model.parameters()]))
    np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-5, atol=1e-6)
    for a, b in zip(grads[0][1], grads[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_squeezenet_output_has_batch_by_classes_shape():
    x = ember.zeros(2, 3, 63, 63)
    assert tuple(models.squeezenet1_0(num_classes=5).eval()(x).shape) == (2, 5)


def test_utils_helpers_match_torchvision():
    assert [_make_divisible(v, 8) for v in (3, 16, 37, 100.0, 67.2)] == [8, 16, 40, 104, 64]
    assert _make_divisible(10, 8, min_value=24) == 24
    assert _ovewrite_value_param("num_classes", None, 10) == 10
    assert _ovewrite_value_param("num_classes", 10, 10) == 10
    with pytest.raises(ValueError, match="expected value 10 but got 5"):
        _ovewrite_value_param("num_classes", 5, 10)


# -- weights enums and the registry --------------------------------------------------------------
def test_weights_verify_accepts_member_names_full_names_and_default():
    enum = models.ResNet50_Weights
    assert enum.verify("DEFAULT") is enum.IMAGENET1K_V2
    assert enum.verify("IMAGENET1K_V1") is enum.IMAGENET1K_V1
    assert enum.verify("ResNet50_Weights.IMAGENET1K_V2") is enum.IMAGENET1K_V2
    assert enum.verify(enum.IMAGENET1K_V1) is enum.IMAGENET1K_V1
    assert enum.verify(None) is None
    with pytest.raises(ValueError, match="IMAGENET1K_V3"):
        enum.verify("IMAGENET1K_V3")
    with pytest.raises(TypeError, match="ResNet50_Weights"):
        enum.verify(models.ResNet18_Weights.DEFAULT)
    with pytest.raises(ValueError, match="IMAGENET1K_V9"):
        models.resnet18(weights="IMAGENET1K_V9")


def test_defaults_urls_and_transforms_are_torchvision_s():
    assert models.ResNet18_Weights.DEFAULT is models.ResNet18_Weights.IMAGENET1K_V1
    assert models.ResNeXt101_64X4D_Weights.DEFAULT.name == "IMAGENET1K_V1"
    assert models.VGG16_Weights.DEFAULT is models.VGG16_Weights.IMAGENET1K_V1
    v2 = models.ResNet50_Weights.IMAGENET1K_V2
    assert v2.url == "https://download.pytorch.org/models/resnet50-11ad3fa6.pth"
    preset = v2.transforms()
    assert isinstance(preset, ImageClassification)
    assert (preset.crop_size, preset.resize_size) == ([224], [232])
    assert models.ResNet50_Weights.IMAGENET1K_V1.transforms().resize_size == [256]
    features = models.VGG16_Weights.IMAGENET1K_FEATURES
    assert features.meta["categories"] is None
    assert math.isnan(features.meta["_metrics"]["ImageNet-1K"]["acc@1"])
    assert features.transforms().std == [1.0 / 255.0] * 3
    assert models.AlexNet_Weights.DEFAULT.meta["min_size"] == (63, 63)
    assert (
        models.DenseNet121_Weights.DEFAULT.meta["_docs"]
        == "These weights are ported from LuaTorch."
    )


def test_every_weights_member_has_imagenet_meta_and_a_hashed_url():
    enums = _weight_enums()
    assert len(enums) == 25
    for enum in enums:
        assert isinstance(enum.DEFAULT, enum)
        for member in enum:
            meta = member.meta
            assert member.url.startswith("https://download.pytorch.org/models/")
            assert len(member.url.rsplit("-", 1)[1].split(".")[0]) >= 8
            assert meta["categories"] in (_IMAGENET_CATEGORIES, None)
            for key in ("num_params", "min_size", "recipe", "_metrics", "_ops", "_file_size"):
                assert key in meta, (member, key)
            assert set(meta["_metrics"]["ImageNet-1K"]) == {"acc@1", "acc@5"}


def test_imagenet_categories_are_the_1000_classes_in_order():
    assert len(_IMAGENET_CATEGORIES) == 1000
    assert _IMAGENET_CATEGORIES[:3] == ["tench", "goldfish", "great white shark"]
    assert _IMAGENET_CATEGORIES[-1] == "toilet tissue"
    assert _IMAGENET_CATEGORIES[489] == "chainlink fence"
    assert len(set(_IMAGENET_CATEGORIES)) == 1000


@pytest.mark.parametrize("name", [n for n in CLASSIC if (GOLDEN / f"{n}.json").exists()])
def test_meta_num_params_equals_torchvision_golden_count(name):
    golden = json.loads((GOLDEN / f"{name}.json").read_text())
    for member in models.get_model_weights(name):
        assert member.meta["num_params"] == golden["num_params"]


@pytest.mark.parametrize(
    "name",
    ["resnet18", "squeezenet1_0", "squeezenet1_1", "densenet121"]
    # No golden file for these two: count a built model (about 10 s each).
    + [pytest.param(n, marks=pytest.mark.slow) for n in ("resnext101_64x4d", "wide_resnet101_2")],
)
def test_meta_num_params_equals_built_model_count(name):
    model = models.get_model(name)
    count = sum(p.numel() for p in model.parameters())
    assert count == models.get_model_weights(name).DEFAULT.meta["num_params"]


def test_registry_lists_builders_and_finds_weights():
    listed = models.list_models()
    assert set(CLASSIC) <= set(listed)
    assert models.list_models(include="resnext*") == [
        "resnext101_32x8d",
        "resnext101_64x4d",
        "resnext50_32x4d",
    ]
    assert "vgg11" not in models.list_models(include="vgg*", exclude="vgg11*")
    assert models.get_model_weights("resnet50") is models.ResNet50_Weights
    assert models.get_model_weights(models.vgg16_bn) is models.VGG16_BN_Weights
    assert models.get_model_weights("wide_resnet101_2") is models.Wide_ResNet101_2_Weights
    assert (
        models.get_weight("ResNet50_Weights.IMAGENET1K_V2") is models.ResNet50_Weights.IMAGENET1K_V2
    )
    assert models.get_weight("VGG16_Weights.IMAGENET1K_FEATURES").meta["categories"] is None
    assert (
        models.get_weight("DenseNet201_Weights.DEFAULT") is models.DenseNet201_Weights.IMAGENET1K_V1
    )
    assert isinstance(models.get_model("squeezenet1_1", num_classes=3), models.SqueezeNet)
    with pytest.raises(ValueError, match="resnet19"):
        models.get_model("resnet19")


def test_module_all_lists_classes_builders_and_enums():
    for module in MODULES:
        for name in module.__all__:
            assert getattr(models, name) is getattr(module, name)
    assert resnet_module.__all__[0] == "ResNet"
    assert "BasicBlock" not in resnet_module.__all__  # as torchvision
    assert {"VGG", "vgg19_bn", "VGG19_BN_Weights"} <= set(vgg_module.__all__)


def test_weights_conflicting_with_num_classes_raise_before_download():
    with pytest.raises(ValueError, match="num_classes"):
        models.resnet18(weights="DEFAULT", num_classes=10)
    with pytest.raises(ValueError, match="num_classes"):
        models.densenet121(weights=models.DenseNet121_Weights.IMAGENET1K_V1, num_classes=2)


# -- training ------------------------------------------------------------------------------
def test_resnet18_backward_in_train_mode_gives_finite_grads_for_every_parameter():
    model = models.resnet18(num_classes=10).train()
    x = ember.tensor(np.random.default_rng(0).standard_normal((2, 3, 32, 32), dtype=np.float32))
    loss = nn.functional.cross_entropy(model(x), ember.tensor([1, 7]))
    loss.backward()
    params = dict(model.named_parameters())
    assert len(params) == 62
    for name, p in params.items():
        assert p.grad is not None, name
        assert p.grad.shape == p.shape
        assert np.all(np.isfinite(p.grad.numpy())), name
    assert float(np.abs(params["conv1.weight"].grad.numpy()).sum()) > 0
    # Train-mode batch norm updated its running statistics.
    assert int(model.bn1.num_batches_tracked) == 1


# -- pretrained weights written by real torch.save -------------------------------------------
def _torch_state_dict(name, rename=None):
    """A state_dict of random torch tensors with the golden layout of model ``name``."""
    keys = json.loads((GOLDEN / f"{name}.json").read_text())["keys"]
    gen = torch.Generator().manual_seed(0)
    out = {}
    for key, shape, dtype in keys:
        if dtype == "int64":
            value = torch.tensor(3, dtype=torch.int64)
        elif key.endswith("running_var"):
            value = torch.rand(shape, generator=gen) + 0.5
        else:
            value = torch.randn(shape, generator=gen) * 0.05
        out[rename(key) if rename else key] = value
    return out


@pytest.fixture(scope="module")
def http_root(tmp_path_factory):
    """A real HTTP server on 127.0.0.1 serving a temporary folder: (folder, base url)."""
    root = tmp_path_factory.mktemp("served")
    handler = partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _serve(http_root, stem, state_dict):
    """torch.save ``state_dict`` as ``<stem>-<sha256 prefix>.pth`` and return its url."""
    root, base = http_root
    tmp = root / f"{stem}.tmp"
    torch.save(state_dict, tmp)
    digest = hashlib.sha256(tmp.read_bytes()).hexdigest()[:8]
    final = root / f"{stem}-{digest}.pth"
    tmp.replace(final)
    return f"{base}/{final.name}"


def _local_weights(url):
    class Local_Weights(models.WeightsEnum):
        IMAGENET1K_V1 = models.Weights(
            url=url,
            transforms=partial(ImageClassification, crop_size=224),
            meta={"categories": _IMAGENET_CATEGORIES, "num_params": 0},
        )
        DEFAULT = IMAGENET1K_V1

    return Local_Weights


def test_torch_saved_state_dict_loads_into_resnet18_through_ember_load(tmp_path):
    state = _torch_state_dict("resnet18")
    path = tmp_path / "resnet18.pt"
    torch.save(state, path)
    loaded = ember.load(path)
    assert list(loaded) == list(state)

    model = models.resnet18().eval()
    x = ember.tensor(np.random.default_rng(1).standard_normal((2, 3, 32, 32), dtype=np.float32))
    model.load_state_dict(loaded)
    np.testing.assert_array_equal(
        model.layer3[1].conv2.weight.detach().numpy(), state["layer3.1.conv2.weight"].numpy()
    )
    with ember.no_grad():
        from_file = model(x).numpy()
    # The same numbers handed over as arrays, with no torch file in between.
    model.load_state_dict({k: ember.tensor(v.numpy()) for k, v in state.items()})
    with ember.no_grad():
        direct = model(x).numpy()
    assert np.all(np.isfinite(from_file))
    np.testing.assert_array_equal(from_file, direct)


def test_builder_downloads_hash_checks_and_loads_weights(http_root, tmp_path, monkeypatch):
    monkeypatch.setenv("EMBER_HOME", str(tmp_path / "home"))
    state = _torch_state_dict("resnet18")
    weights = _local_weights(_serve(http_root, "resnet18", state))
    model = resnet_module._resnet(BasicBlock, [2, 2, 2, 2], weights.DEFAULT, progress=False)
    assert model.fc.out_features == 1000
    np.testing.assert_array_equal(model.fc.weight.detach().numpy(), state["fc.weight"].numpy())
    cached = (tmp_path / "home" / "hub" / "checkpoints").glob("*.pth")
    assert [p.name for p in cached] == [weights.DEFAULT.url.rsplit("/", 1)[1]]


def test_builder_rejects_a_download_whose_hash_does_not_match(http_root, tmp_path, monkeypatch):
    monkeypatch.setenv("EMBER_HOME", str(tmp_path / "home"))
    good = _serve(http_root, "tampered", {"w": torch.zeros(2)})
    root, base = http_root
    (root / good.rsplit("/", 1)[1]).rename(root / "tampered-00000000.pth")
    weights = _local_weights(f"{base}/tampered-00000000.pth")
    with pytest.raises(RuntimeError, match="hash"):
        resnet_module._resnet(BasicBlock, [2, 2, 2, 2], weights.DEFAULT, progress=False)


def test_densenet_weights_with_legacy_dotted_keys_are_renamed_on_load(
    http_root, tmp_path, monkeypatch
):
    monkeypatch.setenv("EMBER_HOME", str(tmp_path / "home"))

    def legacy(key):
        # 'denselayer1.norm1.weight' was 'denselayer1.norm.1.weight' in the published files.
        if "denselayer" in key:
            for part in ("norm1", "norm2", "conv1", "conv2"):
                key = key.replace(f".{part}.", f".{part[:-1]}.{part[-1]}.")
        return key

    # The published files also lack num_batches_tracked (older than that buffer).
    state = {
        k: v
        for k, v in _torch_state_dict("densenet121", rename=legacy).items()
        if not k.endswith("num_batches_tracked")
    }
    assert "features.denseblock1.denselayer1.norm.1.weight" in state
    weights = _local_weights(_serve(http_root, "densenet121", state))
    model = densenet_module._densenet(32, (6, 12, 24, 16), 64, weights.DEFAULT, progress=False)
    np.testing.assert_array_equal(
        model.features.denseblock2.denselayer3.conv2.weight.detach().numpy(),
        state["features.denseblock2.denselayer3.conv.2.weight"].numpy(),
    )
    np.testing.assert_array_equal(
        model.features.norm5.running_var.numpy(), state["features.norm5.running_var"].numpy()
    )
