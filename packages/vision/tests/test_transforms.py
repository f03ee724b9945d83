"""embervision.transforms classes: seeding, shapes, dtypes, validation, statistics, PIL parity.

Pixel values of the deterministic ops are checked against torchvision golden files in
``test_transforms_functional.py``; here the random transforms are checked for what a seed
controls and for the distributions of their parameters.
"""

import math
import random

import numpy as np
import pytest
from PIL import Image

import ember
import embervision.transforms as T
import embervision.transforms.functional as F


def _u8(*shape, seed=0):
    rng = np.random.default_rng(seed)
    return ember.tensor(rng.integers(0, 256, size=shape, dtype=np.uint8))


def _pil(seed=0, size=(3, 20, 24)):
    return F.to_pil_image(_u8(*size, seed=seed))


RANDOM_TRANSFORMS = [
    T.RandomCrop(8, padding=2),
    T.RandomResizedCrop(10),
    T.RandomHorizontalFlip(),
    T.RandomVerticalFlip(),
    T.RandomRotation(40),
    T.RandomRotation(40, interpolation=T.InterpolationMode.BILINEAR, expand=True, fill=3),
    T.RandomAffine(20, translate=(0.2, 0.1), scale=(0.8, 1.2), shear=(-5, 5, -3, 3)),
    T.RandomPerspective(p=1.0),
    T.ColorJitter(0.4, 0.4, 0.4, 0.2),
    T.RandomGrayscale(p=0.5),
    T.GaussianBlur(5, sigma=(0.1, 2.0)),
    T.RandomErasing(p=1.0, value="random"),
    T.RandomApply([T.ColorJitter(0.5)], p=0.5),
    T.RandomInvert(),
    T.RandomPosterize(3),
    T.RandomSolarize(100),
    T.RandomAdjustSharpness(2.0),
    T.RandomAutocontrast(),
    T.RandomEqualize(),
    T.AutoAugment(),
    T.AutoAugment(T.AutoAugmentPolicy.CIFAR10),
    T.AutoAugment(T.AutoAugmentPolicy.SVHN),
    T.RandAugment(),
    T.TrivialAugmentWide(),
    T.ElasticTransform(alpha=20.0, sigma=2.0),
    T.AugMix(),
    T.AugMix(severity=5, chain_depth=2, alpha=0.5, all_ops=False),
]
IDS = [type(t).__name__ for t in RANDOM_TRANSFORMS]


def _run_seeded(transform, img, seed):
    ember.manual_seed(seed)
    out = transform(img)
    return out.numpy() if isinstance(out, ember.Tensor) else np.asarray(out)


@pytest.mark.parametrize("transform", RANDOM_TRANSFORMS, ids=IDS)
def test_manual_seed_fixes_the_result(transform):
    # a narrow value range, so that autocontrast is not the identity
    img = _u8(3, 20, 24) // 2 + 40
    runs = [_run_seeded(transform, img, seed) for seed in (1, 1, 2, 3, 4, 5)]
    np.testing.assert_array_equal(runs[0], runs[1])
    # some other seed changes the output (every transform here is random at these sizes)
    assert any(r.shape != runs[0].shape or (r != runs[0]).any() for r in runs[2:])


@pytest.mark.parametrize("transform", RANDOM_TRANSFORMS, ids=IDS)
def test_uint8_tensor_stays_uint8_in_range(transform):
    img = _u8(3, 20, 24)
    out = transform(img)
    assert out.dtype == ember.uint8
    assert out.ndim == 3 and out.shape[0] == 3
    # the input is not modified in place
    np.testing.assert_array_equal(img.numpy(), _u8(3, 20, 24).numpy())


@pytest.mark.parametrize(
    "transform",
    [t for t in RANDOM_TRANSFORMS if not isinstance(t, T.RandomErasing)],
    ids=[i for i, t in zip(IDS, RANDOM_TRANSFORMS, strict=True) if i != "RandomErasing"],
)
def test_pil_input_gives_pil_output(transform):
    out = transform(_pil())
    assert isinstance(out, Image.Image)
    assert out.mode == "RGB"


