"""Write ``ops.npz``: torchvision outputs for embervision's ops, io and utils tests.

Run with real torchvision (never by the tests): ``/tmp/tv/bin/python
packages/vision/tests/golden/generate_ops.py``. Inputs are drawn here from a seeded numpy
generator and stored next to the outputs under ``<case>/...`` keys, so the tests read both
from the file. Upstream gradients for the RoI ops are stored too.
"""

import io
import warnings
from pathlib import Path

import numpy as np
import torch
import torchvision
from _formula import fill_value, fixed_input
from torchvision import ops, utils
from torchvision.io import ImageReadMode, decode_jpeg, decode_png, encode_jpeg, encode_png

warnings.filterwarnings("ignore")
OUT = Path(__file__).resolve().parent / "ops.npz"
rng = np.random.default_rng(0)
data: dict[str, np.ndarray] = {}


def t(a):
    return torch.from_numpy(np.ascontiguousarray(a))


def put(key, value):
    if isinstance(value, torch.Tensor):
        value = value.detach().numpy()
    data[key] = np.asarray(value)


def random_boxes(n, size=20.0):
    xy = rng.uniform(0, size, (n, 2))
    wh = rng.uniform(1, size / 2, (n, 2))
    return np.concatenate([xy, xy + wh], 1).astype(np.float32)


def boxes_cases():
    b1, b2 = random_boxes(6), random_boxes(5)
    b2[0] = b1[0]  # one exact match
    put("boxes/b1", b1)
    put("boxes/b2", b2)
    for fmt in ("xyxy", "xywh", "cxcywh"):
        put(f"boxes/iou_{fmt}", ops.box_iou(t(b1), t(b2), fmt=fmt))
        put(f"boxes/area_{fmt}", ops.box_area(t(b1), fmt=fmt))
    put("boxes/giou", ops.generalized_box_iou(t(b1), t(b2)))
    put("boxes/diou", ops.distance_box_iou(t(b1), t(b2)))
    put("boxes/ciou", ops.complete_box_iou(t(b1), t(b2)))
    for a in ("xyxy", "xywh", "cxcywh"):
        for b in ("xyxy", "xywh", "cxcywh"):
            put(f"boxes/convert_{a}_{b}", ops.box_convert(t(b1), a, b))
    rot = np.concatenate([b1, rng.uniform(-90, 90, (6, 1)).astype(np.float32)], 1)
    put("boxes/rot", rot)
    put("boxes/rot_int", np.round(rot * 3).astype(np.int64))
    rotated = ("xywhr", "cxcywhr", "xyxyxyxy")
    for a in rotated:
        for b in rotated:
            if a != b:
                src = t(rot) if a != "xyxyxyxy" else ops.box_convert(t(rot), "xywhr", a)
                put(f"boxes/rot_{a}_{b}", ops.box_convert(src, a, b))
    put(
        "boxes/rot_int_cxcywhr_xywhr", ops.box_convert(t(data["boxes/rot_int"]), "cxcywhr", "xywhr")
    )
    b3 = random_boxes(6)
    b3[0] = b1[0]
    b3[1] = b1[1] + 30  # disjoint
    put("boxes/b3", b3)
    b1g, b3g = t(b1).requires_grad_(), t(b3)
    for name, fn in (
        ("giou_loss", ops.generalized_box_iou_loss),
        ("diou_loss", ops.distance_box_iou_loss),
        ("ciou_loss", ops.complete_box_iou_loss),
    ):
        for red in ("none", "mean", "sum"):
            put(f"boxes/{name}_{red}", fn(t(b1), b3g, reduction=red))
        b1g.grad = None
        fn(b1g, b3g, reduction="sum").backward()
        put(f"boxes/{name}_grad", b1g.grad)
    put("boxes/clip", ops.clip_boxes_to_image(t(b1), (12, 15)))
    put("boxes/small", ops.remove_small_boxes(t(b1), 6.0))
    masks = np.zeros((3, 7, 9), np.uint8)
    masks[0, 2:5, 1:7] = 1
    masks[1, 6, 8] = 1
    put("boxes/masks", masks)
    put("boxes/masks_to_boxes", ops.masks_to_boxes(t(masks)))


