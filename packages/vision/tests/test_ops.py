"""embervision.ops against torchvision 0.29.1 golden outputs (golden/ops.npz, made by
golden/generate_ops.py), plus gradcheck and error messages."""

from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
from golden._formula import fill_value, fixed_input

import ember
from embervision import ops
from embervision.ops.feature_pyramid_network import LastLevelMaxPool, LastLevelP6P7

G = np.load(Path(__file__).resolve().parent / "golden" / "ops.npz")
FMTS = ("xyxy", "xywh", "cxcywh")


def T(key, **kw):
    return ember.tensor(G[key], **kw)


def close(actual, key, atol=1e-5, rtol=1e-5):
    a = actual.detach().numpy() if isinstance(actual, ember.Tensor) else np.asarray(actual)
    np.testing.assert_allclose(a, G[key], atol=atol, rtol=rtol)
    assert a.shape == G[key].shape


# -- boxes ----------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FMTS)
def test_box_iou_and_area_match_torchvision(fmt):
    close(ops.box_iou(T("boxes/b1"), T("boxes/b2"), fmt=fmt), f"boxes/iou_{fmt}")
    close(ops.box_area(T("boxes/b1"), fmt=fmt), f"boxes/area_{fmt}")


@pytest.mark.parametrize("name", ["giou", "diou", "ciou"])
def test_iou_variants_match_torchvision(name):
    fn = {
        "giou": ops.generalized_box_iou,
        "diou": ops.distance_box_iou,
        "ciou": ops.complete_box_iou,
    }[name]
    close(fn(T("boxes/b1"), T("boxes/b2")), f"boxes/{name}")


@pytest.mark.parametrize("a", FMTS)
@pytest.mark.parametrize("b", FMTS)
def test_box_convert_every_pair(a, b):
    close(ops.box_convert(T("boxes/b1"), a, b), f"boxes/convert_{a}_{b}")


def test_clip_remove_small_and_masks_to_boxes():
    close(ops.clip_boxes_to_image(T("boxes/b1"), (12, 15)), "boxes/clip")
    keep = ops.remove_small_boxes(T("boxes/b1"), 6.0)
    assert keep.dtype == ember.int64
    close(keep, "boxes/small")
    close(ops.masks_to_boxes(T("boxes/masks")), "boxes/masks_to_boxes")
    assert tuple(ops.masks_to_boxes(ember.zeros(0, 3, 3)).shape) == (0, 4)


def test_box_iou_gradient_flows_to_both_box_sets():
    b1 = T("boxes/b1", requires_grad=True)
    b2 = T("boxes/b2", requires_grad=True)
    ops.generalized_box_iou(b1, b2).sum().backward()
    assert float(b1.grad.abs().sum()) > 0 and float(b2.grad.abs().sum()) > 0


def test_box_ops_reject_bad_shapes_and_formats():
    with pytest.raises(ValueError, match=r"box_iou: boxes1 must have shape \[\.\.\., 4\]"):
        ops.box_iou(ember.zeros(3, 5), ember.zeros(2, 4))
    with pytest.raises(ValueError, match="Unsupported Bounding Box Conversions"):
        ops.box_convert(ember.zeros(3, 4), "xyxy", "polar")
    with pytest.raises(NotImplementedError, match="rotated"):
        ops.box_iou(ember.zeros(3, 5), ember.zeros(3, 5), fmt="cxcywhr")
    with pytest.raises(ValueError, match="Unsupported Bounding Box area"):
        ops.box_area(ember.zeros(3, 4), fmt="bogus")


# -- nms ------------------------------------------------------------------------------------
@pytest.mark.parametrize("thr", [0.3, 0.5, 0.7])
def test_nms_matches_torchvision(thr):
    keep = ops.nms(T("nms/boxes"), T("nms/scores"), thr)
    assert keep.dtype == ember.int64
    close(keep, f"nms/keep_{thr}", atol=0)


def test_nms_with_tied_scores_and_duplicate_boxes():
    close(ops.nms(T("nms/tie_boxes"), T("nms/tie_scores"), 0.5), "nms/tie_keep", atol=0)


def test_nms_empty_input_gives_empty_int64():
    keep = ops.nms(ember.zeros(0, 4), ember.zeros(0), 0.5)
    assert keep.dtype == ember.int64 and tuple(keep.shape) == (0,)
    keep = ops.batched_nms(ember.zeros(0, 4), ember.zeros(0), ember.zeros(0).long(), 0.5)
    assert keep.dtype == ember.int64 and tuple(keep.shape) == (0,)


def test_batched_nms_coordinate_trick_matches_torchvision():
    keep = ops.batched_nms(T("nms/boxes"), T("nms/scores"), T("nms/idxs"), 0.5)
    close(keep, "nms/batched_keep", atol=0)


def test_batched_nms_per_class_path_for_many_boxes():
    keep = ops.batched_nms(T("nms/big_boxes"), T("nms/big_scores"), T("nms/big_idxs"), 0.4)
    close(keep, "nms/big_keep", atol=0)


