"""embervision.utils against torchvision 0.29.1 golden outputs (golden/ops.npz), plus real
files for save_image and clear errors."""

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import ember
from embervision import utils

G = np.load(Path(__file__).resolve().parent / "golden" / "ops.npz")


def T(key):
    return ember.tensor(G[key])


def same(actual, key, atol=0.0):
    a = actual.detach().numpy()
    assert a.shape == G[key].shape and a.dtype == G[key].dtype
    np.testing.assert_allclose(a.astype(np.float64), G[key].astype(np.float64), atol=atol)


GRID_CASES = {
    "default": {},
    "nrow2": {"nrow": 2, "padding": 1, "pad_value": 0.5},
    "normalize": {"normalize": True},
    "range": {"normalize": True, "value_range": (0.0, 1.0)},
    "scale_each": {"normalize": True, "scale_each": True},
}


@pytest.mark.parametrize("name", list(GRID_CASES))
def test_make_grid_matches_torchvision(name):
    same(utils.make_grid(T("grid/imgs"), **GRID_CASES[name]), f"grid/{name}", atol=1e-6)


def test_make_grid_gray_single_and_list_inputs():
    imgs = T("grid/imgs")
    same(utils.make_grid(imgs[:3, :1], nrow=3), "grid/gray")
    same(utils.make_grid(imgs[0]), "grid/single")
    same(utils.make_grid(list(imgs.unbind(0))), "grid/default")


def test_make_grid_is_differentiable_and_rejects_bad_input():
    x = ember.rand(3, 3, 2, 2, requires_grad=True)
    utils.make_grid(x, nrow=2).sum().backward()
    assert x.grad.shape == x.shape and float(x.grad.min()) == 1.0
    with pytest.raises(TypeError, match="tensor or list of tensors expected"):
        utils.make_grid([ember.zeros(3, 2, 2), "x"])
    with pytest.raises(TypeError, match="value_range has to be a tuple"):
        utils.make_grid(ember.zeros(2, 3, 2, 2), normalize=True, value_range=[0, 1])


def test_save_image_matches_torchvision_pixels_and_writes_atomically(tmp_path):
    path = tmp_path / "grid.png"
    utils.save_image(T("grid/imgs"), path, nrow=3)
    ours = np.asarray(Image.open(path))
    theirs = np.asarray(Image.open(io.BytesIO(G["grid/saved_png"].tobytes())))
    np.testing.assert_array_equal(ours, theirs)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grid.png"]  # no temp left behind
    buf = io.BytesIO()
    utils.save_image(T("grid/imgs")[0], buf, format="jpeg")
    assert buf.getvalue()[:2] == b"\xff\xd8"
    with pytest.raises(ValueError, match="unknown file extension"):
        utils.save_image(T("grid/imgs"), tmp_path / "grid.nope")
    assert not (tmp_path / "grid.nope").exists()


def test_draw_bounding_boxes_matches_torchvision():
    image, boxes = T("draw/image"), T("draw/boxes")
    same(utils.draw_bounding_boxes(image, boxes), "draw/boxes_default")
    styled = utils.draw_bounding_boxes(
        image,
        boxes,
        labels=["a", "bb", "c"],
        colors=["red", (0, 255, 0), "#0000ff"],
        fill=True,
        width=2,
    )
    same(styled, "draw/boxes_styled")
    same(utils.draw_bounding_boxes(image[:1], boxes, colors="yellow"), "draw/boxes_gray")
    fimage = image.float() / 255
    same(utils.draw_bounding_boxes(fimage, boxes[:1], colors="white"), "draw/boxes_float")


def test_draw_rotated_bounding_boxes_matches_torchvision():
    out = utils.draw_bounding_boxes(T("draw/image"), T("draw/corners"), fill=True, width=1)
    same(out, "draw/boxes_rotated")


def test_draw_bounding_boxes_errors_and_empty_warning():
    image = ember.zeros(3, 5, 5, dtype=ember.uint8)
    with pytest.raises(ValueError, match=r"\(xmin, ymin, xmax, ymax\) format"):
        utils.draw_bounding_boxes(image, ember.tensor([[3.0, 0, 1, 2]]))
    with pytest.raises(ValueError, match="Pass individual images, not batches"):
        utils.draw_bounding_boxes(image[None], ember.zeros(1, 4))
    with pytest.raises(ValueError, match=r"Number of boxes \(1\) and labels \(2\) mismatch"):
        utils.draw_bounding_boxes(image, ember.tensor([[0.0, 0, 1, 1]]), labels=["a", "b"])
    with pytest.raises(ValueError, match="Number of colors must be equal or larger"):
        utils.draw_bounding_boxes(image, ember.zeros(2, 4), colors=["red"])
    with pytest.warns(UserWarning, match="No box was drawn"):
        out = utils.draw_bounding_boxes(image, ember.zeros(0, 4))
    assert out is image


def test_draw_segmentation_masks_matches_torchvision():
    image, masks = T("draw/image"), T("draw/masks")
    same(utils.draw_segmentation_masks(image, masks), "draw/masks_default")
    styled = utils.draw_segmentation_masks(image, masks, alpha=0.5, colors=["blue", (9, 99, 199)])
    same(styled, "draw/masks_styled")
    fimage = image.float() / 255
    same(utils.draw_segmentation_masks(fimage, masks[0], colors="red"), "draw/masks_float", 1e-6)


def test_draw_segmentation_masks_errors():
    image = ember.zeros(3, 4, 4, dtype=ember.uint8)
    with pytest.raises(ValueError, match="The masks must be of dtype bool"):
        utils.draw_segmentation_masks(image, ember.zeros(4, 4))
    with pytest.raises(ValueError, match="same height and width"):
        utils.draw_segmentation_masks(image, ember.zeros(1, 3, 4, dtype=ember.bool))
    with pytest.raises(ValueError, match="Pass an RGB image"):
        utils.draw_segmentation_masks(image[:1], ember.zeros(4, 4, dtype=ember.bool))


def test_draw_keypoints_matches_torchvision():
    image, kpts = T("draw/image"), T("draw/kpts")
    out = utils.draw_keypoints(
        image, kpts, connectivity=[(0, 1), (1, 2)], colors="cyan", visibility=T("draw/kpts_vis")
    )
    same(out, "draw/keypoints")
    fimage = image.float() / 255
    same(utils.draw_keypoints(fimage, kpts, radius=1, width=1), "draw/keypoints_float", 1e-6)
    with pytest.raises(ValueError, match=r"keypoints must be of shape \(num_instances, K, 2\)"):
        utils.draw_keypoints(image, kpts[0])
    with pytest.raises(ValueError, match="keypoints and visibility must have the same"):
        utils.draw_keypoints(image, kpts, visibility=ember.ones(2, 2, dtype=ember.bool))


def test_flow_to_image_matches_torchvision():
    flow = T("flow/flow")
    same(utils.flow_to_image(flow), "flow/image")
    # A (2, H, W) flow is one image of a batch of one.
    single = utils.flow_to_image(flow[1])
    np.testing.assert_array_equal(single.numpy(), utils.flow_to_image(flow[1:2])[0].numpy())
    with pytest.raises(ValueError, match="Input flow should have shape"):
        utils.flow_to_image(ember.zeros(3, 4, 4))