def nms_cases():
    b = random_boxes(200, 40.0)
    s = rng.uniform(0, 1, 200).astype(np.float32)
    put("nms/boxes", b)
    put("nms/scores", s)
    for thr in (0.3, 0.5, 0.7):
        put(f"nms/keep_{thr}", ops.nms(t(b), t(s), thr))
    # Ties: few distinct scores, and identical boxes.
    st = np.round(s * 4).astype(np.float32) / 4
    bt = b.copy()
    bt[10:20] = bt[0]
    put("nms/tie_boxes", bt)
    put("nms/tie_scores", st)
    put("nms/tie_keep", ops.nms(t(bt), t(st), 0.5))
    idxs = rng.integers(0, 4, 200).astype(np.int64)
    put("nms/idxs", idxs)
    put("nms/batched_keep", ops.batched_nms(t(b), t(s), t(idxs), 0.5))
    # Over 4000 coordinates: torchvision's per-class path.
    bb = random_boxes(1100, 60.0)
    sb = rng.uniform(0, 1, 1100).astype(np.float32)
    ib = rng.integers(0, 5, 1100).astype(np.int64)
    put("nms/big_boxes", bb)
    put("nms/big_scores", sb)
    put("nms/big_idxs", ib)
    put("nms/big_keep", ops.batched_nms(t(bb), t(sb), t(ib), 0.4))


def roi_cases():
    x = rng.standard_normal((2, 3, 10, 12)).astype(np.float32)
    rois = np.array(
        [
            [0, 1.0, 1.5, 8.2, 7.7],
            [1, 0.0, 0.0, 11.0, 9.0],
            [0, 3.3, 2.1, 4.0, 2.6],  # smaller than a bin
            [1, -2.0, -3.0, 5.0, 4.0],  # partly outside
            [0, 9.0, 7.5, 14.0, 12.5],  # partly outside
            [1, 2.5, 2.5, 2.5, 2.5],  # degenerate
            [0, 4.4, 0.6, 10.9, 6.3],
        ],
        np.float32,
    )
    put("roi/x", x)
    put("roi/rois", rois)
    for aligned in (False, True):
        for ratio in (2, -1):
            for scale in (1.0, 0.5):
                key = f"roi/align_{int(aligned)}_{ratio}_{scale}"
                xt = t(x).requires_grad_()
                y = ops.roi_align(xt, t(rois), (3, 4), scale, ratio, aligned)
                gy = rng.standard_normal(y.shape).astype(np.float32)
                y.backward(t(gy))
                put(key, y)
                put(key + "_gy", gy)
                put(key + "_gx", xt.grad)
    # Ties: small integers, so bins hold repeated maxima (the first in row-major order wins).
    xi = rng.integers(0, 4, (1, 2, 6, 7)).astype(np.float32)
    ri = np.array([[0, 0, 0, 6, 5], [0, 1.4, 0.6, 5.5, 4.5], [0, 7, 7, 9, 9]], np.float32)
    xt = t(xi).requires_grad_()
    y = ops.roi_pool(xt, t(ri), (2, 3))
    y.backward(torch.ones_like(y) + torch.arange(y.numel()).reshape(y.shape))
    put("roi/tie_x", xi)
    put("roi/tie_rois", ri)
    put("roi/tie_pool", y)
    put("roi/tie_pool_gx", xt.grad)
    for scale in (1.0, 0.5):
        key = f"roi/pool_{scale}"
        xt = t(x).requires_grad_()
        y = ops.roi_pool(xt, t(rois), (3, 3), scale)
        gy = rng.standard_normal(y.shape).astype(np.float32)
        y.backward(t(gy))
        put(key, y)
        put(key + "_gy", gy)
        put(key + "_gx", xt.grad)