@pytest.mark.parametrize(
    "transform",
    [
        T.RandomRotation(30, interpolation=T.InterpolationMode.BILINEAR),
        T.RandomAffine(15, translate=(0.1, 0.1)),
        T.RandomPerspective(p=1.0),
        T.ColorJitter(0.3, 0.3, 0.3, 0.1),
        T.GaussianBlur(3),
        T.RandomResizedCrop(8),
        T.RandomCrop(8),
        T.RandomHorizontalFlip(p=1.0),
        T.RandomErasing(p=1.0),
    ],
    ids=lambda t: type(t).__name__,
)
def test_float_and_batched_tensors(transform):
    batch = ember.rand(2, 3, 16, 16)
    out = transform(batch)
    assert out.dtype == ember.float32
    assert out.shape[:2] == (2, 3)
    assert float(out.min()) >= -1e-6 or isinstance(transform, T.RandomErasing)
    # one draw of parameters for the whole batch: both images get the same geometry
    ember.manual_seed(7)
    single = transform(batch[0])
    ember.manual_seed(7)
    both = transform(batch)
    np.testing.assert_allclose(both[0].numpy(), single.numpy(), atol=1e-5)


def test_random_crop_get_params_is_uniform():
    img = ember.zeros(1, 10, 12)
    tops, lefts = [], []
    for _ in range(2000):
        i, j, h, w = T.RandomCrop.get_params(img, (4, 5))
        assert (h, w) == (4, 5)
        tops.append(i)
        lefts.append(j)
    assert set(tops) == set(range(7)) and set(lefts) == set(range(8))
    assert abs(np.mean(tops) - 3.0) < 0.25 and abs(np.mean(lefts) - 3.5) < 0.25


def test_random_resized_crop_get_params_respects_scale_and_ratio():
    img = ember.zeros(1, 100, 120)
    areas, ratios = [], []
    for _ in range(500):
        i, j, h, w = T.RandomResizedCrop.get_params(img, (0.2, 0.6), (0.5, 2.0))
        assert 0 <= i <= 100 - h and 0 <= j <= 120 - w
        areas.append(h * w / 12000)
        ratios.append(w / h)
    # rounding h, w to integers blurs the bounds slightly
    assert 0.18 < min(areas) and max(areas) < 0.62
    assert 0.45 < min(ratios) and max(ratios) < 2.1
    assert abs(np.mean(np.log(ratios))) < 0.1  # log-uniform ratio is centred on 1


def test_random_resized_crop_falls_back_to_center_crop():
    # no scale in [0.99, 1.0] fits a ratio of 4 on a square image: central fallback
    assert T.RandomResizedCrop.get_params(ember.zeros(1, 10, 10), (0.99, 1.0), (4.0, 5.0)) == (
        4,
        0,
        2,
        10,
    )


def test_flip_probability():
    img = ember.tensor([[[0, 1]]])
    flips = sum(T.RandomHorizontalFlip(p=0.3)(img)[0, 0, 0].item() == 1 for _ in range(2000))
    assert abs(flips / 2000 - 0.3) < 0.04


def test_rotation_and_affine_get_params_ranges():
    angles = [T.RandomRotation.get_params([-10.0, 30.0]) for _ in range(1000)]
    assert -10 <= min(angles) and max(angles) <= 30
    assert abs(np.mean(angles) - 10) < 1.0
    for _ in range(200):
        angle, (tx, ty), scale, (sx, sy) = T.RandomAffine.get_params(
            [-5.0, 5.0], [0.1, 0.2], [0.8, 1.2], [-3.0, 3.0, 1.0, 2.0], [50, 40]
        )
        assert -5 <= angle <= 5 and abs(tx) <= 5 and abs(ty) <= 8
        assert 0.8 <= scale <= 1.2 and -3 <= sx <= 3 and 1 <= sy <= 2


