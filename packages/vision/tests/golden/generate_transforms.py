"""Write ``transforms_golden.npz`` from real torchvision (never run by the tests).

Run with the throwaway torchvision venv: ``/tmp/tv/bin/python
packages/vision/tests/golden/generate_transforms.py``. It applies every case in ``CASES``
(deterministic ``transforms.functional`` calls) to fixed inputs made by ``make_inputs`` and
saves inputs and outputs in one compressed ``.npz``. ``test_transforms_functional.py``
imports ``CASES``/``make_inputs`` from here and runs the same calls through embervision, so
this module imports torch only inside ``main``.
"""

from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "transforms_golden.npz"

# A case: (name, functional name, input key, positional args, keyword args). Interpolation is
# given by its string value and turned into the enum of whichever library runs the case.
_RESIZE = []
for _key in ("u8", "f32"):
    for _size in ([7, 9], [25, 31]):
        for _mode in ("bilinear", "bicubic"):
            for _aa in (True, False):
                _RESIZE.append(
                    (
                        f"resize_{_key}_{_size[0]}_{_mode}_aa{int(_aa)}",
                        "resize",
                        _key,
                        (_size,),
                        {"interpolation": _mode, "antialias": _aa},
                    )
                )
        for _mode in ("nearest", "nearest-exact"):
            _RESIZE.append(
                (
                    f"resize_{_key}_{_size[0]}_{_mode}",
                    "resize",
                    _key,
                    (_size,),
                    {"interpolation": _mode},
                )
            )
for _size in ([7, 9], [25, 31]):
    for _mode in ("bilinear", "bicubic", "nearest", "box", "lanczos"):
        _RESIZE.append(
            (f"resize_pil_{_size[0]}_{_mode}", "resize", "pil", (_size,), {"interpolation": _mode})
        )
_RESIZE += [
    ("resize_u8_short_edge", "resize", "u8", (8,), {}),
    ("resize_u8_max_size", "resize", "u8", ([10],), {"max_size": 12}),
    ("resize_u8b", "resize", "u8b", ([5, 6],), {}),
    ("resize_pil_short_edge", "resize", "pil", ([8],), {}),
]

_PAD = []
for _key in ("u8", "f32", "pil"):
    for _mode in ("constant", "edge", "reflect", "symmetric"):
        _PAD.append((f"pad_{_key}_{_mode}", "pad", _key, ([1, 2, 3, 4],), {"padding_mode": _mode}))
    _PAD.append((f"pad_{_key}_fill", "pad", _key, (2,), {"fill": 7}))
    _PAD.append((f"pad_{_key}_2", "pad", _key, ([3, 1],), {"padding_mode": "reflect"}))
_PAD.append(("pad_u8_neg_symmetric", "pad", "u8", ([-1, 2, 3, -2],), {"padding_mode": "symmetric"}))

_GEOM = []
for _key in ("u8", "f32", "pil"):
    for _mode in ("nearest", "bilinear"):
        _GEOM += [
            (f"rotate_{_key}_{_mode}", "rotate", _key, (30.0,), {"interpolation": _mode}),
            (
                f"rotate_{_key}_{_mode}_expand",
                "rotate",
                _key,
                (-47.0,),
                {"interpolation": _mode, "expand": True},
            ),
            (
                f"rotate_{_key}_{_mode}_center_fill",
                "rotate",
                _key,
                (75.0,),
                {"interpolation": _mode, "center": [3, 4], "fill": [10, 20, 30]},
            ),
            (
                f"affine_{_key}_{_mode}",
                "affine",
                _key,
                (),
                {
                    "angle": 15.0,
                    "translate": [2, -1],
                    "scale": 1.1,
                    "shear": [5.0, 3.0],
                    "interpolation": _mode,
                },
            ),
            (
                f"affine_{_key}_{_mode}_fill",
                "affine",
                _key,
                (),
                {
                    "angle": -20.0,
                    "translate": [0, 3],
                    "scale": 0.8,
                    "shear": 7.0,
                    "interpolation": _mode,
                    "fill": 5,
                },
            ),
            (
                f"perspective_{_key}_{_mode}",
                "perspective",
                _key,
                ([[0, 0], [16, 0], [16, 12], [0, 12]], [[2, 1], [15, 0], [14, 11], [1, 12]]),
                {"interpolation": _mode},
            ),
            (
                f"perspective_{_key}_{_mode}_fill",
                "perspective",
                _key,
                ([[0, 0], [16, 0], [16, 12], [0, 12]], [[3, 2], [13, 1], [16, 12], [0, 10]]),
                {"interpolation": _mode, "fill": [1, 2, 3]},
            ),
        ]