def test_nms_rejects_mismatched_inputs():
    with pytest.raises(RuntimeError, match=r"nms: boxes should be a 2d tensor of shape \[N, 4\]"):
        ops.nms(ember.zeros(3, 5), ember.zeros(3), 0.5)
    with pytest.raises(RuntimeError, match="same number of elements"):
        ops.nms(ember.zeros(3, 4), ember.zeros(2), 0.5)


# -- roi_align / roi_pool -------------------------------------------------------------------
ALIGN_CASES = [(a, r, s) for a in (0, 1) for r in (2, -1) for s in (1.0, 0.5)]


@pytest.mark.parametrize(("aligned", "ratio", "scale"), ALIGN_CASES)
def test_roi_align_forward_and_input_grad_match_torchvision(aligned, ratio, scale):
    key = f"roi/align_{aligned}_{ratio}_{scale}"
    x = T("roi/x", requires_grad=True)
    y = ops.roi_align(x, T("roi/rois"), (3, 4), scale, ratio, bool(aligned))
    close(y, key)
    y.backward(T(key + "_gy"))
    close(x.grad, key + "_gx")


def test_roi_align_list_of_boxes_equals_tensor_form():
    rois = T("roi/rois")
    per_image = [rois[rois[:, 0] == i][:, 1:] for i in range(2)]
    sorted_rois = ember.cat([rois[rois[:, 0] == i] for i in range(2)])
    a = ops.roi_align(T("roi/x"), per_image, 2, 0.5, 2)
    b = ops.RoIAlign(2, 0.5, 2)(T("roi/x"), sorted_rois)
    np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-6)


def test_roi_align_gradcheck_float64():
    x = ember.randn(1, 2, 5, 6, dtype=ember.float64, requires_grad=True)
    rois = ember.tensor([[0, 0.3, 0.7, 4.1, 3.9], [0, 1.2, 0.4, 3.3, 2.8]], dtype=ember.float64)
    for aligned, ratio in ((False, 2), (True, -1)):
        assert ember.autograd.gradcheck(
            lambda t, a=aligned, r=ratio: ops.roi_align(t, rois, (2, 3), 1.0, r, a),
            (x,),
            fast_mode=True,
        )


@pytest.mark.parametrize("scale", [1.0, 0.5])
def test_roi_pool_forward_and_input_grad_match_torchvision(scale):
    key = f"roi/pool_{scale}"
    x = T("roi/x", requires_grad=True)
    y = ops.RoIPool((3, 3), scale)(x, T("roi/rois"))
    close(y, key)
    y.backward(T(key + "_gy"))
    close(x.grad, key + "_gx")


def test_roi_ops_empty_boxes_and_errors():
    x = ember.rand(1, 2, 4, 4)
    assert tuple(ops.roi_align(x, ember.zeros(0, 5), 2).shape) == (0, 2, 2, 2)
    assert tuple(ops.roi_pool(x, ember.zeros(0, 5), 2).shape) == (0, 2, 2, 2)
    with pytest.raises(AssertionError, match=r"Tensor\[K, 5\]"):
        ops.roi_align(x, ember.zeros(3, 4), 2)
    with pytest.raises(AssertionError, match=r"List\[Tensor\[L, 4\]\]"):
        ops.roi_pool(x, [ember.zeros(3, 5)], 2)
    with pytest.raises(ValueError, match=r"roi_align: input must be a Tensor\[N, C, H, W\]"):
        ops.roi_align(ember.rand(2, 4, 4), ember.zeros(1, 5), 2)
    with pytest.raises(IndexError, match=r"roi_pool: box batch indices must lie in \[0, 0\]"):
        ops.roi_pool(x, ember.tensor([[3.0, 0, 0, 1, 1]]), 2)


# -- focal loss -----------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_sigmoid_focal_loss_matches_torchvision(reduction):
    close(
        ops.sigmoid_focal_loss(T("focal/x"), T("focal/y"), reduction=reduction),
        f"focal/{reduction}",
    )


def test_sigmoid_focal_loss_without_alpha_and_errors():
    close(ops.sigmoid_focal_loss(T("focal/x"), T("focal/y"), alpha=-1, gamma=1.5), "focal/noalpha")
    with pytest.raises(ValueError, match="Invalid alpha value"):
        ops.sigmoid_focal_loss(T("focal/x"), T("focal/y"), alpha=2.0)
    with pytest.raises(ValueError, match="Invalid Value for arg 'reduction'"):
        ops.sigmoid_focal_loss(T("focal/x"), T("focal/y"), reduction="avg")