def test_color_jitter_get_params():
    for _ in range(200):
        order, b, c, s, h = T.ColorJitter.get_params((0.5, 1.5), None, (0.0, 2.0), (-0.1, 0.1))
        assert sorted(order.tolist()) == [0, 1, 2, 3]
        assert 0.5 <= b <= 1.5 and c is None and 0 <= s <= 2 and -0.1 <= h <= 0.1


def test_color_jitter_ranges_from_numbers():
    jitter = T.ColorJitter(brightness=0.4, contrast=2.0, hue=0.2)
    assert jitter.brightness == (0.6, 1.4)
    assert jitter.contrast == (0.0, 3.0)  # clipped at zero
    assert jitter.saturation is None
    assert jitter.hue == (-0.2, 0.2)


def test_perspective_get_params_corners():
    for _ in range(100):
        start, end = T.RandomPerspective.get_params(20, 10, 0.5)
        assert start == [[0, 0], [19, 0], [19, 9], [0, 9]]
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = end
        assert 0 <= x0 <= 5 and 0 <= y0 <= 2 and 14 <= x1 <= 19 and 0 <= y1 <= 2
        assert 14 <= x2 <= 19 and 7 <= y2 <= 9 and 0 <= x3 <= 5 and 7 <= y3 <= 9


def test_random_erasing_get_params_and_values():
    img = ember.ones(3, 20, 20)
    for _ in range(100):
        i, j, h, w, v = T.RandomErasing.get_params(img, (0.02, 0.33), (0.3, 3.3), value=[0.0])
        assert 0 <= i <= 20 - h and 0 <= j <= 20 - w and h < 20 and w < 20
        assert v.shape == (1, 1, 1)
    out = T.RandomErasing(p=1.0, value=(1.0, 2.0, 3.0))(ember.zeros(3, 20, 20))
    erased = out.numpy().reshape(3, -1).max(axis=1)
    np.testing.assert_array_equal(erased, [1.0, 2.0, 3.0])


def test_pil_and_tensor_agree_on_geometry():
    tensor = _u8(3, 20, 24)
    pil = F.to_pil_image(tensor)
    for transform in [T.RandomCrop(9, padding=3), T.RandomHorizontalFlip(), T.FiveCrop(5)]:
        for seed in range(5):
            ember.manual_seed(seed)
            out_t = transform(tensor)
            ember.manual_seed(seed)
            out_p = transform(pil)
            if isinstance(out_t, tuple):
                out_t, out_p = out_t[2], out_p[2]
            np.testing.assert_array_equal(out_t.numpy(), F.pil_to_tensor(out_p).numpy())


def test_pil_and_tensor_resized_crop_are_close():
    # Pillow and the tensor AA kernel round differently; same crop, similar pixels
    tensor = _u8(3, 40, 40)
    pil = F.to_pil_image(tensor)
    transform = T.RandomResizedCrop(16, scale=(0.5, 1.0))
    ember.manual_seed(3)
    out_t = transform(tensor).numpy().astype(float)
    ember.manual_seed(3)
    out_p = F.pil_to_tensor(transform(pil)).numpy().astype(float)
    assert np.abs(out_t - out_p).mean() < 2.0


def test_random_apply_choice_order():
    add = T.Lambda(lambda x: x + 1)
    double = T.Lambda(lambda x: x * 2)
    assert T.RandomApply([add, double], p=1.0)(1) == 4
    assert T.RandomApply([add], p=0.0)(1) == 1
    random.seed(0)
    assert {T.RandomOrder([add, double])(1) for _ in range(50)} == {3, 4}
    assert {T.RandomChoice([add, double], p=[1.0, 0.0])(5) for _ in range(20)} == {6}


def test_compose_pipeline_on_pil():
    pipeline = T.Compose(
        [
            T.RandomResizedCrop(8),
            T.RandomHorizontalFlip(),
            T.ToTensor(),
            T.Normalize([0.5, 0.5, 0.5], [0.25, 0.25, 0.25]),
        ]
    )
    out = pipeline(_pil())
    assert out.shape == (3, 8, 8) and out.dtype == ember.float32
    assert -2.0 - 1e-6 <= float(out.min()) and float(out.max()) <= 2.0 + 1e-6