def pooler_cases():
    feats = {
        "f0": rng.standard_normal((2, 3, 32, 40)).astype(np.float32),
        "f1": rng.standard_normal((2, 3, 16, 20)).astype(np.float32),
        "skip": rng.standard_normal((2, 3, 8, 10)).astype(np.float32),
        "f2": rng.standard_normal((2, 3, 8, 10)).astype(np.float32),
    }
    boxes = [random_boxes(5, 100.0) * np.float32(1.2), random_boxes(4, 30.0)]
    boxes[0][0] = [0, 0, 120, 150]  # big: top level
    for k, v in feats.items():
        put(f"pooler/{k}", v)
    for i, b in enumerate(boxes):
        put(f"pooler/boxes{i}", b)
    m = ops.MultiScaleRoIAlign(["f0", "f1", "f2"], (3, 2), 2, canonical_scale=64)
    xs = {k: t(v).requires_grad_() for k, v in feats.items()}
    y = m(xs, [t(b) for b in boxes], [(128, 160), (120, 150)])
    y.backward(torch.ones_like(y))
    put("pooler/out", y)
    put("pooler/scales", np.array(m.scales))
    for k in ("f0", "f1", "f2"):
        put(f"pooler/grad_{k}", xs[k].grad)


def focal_cases():
    x = rng.standard_normal((4, 5)).astype(np.float32) * 2
    y = (rng.uniform(0, 1, (4, 5)) > 0.6).astype(np.float32)
    put("focal/x", x)
    put("focal/y", y)
    for red in ("none", "mean", "sum"):
        put(f"focal/{red}", ops.sigmoid_focal_loss(t(x), t(y), reduction=red))
    put("focal/noalpha", ops.sigmoid_focal_loss(t(x), t(y), alpha=-1, gamma=1.5))


def fpn_cases():
    from torchvision.ops.feature_pyramid_network import LastLevelMaxPool, LastLevelP6P7

    shapes = {"c3": (1, 2, 16, 16), "c4": (1, 4, 8, 8), "c5": (1, 6, 4, 4)}
    feats = {k: fixed_input(s) * (i + 1) for i, (k, s) in enumerate(shapes.items())}
    for name, extra in (("maxpool", LastLevelMaxPool()), ("p6p7", LastLevelP6P7(6, 3))):
        m = ops.FeaturePyramidNetwork([2, 4, 6], 3, extra_blocks=extra).eval()
        sd = m.state_dict()
        m.load_state_dict(
            {k: t(fill_value(k, tuple(v.shape), i)) for i, (k, v) in enumerate(sd.items())}
        )
        put(f"fpn/{name}_keys", np.array(list(sd.keys())))
        with torch.no_grad():
            out = m({k: t(v) for k, v in feats.items()})
        put(f"fpn/{name}_names", np.array(list(out.keys())))
        for k, v in out.items():
            put(f"fpn/{name}_out_{k}", v)