# -- FPN ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["maxpool", "p6p7"])
def test_fpn_keys_and_output_match_torchvision(name):
    extra = LastLevelMaxPool() if name == "maxpool" else LastLevelP6P7(6, 3)
    m = ops.FeaturePyramidNetwork([2, 4, 6], 3, extra_blocks=extra).eval()
    sd = m.state_dict()
    assert list(sd.keys()) == G[f"fpn/{name}_keys"].tolist()
    m.load_state_dict(
        {k: ember.tensor(fill_value(k, tuple(v.shape), i)) for i, (k, v) in enumerate(sd.items())}
    )
    shapes = {"c3": (1, 2, 16, 16), "c4": (1, 4, 8, 8), "c5": (1, 6, 4, 4)}
    feats = OrderedDict(
        (k, ember.tensor(fixed_input(s) * (i + 1))) for i, (k, s) in enumerate(shapes.items())
    )
    with ember.no_grad():
        out = m(feats)
    assert list(out.keys()) == G[f"fpn/{name}_names"].tolist()
    for k, v in out.items():
        close(v, f"fpn/{name}_out_{k}", atol=1e-4)


def test_fpn_loads_version1_keys_and_rejects_bad_extra_block():
    m = ops.FeaturePyramidNetwork([2], 3)
    sd = {k.replace(".0.", "."): v for k, v in m.state_dict().items()}
    sd["inner_blocks.0.weight"] = ember.ones(3, 2, 1, 1)
    m.load_state_dict(sd)
    assert float(m.inner_blocks[0][0].weight.sum()) == 6.0
    with pytest.raises(TypeError, match="extra_blocks should be of type ExtraFPNBlock"):
        ops.FeaturePyramidNetwork([2], 3, extra_blocks=ember.nn.ReLU())


ROTATED = ("xywhr", "cxcywhr", "xyxyxyxy")


@pytest.mark.parametrize("a", ROTATED)
@pytest.mark.parametrize("b", ROTATED)
def test_box_convert_rotated_formats_match_torchvision(a, b):
    if a == b:
        assert ops.box_convert(T("boxes/rot"), a, b).tolist() == T("boxes/rot").tolist()
        return
    src = T("boxes/rot") if a != "xyxyxyxy" else ops.box_convert(T("boxes/rot"), "xywhr", a)
    close(ops.box_convert(src, a, b), f"boxes/rot_{a}_{b}", atol=1e-4)


def test_box_convert_rotated_integer_boxes_round_back_to_int():
    out = ops.box_convert(T("boxes/rot_int"), "cxcywhr", "xywhr")
    assert out.dtype == ember.int64
    close(out, "boxes/rot_int_cxcywhr_xywhr", atol=0)
    with pytest.raises(NotImplementedError, match="in_fmt xyxy and out_fmt xywhr"):
        ops.box_convert(ember.zeros(2, 4), "xyxy", "xywhr")
    with pytest.raises(ValueError, match=r"xywhr boxes must have shape \[\.\.\., 5\]"):
        ops.box_convert(ember.zeros(2, 4), "xywhr", "cxcywhr")


LOSSES = {
    "giou_loss": ops.generalized_box_iou_loss,
    "diou_loss": ops.distance_box_iou_loss,
    "ciou_loss": ops.complete_box_iou_loss,
}


@pytest.mark.parametrize("name", list(LOSSES))
def test_box_iou_losses_and_grads_match_torchvision(name):
    fn = LOSSES[name]
    for reduction in ("none", "mean", "sum"):
        close(fn(T("boxes/b1"), T("boxes/b3"), reduction=reduction), f"boxes/{name}_{reduction}")
    b1 = T("boxes/b1", requires_grad=True)
    fn(b1, T("boxes/b3"), reduction="sum").backward()
    close(b1.grad, f"boxes/{name}_grad")
    with pytest.raises(ValueError, match="boxes1 and boxes2 must both have shape"):
        fn(ember.zeros(2, 4), ember.zeros(3, 4))
    with pytest.raises(ValueError, match="Invalid Value for arg 'reduction'"):
        fn(ember.zeros(2, 4), ember.zeros(2, 4), reduction="max")


def test_roi_pool_ties_route_gradient_to_first_maximum_and_empty_bins_are_zero():
    x = T("roi/tie_x", requires_grad=True)
    y = ops.roi_pool(x, T("roi/tie_rois"), (2, 3))
    close(y, "roi/tie_pool", atol=0)
    y.backward(ember.ones_like(y) + ember.arange(y.numel()).reshape(y.shape).float())
    close(x.grad, "roi/tie_pool_gx", atol=0)


def test_multiscale_roi_align_matches_torchvision():
    feats = {k: T(f"pooler/{k}", requires_grad=True) for k in ("f0", "f1", "skip", "f2")}
    m = ops.MultiScaleRoIAlign(["f0", "f1", "f2"], (3, 2), 2, canonical_scale=64)
    boxes = [T("pooler/boxes0"), T("pooler/boxes1")]
    y = m(feats, boxes, [(128, 160), (120, 150)])
    close(y, "pooler/out")
    assert m.scales == G["pooler/scales"].tolist()
    y.backward(ember.ones_like(y))
    for k in ("f0", "f1", "f2"):
        close(feats[k].grad, f"pooler/grad_{k}")
    assert feats["skip"].grad is None