def test_deterministic_classes_match_functional():
    img = _u8(3, 12, 14)
    assert T.Resize([6, 7])(img).shape == (3, 6, 7)
    assert T.Resize(6, max_size=8)(img).shape == (3, 6, 7)
    np.testing.assert_array_equal(T.CenterCrop(5)(img).numpy(), F.center_crop(img, 5).numpy())
    np.testing.assert_array_equal(
        T.Pad([1, 2], padding_mode="reflect")(img).numpy(),
        F.pad(img, [1, 2], padding_mode="reflect").numpy(),
    )
    assert len(T.TenCrop(4)(img)) == 10
    assert T.Grayscale(3)(img).shape == (3, 12, 14)
    assert T.ConvertImageDtype(ember.float32)(img).max().item() <= 1.0
    pil = T.ToPILImage()(img)
    np.testing.assert_array_equal(T.PILToTensor()(pil).numpy(), img.numpy())
    matrix = ember.eye(3 * 12 * 14)
    out = T.LinearTransformation(matrix, ember.zeros(3 * 12 * 14))(img.float())
    np.testing.assert_allclose(out.numpy(), img.float().numpy())


def test_reprs_match_torchvision():
    assert (
        repr(T.Resize(5)) == "Resize(size=5, interpolation=bilinear, max_size=None, antialias=True)"
    )
    assert repr(T.RandomResizedCrop(8)) == (
        "RandomResizedCrop(size=(8, 8), scale=(0.08, 1.0), ratio=(0.75, 1.3333), "
        "interpolation=bilinear, antialias=True)"
    )
    assert repr(T.ColorJitter(0.4, 0.4, 0.4, 0.1)) == (
        "ColorJitter(brightness=(0.6, 1.4), contrast=(0.6, 1.4), saturation=(0.6, 1.4), "
        "hue=(-0.1, 0.1))"
    )
    assert repr(
        T.RandomAffine(
            10,
            translate=(0.1, 0.2),
            scale=(0.9, 1.1),
            shear=5,
            interpolation=T.InterpolationMode.BILINEAR,
            fill=3,
        )
    ) == (
        "RandomAffine(degrees=[-10.0, 10.0], translate=(0.1, 0.2), scale=(0.9, 1.1), "
        "shear=[-5.0, 5.0], interpolation=bilinear, fill=3)"
    )
    assert repr(T.RandomRotation(10)) == (
        "RandomRotation(degrees=[-10.0, 10.0], interpolation=nearest, expand=False, fill=0)"
    )
    assert repr(T.Compose([T.ToTensor(), T.Normalize([0.5], [0.5])])) == (
        "Compose(\n    ToTensor()\n    Normalize(mean=[0.5], std=[0.5])\n)"
    )
    assert repr(T.RandAugment()) == (
        "RandAugment(num_ops=2, magnitude=9, num_magnitude_bins=31, "
        "interpolation=InterpolationMode.NEAREST, fill=None)"
    )
    assert repr(T.AutoAugment()) == "AutoAugment(policy=AutoAugmentPolicy.IMAGENET, fill=None)"
    assert repr(T.GaussianBlur(3)) == "GaussianBlur(kernel_size=(3, 3), sigma=(0.1, 2.0))"
    assert repr(T.RandomApply([T.RandomInvert()], p=0.3)) == (
        "RandomApply(\n    p=0.3\n    RandomInvert(p=0.5)\n)"
    )