_GEOM += [
    ("rotate_u8b_bilinear", "rotate", "u8b", (30.0,), {"interpolation": "bilinear"}),
    (
        "affine_u8b_nearest",
        "affine",
        "u8b",
        (),
        {"angle": 15.0, "translate": [2, -1], "scale": 1.1, "shear": [5.0, 3.0]},
    ),
]

_CROP = []
for _key in ("u8", "pil"):
    _CROP += [
        (f"crop_{_key}", "crop", _key, (2, 3, 5, 6), {}),
        (f"crop_{_key}_outside", "crop", _key, (-2, -1, 8, 20), {}),
        (f"center_crop_{_key}", "center_crop", _key, (7,), {}),
        (f"center_crop_{_key}_pad", "center_crop", _key, ([20, 5],), {}),
        (f"resized_crop_{_key}", "resized_crop", _key, (1, 2, 9, 11, [6, 5]), {}),
        (f"five_crop_{_key}", "five_crop", _key, (5,), {}),
        (f"ten_crop_{_key}", "ten_crop", _key, ([4, 6],), {"vertical_flip": True}),
        (f"hflip_{_key}", "hflip", _key, (), {}),
        (f"vflip_{_key}", "vflip", _key, (), {}),
    ]

_COLOR = []
for _key in ("u8", "f32", "pil"):
    _COLOR += [
        (f"adjust_brightness_{_key}", "adjust_brightness", _key, (1.7,), {}),
        (f"adjust_contrast_{_key}", "adjust_contrast", _key, (0.6,), {}),
        (f"adjust_saturation_{_key}", "adjust_saturation", _key, (1.9,), {}),
        (f"adjust_hue_{_key}", "adjust_hue", _key, (0.23,), {}),
        (f"adjust_hue_{_key}_neg", "adjust_hue", _key, (-0.4,), {}),
        (f"adjust_gamma_{_key}", "adjust_gamma", _key, (0.7,), {"gain": 1.1}),
        (f"adjust_sharpness_{_key}", "adjust_sharpness", _key, (2.5,), {}),
        (f"adjust_sharpness_{_key}_blur", "adjust_sharpness", _key, (0.3,), {}),
        (f"autocontrast_{_key}", "autocontrast", _key, (), {}),
        (f"invert_{_key}", "invert", _key, (), {}),
        (f"gaussian_blur_{_key}", "gaussian_blur", _key, ([3, 5], [0.8, 1.2]), {}),
        (f"gaussian_blur_{_key}_default_sigma", "gaussian_blur", _key, (5,), {}),
        (f"rgb_to_grayscale_{_key}", "rgb_to_grayscale", _key, (), {}),
        (f"rgb_to_grayscale_{_key}_3", "rgb_to_grayscale", _key, (3,), {}),
    ]
for _key in ("u8", "pil"):
    _COLOR += [
        (f"posterize_{_key}", "posterize", _key, (3,), {}),
        (f"solarize_{_key}", "solarize", _key, (128,), {}),
        (f"equalize_{_key}", "equalize", _key, (), {}),
    ]
_COLOR += [
    ("solarize_f32", "solarize", "f32", (0.5,), {}),
    ("equalize_u8b", "equalize", "u8b", (), {}),
    ("equalize_u8_flat", "equalize", "u8_flat", (), {}),
    ("autocontrast_u8_flat", "autocontrast", "u8_flat", (), {}),
    ("adjust_hue_u8b", "adjust_hue", "u8b", (0.1,), {}),
    ("gaussian_blur_u8b", "gaussian_blur", "u8b", ([5, 3],), {}),
    ("to_grayscale_pil", "to_grayscale", "pil", (), {}),
    ("to_grayscale_pil_3", "to_grayscale", "pil", (3,), {}),
]