def utils_cases():
    imgs = rng.uniform(-0.5, 1.5, (5, 3, 4, 5)).astype(np.float32)
    put("grid/imgs", imgs)
    put("grid/default", utils.make_grid(t(imgs)))
    put("grid/nrow2", utils.make_grid(t(imgs), nrow=2, padding=1, pad_value=0.5))
    put("grid/normalize", utils.make_grid(t(imgs), normalize=True))
    put("grid/range", utils.make_grid(t(imgs), normalize=True, value_range=(0.0, 1.0)))
    put("grid/scale_each", utils.make_grid(t(imgs), normalize=True, scale_each=True))
    put("grid/gray", utils.make_grid(t(imgs[:3, :1]), nrow=3))
    put("grid/single", utils.make_grid(t(imgs[0])))
    buf = io.BytesIO()
    utils.save_image(t(imgs), buf, format="png", nrow=3)
    put("grid/saved_png", np.frombuffer(buf.getvalue(), np.uint8))

    image = rng.integers(0, 256, (3, 20, 24)).astype(np.uint8)
    boxes = np.array([[1, 2, 10, 12], [5, 5, 20, 18], [0, 0, 23, 19]], np.float32)
    put("draw/image", image)
    put("draw/boxes", boxes)
    put("draw/boxes_default", utils.draw_bounding_boxes(t(image), t(boxes)))
    put(
        "draw/boxes_styled",
        utils.draw_bounding_boxes(
            t(image),
            t(boxes),
            labels=["a", "bb", "c"],
            colors=["red", (0, 255, 0), "#0000ff"],
            fill=True,
            width=2,
        ),
    )
    put("draw/boxes_gray", utils.draw_bounding_boxes(t(image[:1]), t(boxes), colors="yellow"))
    corners = np.array([[2, 3, 15, 1, 18, 12, 5, 14], [20, 2, 22, 10, 12, 17, 10, 9]], np.float32)
    put("draw/corners", corners)
    put("draw/boxes_rotated", utils.draw_bounding_boxes(t(image), t(corners), fill=True, width=1))
    fimage = image.astype(np.float32) / 255
    put("draw/boxes_float", utils.draw_bounding_boxes(t(fimage), t(boxes[:1]), colors="white"))
    masks = np.zeros((2, 20, 24), bool)
    masks[0, 2:10, 3:15] = True
    masks[1, 8:18, 10:20] = True
    put("draw/masks", masks)
    put("draw/masks_default", utils.draw_segmentation_masks(t(image), t(masks)))
    put(
        "draw/masks_styled",
        utils.draw_segmentation_masks(t(image), t(masks), alpha=0.5, colors=["blue", (9, 99, 199)]),
    )
    put("draw/masks_float", utils.draw_segmentation_masks(t(fimage), t(masks[0]), colors="red"))
    kpts = np.array([[[3, 4], [10, 6], [18, 15]], [[5, 16], [20, 3], [12, 12]]], np.float32)
    vis = np.array([[True, True, True], [True, False, True]])
    put("draw/kpts", kpts)
    put("draw/kpts_vis", vis)
    put(
        "draw/keypoints",
        utils.draw_keypoints(
            t(image), t(kpts), connectivity=[(0, 1), (1, 2)], colors="cyan", visibility=t(vis)
        ),
    )
    put("draw/keypoints_float", utils.draw_keypoints(t(fimage), t(kpts), radius=1, width=1))
    flow = rng.standard_normal((2, 2, 6, 7)).astype(np.float32)
    put("flow/flow", flow)
    put("flow/image", utils.flow_to_image(t(flow)))


def io_cases():
    rgb = rng.integers(0, 256, (3, 9, 11)).astype(np.uint8)
    gray = rng.integers(0, 256, (1, 9, 11)).astype(np.uint8)
    put("io/rgb", rgb)
    put("io/gray", gray)
    put("io/rgb_png", encode_png(t(rgb)))
    put("io/gray_png", encode_png(t(gray), compression_level=9))
    for mode in ("UNCHANGED", "GRAY", "GRAY_ALPHA", "RGB", "RGB_ALPHA"):
        put(f"io/rgb_png_{mode}", decode_png(t(data["io/rgb_png"]), ImageReadMode[mode]))
        put(f"io/gray_png_{mode}", decode_png(t(data["io/gray_png"]), ImageReadMode[mode]))
    smooth = np.broadcast_to(np.arange(16, dtype=np.uint8)[None, None] * 16, (3, 16, 16)).copy()
    put("io/smooth", smooth)
    jpg = encode_jpeg(t(smooth), quality=95)
    put("io/smooth_jpg", jpg)
    put("io/smooth_jpg_decoded", decode_jpeg(jpg))
    put("io/smooth_jpg_gray", decode_jpeg(jpg, mode=ImageReadMode.GRAY))


if __name__ == "__main__":
    torch.manual_seed(0)
    for case in (
        boxes_cases,
        nms_cases,
        roi_cases,
        pooler_cases,
        focal_cases,
        fpn_cases,
        utils_cases,
        io_cases,
    ):
        case()
    data["torchvision"] = np.array(torchvision.__version__)
    np.savez_compressed(OUT, **data)
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes, {len(data)} arrays)")