@pytest.mark.parametrize(
    ("build", "error", "match"),
    [
        (lambda: T.Resize(5.0), TypeError, "Size should be int or sequence"),
        (lambda: T.Resize([1, 2, 3]), ValueError, "should have 1 or 2 values"),
        (lambda: T.CenterCrop([1, 2, 3]), ValueError, "only two dimensions"),
        (lambda: T.Pad(1, padding_mode="wrap"), ValueError, "Padding mode should be"),
        (lambda: T.Pad([1, 2, 3]), ValueError, "1, 2, or 4 element tuple"),
        (lambda: T.Lambda(3), TypeError, "lambd should be callable"),
        (lambda: T.RandomChoice([T.RandomInvert()], p=0.5), TypeError, "p should be a sequence"),
        (lambda: T.RandomResizedCrop(4, scale=0.5), TypeError, "Scale should be a sequence"),
        (lambda: T.ColorJitter(brightness=-1), ValueError, "must be non negative"),
        (lambda: T.ColorJitter(hue=0.7), ValueError, "hue values should be between"),
        (lambda: T.ColorJitter(contrast=[1, 2, 3]), TypeError, "list/tuple with length 2"),
        (lambda: T.RandomRotation(-5), ValueError, "must be positive"),
        (lambda: T.RandomRotation([1, 2, 3]), ValueError, "sequence of length 2"),
        (lambda: T.RandomAffine(5, translate=(0.1, 1.5)), ValueError, "between 0 and 1"),
        (lambda: T.RandomAffine(5, scale=(0.0, 1.0)), ValueError, "should be positive"),
        (lambda: T.RandomAffine(5, shear=(1, 2, 3)), ValueError, "length 2 or 4"),
        (lambda: T.RandomAffine(5, fill={}), TypeError, "Fill should be either"),
        (lambda: T.GaussianBlur(4), ValueError, "odd and positive"),
        (lambda: T.GaussianBlur(3, sigma=-1.0), ValueError, "must be positive"),
        (lambda: T.GaussianBlur(3, sigma=(2.0, 1.0)), ValueError, "form \\(min, max\\)"),
        (lambda: T.RandomErasing(p=1.5), ValueError, "probability should be between 0 and 1"),
        (lambda: T.RandomErasing(value="noise"), ValueError, "should be 'random'"),
        (lambda: T.RandomErasing(scale=(0.1, 1.5)), ValueError, "Scale should be between"),
        (lambda: T.ElasticTransform(alpha=5), TypeError, "alpha should be float"),
        (lambda: T.ElasticTransform(sigma=(1.0, 2.0, 3.0)), ValueError, "length should be 2"),
        (lambda: T.AugMix(severity=11), ValueError, "severity must be between"),
        (lambda: T.AutoAugment("imagenet"), ValueError, "policy imagenet is not recognized"),
    ],
)
def test_constructor_validation(build, error, match):
    with pytest.raises(error, match=match):
        build()


def test_call_time_validation():
    img = ember.zeros(3, 8, 8)
    with pytest.raises(ValueError, match=r"Required crop size \(10, 10\) is larger"):
        T.RandomCrop(10)(img)
    with pytest.raises(ValueError, match="either a single value or 3"):
        T.RandomErasing(p=1.0, value=[1.0, 2.0])(img)
    with pytest.raises(TypeError, match="Only torch.uint8 image tensors are supported"):
        T.RandomEqualize(p=1.0)(img)
    with pytest.raises(ValueError, match="must be strictly greater"):
        T.Resize(8, max_size=8)(img)
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize([0.0], [0.0])(img)
    with pytest.raises(TypeError, match="Input tensor should be a float tensor"):
        T.Normalize([0.0], [1.0])(img.to(ember.uint8))
    with pytest.raises(TypeError, match="pic should be PIL Image"):
        T.PILToTensor()(img)
    with pytest.raises(ValueError, match="Interpolation mode 'bicubic' is unsupported"):
        F.rotate(img, 10.0, interpolation=T.InterpolationMode.BICUBIC)
    with pytest.raises(ValueError, match="cannot broadcast"):
        F.rotate(img, 10.0, fill=[1.0, 2.0])
    with pytest.raises(ValueError, match="number if bits should be between 0 and 8"):
        F.posterize(img.to(ember.uint8), 9)
    with pytest.raises(ValueError, match="hue_factor"):
        F.adjust_hue(img, 0.7)
    with pytest.raises(TypeError, match="permitted channel values are"):
        F.adjust_brightness(ember.zeros(2, 4, 4), 1.5)