_CONVERT = [
    ("normalize_f32", "normalize", "f32", ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]), {}),
    ("convert_u8_to_float", "convert_image_dtype", "u8", ("float32",), {}),
    ("convert_float_to_u8", "convert_image_dtype", "f32", ("uint8",), {}),
    ("convert_u8_to_int32", "convert_image_dtype", "u8", ("int32",), {}),
    ("convert_float_to_float64", "convert_image_dtype", "f32", ("float64",), {}),
    ("to_tensor_pil", "to_tensor", "pil", (), {}),
    ("to_tensor_ndarray", "to_tensor", "hwc", (), {}),
    ("pil_to_tensor_pil", "pil_to_tensor", "pil", (), {}),
]

_CONVERT += [
    ("elastic_transform_u8", "elastic_transform", "u8", ("disp",), {}),
    ("elastic_transform_f32_nearest", "elastic_transform", "f32", ("disp",),
     {"interpolation": "nearest", "fill": [0.5, 0.25, 1.0]}),
    ("elastic_transform_pil", "elastic_transform", "pil", ("disp",), {"fill": [9, 8, 7]}),
]  # fmt: skip

CASES = _RESIZE + _PAD + _GEOM + _CROP + _COLOR + _CONVERT

_INTERPOLATIONS = {"nearest", "nearest-exact", "bilinear", "bicubic", "box", "hamming", "lanczos"}


def make_inputs() -> dict[str, np.ndarray]:
    """The fixed input arrays (CHW unless named otherwise), from a seeded numpy generator."""
    rng = np.random.default_rng(20240601)
    u8 = rng.integers(0, 256, size=(3, 13, 17), dtype=np.uint8)
    # a channel with a narrow range exercises autocontrast / equalize scaling
    u8[1] = 60 + u8[1] // 4
    f32 = rng.random((3, 13, 17), dtype=np.float32)
    u8b = rng.integers(0, 256, size=(2, 3, 13, 17), dtype=np.uint8)
    return {
        "u8": u8,
        "f32": f32,
        "u8b": u8b,
        "u8_flat": np.stack([np.full((13, 17), 77, np.uint8), u8[0], u8[2]]),
        "hwc": np.ascontiguousarray(u8.transpose(1, 2, 0)),
        # an elastic_transform displacement field (1, H, W, 2) in grid units
        "disp": rng.uniform(-0.15, 0.15, size=(1, 13, 17, 2)).astype(np.float32),
    }


def resolve(func, key, args, kwargs, inputs, as_tensor, to_pil, mode_enum, dtypes):
    """Build the call for one case with the given library's helpers and run it."""
    if key == "pil":
        img = to_pil(inputs["u8"])
    elif key == "hwc":
        img = inputs["hwc"]
    else:
        img = as_tensor(inputs[key])
    kwargs = dict(kwargs)
    if "interpolation" in kwargs:
        kwargs["interpolation"] = mode_enum(kwargs["interpolation"])
    # string arguments name a dtype or another input array (passed as a tensor)
    args = tuple(
        (dtypes[a] if a in dtypes else as_tensor(inputs[a])) if isinstance(a, str) else a
        for a in args
    )
    return func(img, *args, **kwargs)


def main() -> None:
    import torch
    import torchvision.transforms.functional as F

    inputs = make_inputs()
    dtypes = {"float32": torch.float32, "uint8": torch.uint8, "int32": torch.int32,
              "float64": torch.float64}  # fmt: skip

    def to_numpy(out):
        if isinstance(out, (tuple, list)):
            return np.stack([to_numpy(o) for o in out])
        if isinstance(out, torch.Tensor):
            return out.numpy()
        return F.pil_to_tensor(out).numpy()

    results = {f"in_{k}": v for k, v in inputs.items()}
    for name, fname, key, args, kwargs in CASES:
        out = resolve(
            getattr(F, fname), key, args, kwargs, inputs,
            lambda a: torch.from_numpy(a.copy()),
            lambda a: F.to_pil_image(torch.from_numpy(a)),
            F.InterpolationMode, dtypes,
        )  # fmt: skip
        results[name] = to_numpy(out)
    # The eval preset that model Weights carry (torchvision.transforms._presets)
    from torchvision.transforms._presets import ImageClassification

    preset = ImageClassification(crop_size=8, resize_size=10)
    results["preset_u8"] = preset(torch.from_numpy(inputs["u8"])).numpy()
    results["preset_u8b"] = preset(torch.from_numpy(inputs["u8b"])).numpy()
    results["preset_pil"] = preset(F.to_pil_image(torch.from_numpy(inputs["u8"]))).numpy()
    np.savez_compressed(OUT, **results)
    print(f"wrote {len(CASES)} cases to {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