def test_resize_antialias_false_warns_for_pil():
    with pytest.warns(UserWarning, match="Anti-alias option is always applied"):
        F.resize(_pil(), [5, 5], antialias=False)


def test_rotate_expand_output_size():
    out = F.rotate(ember.ones(1, 10, 20), 90.0, expand=True)
    assert out.shape == (1, 20, 10)
    out = F.rotate(ember.ones(1, 10, 20), 45.0, expand=True)
    side = math.ceil((10 + 20) / math.sqrt(2) - 1e-4)
    assert out.shape == (1, side, side)


def test_image_classification_preset_repr_and_describe_match_torchvision():
    from embervision.transforms._presets import ImageClassification

    preset = ImageClassification(crop_size=224)
    assert repr(preset) == (
        "ImageClassification(\n    crop_size=[224]\n    resize_size=[256]\n"
        "    mean=[0.485, 0.456, 0.406]\n    std=[0.229, 0.224, 0.225]\n"
        "    interpolation=InterpolationMode.BILINEAR\n)"
    )
    assert preset.describe() == (
        "Accepts ``PIL.Image``, batched ``(B, C, H, W)`` and single ``(C, H, W)`` image "
        "``torch.Tensor`` objects. The images are resized to ``resize_size=[256]`` using "
        "``interpolation=InterpolationMode.BILINEAR``, followed by a central crop of "
        "``crop_size=[224]``. Finally the values are first rescaled to ``[0.0, 1.0]`` and then "
        "normalized using ``mean=[0.485, 0.456, 0.406]`` and ``std=[0.229, 0.224, 0.225]``."
    )


@pytest.mark.parametrize(
    "op",
    [
        lambda x: F.resize(x, [4, 5]),
        lambda x: F.resize(x, [4, 5], antialias=False),
        lambda x: F.rotate(x, 20.0, interpolation=T.InterpolationMode.BILINEAR),
        lambda x: F.affine(x, 10.0, [1, 2], 1.1, [3.0]),
        lambda x: F.gaussian_blur(x, 3),
        lambda x: F.adjust_hue(x, 0.2),
        lambda x: F.adjust_sharpness(x, 2.0),
        lambda x: F.autocontrast(x),
        lambda x: F.pad(x, [1, 2]),
    ],
)
def test_many_leading_batch_dims_match_per_image(op):
    batch = ember.rand(2, 2, 3, 9, 9)
    out = op(batch)
    assert out.shape[:3] == (2, 2, 3)
    np.testing.assert_allclose(out[1, 0].numpy(), op(batch[1, 0]).numpy(), atol=1e-5)


@pytest.mark.parametrize("alpha", [0.3, 1.0, 2.5])
def test_augmix_gamma_and_dirichlet_sampling_statistics(alpha):
    from embervision.transforms.autoaugment import _sample_dirichlet, _sample_gamma

    gamma = _sample_gamma(ember.full((20000,), alpha)).numpy()
    assert gamma.min() > 0
    # Gamma(alpha, 1): mean alpha, variance alpha
    assert abs(gamma.mean() - alpha) < 0.05 * max(alpha, 1)
    assert abs(gamma.var() - alpha) < 0.1 * max(alpha, 1)
    weights = _sample_dirichlet(ember.full((4000, 3), alpha)).numpy()
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-5)
    np.testing.assert_allclose(weights.mean(0), [1 / 3] * 3, atol=0.03)


def test_augmix_keeps_float_range_and_batch():
    out = T.AugMix()(ember.rand(2, 3, 12, 12))
    assert out.shape == (2, 3, 12, 12) and out.dtype == ember.float32
    assert -1e-5 <= float(out.min()) and float(out.max()) <= 1 + 1e-5
