"""SummaryWriter: write with Ember, read back with TensorBoard's own event reader."""

import glob
import io
import os
import re
import socket

import numpy
import pytest

import ember

pytest.importorskip("tensorboardX", reason="SummaryWriter needs tensorboardX")
event_accumulator = pytest.importorskip(
    "tensorboard.backend.event_processing.event_accumulator",
    reason="the tests read event files with tensorboard's EventAccumulator",
)

from ember.utils.tensorboard import SummaryWriter  # noqa: E402


def read(logdir):
    """Everything TensorBoard sees in one run directory."""
    accumulator = event_accumulator.EventAccumulator(str(logdir), size_guidance={"*": 0})
    accumulator.Reload()
    return accumulator


def test_default_log_dir_is_runs_time_hostname_comment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    writer = SummaryWriter(comment="_lr0.1")
    writer.close()
    logdir = writer.get_logdir()
    pattern = r"runs[/\\][A-Z][a-z]{2}\d{2}_\d{2}-\d{2}-\d{2}_" + re.escape(socket.gethostname())
    assert re.fullmatch(pattern + "_lr0.1", logdir)
    assert os.path.isdir(tmp_path / logdir)


def test_log_dir_filename_suffix_and_get_logdir(tmp_path):
    with SummaryWriter(log_dir=tmp_path, filename_suffix=".ember") as writer:
        assert writer.get_logdir() == tmp_path
    (event_file,) = glob.glob(str(tmp_path / "events.out.tfevents.*"))
    assert event_file.endswith(".ember")


def test_add_scalar_values_and_steps(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_scalar("loss", ember.tensor(0.5), 0)
        writer.add_scalar("loss", numpy.float32(0.25), 1)
        writer.add_scalar("loss", ember.tensor([0.125], requires_grad=True) * 1, 2)
        writer.add_scalar("loss", 1, 3, walltime=123.0)
    events = read(tmp_path).Scalars("loss")
    assert [e.step for e in events] == [0, 1, 2, 3]
    assert [e.value for e in events] == [0.5, 0.25, 0.125, 1.0]
    assert events[3].wall_time == 123.0


def test_add_scalar_keeps_tag_as_given(tmp_path):
    # tensorboardX's own writer would rewrite this tag to "loss__train_"; torch does not.
    with SummaryWriter(tmp_path) as writer:
        writer.add_scalar("loss (train)", 1.0, 0)
    assert read(tmp_path).Tags()["scalars"] == ["loss (train)"]


@pytest.mark.parametrize("double_precision", [False, True])
def test_add_scalar_new_style_is_a_scalars_plugin_tensor(tmp_path, double_precision):
    from tensorboard.util import tensor_util

    with SummaryWriter(tmp_path) as writer:
        writer.add_scalar("acc", 0.1, 7, new_style=True, double_precision=double_precision)
    accumulator = read(tmp_path)
    (event,) = accumulator.Tensors("acc")
    array = tensor_util.make_ndarray(event.tensor_proto)
    assert event.step == 7
    assert array.dtype == (numpy.float64 if double_precision else numpy.float32)
    assert float(array) == pytest.approx(0.1, rel=1e-7)
    assert accumulator.SummaryMetadata("acc").plugin_data.plugin_name == "scalars"


def test_add_scalar_rejects_many_values_and_other_types(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(ValueError, match=r"add_scalar: expected a single value.*\(3,\)"):
            writer.add_scalar("x", ember.ones(3))
        with pytest.raises(TypeError, match="add_scalar: expected an ember.Tensor"):
            writer.add_scalar("x", "high")


def test_add_scalars_writes_one_run_per_tag_like_torch(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        for step in range(3):
            writer.add_scalars("a/loss", {"train": ember.tensor(step), "val": step * 2.0}, step)
    # torch's layout: <log_dir>/<main_tag with / -> _>_<tag>, each logged under main_tag
    runs = sorted(p.name for p in tmp_path.iterdir() if p.is_dir())
    assert runs == ["a_loss_train", "a_loss_val"]
    train = read(tmp_path / "a_loss_train").Scalars("a/loss")
    val = read(tmp_path / "a_loss_val").Scalars("a/loss")
    assert [(e.step, e.value) for e in train] == [(0, 0.0), (1, 1.0), (2, 2.0)]
    assert [(e.step, e.value) for e in val] == [(0, 0.0), (1, 2.0), (2, 4.0)]


def test_add_histogram_count_min_max_sum(tmp_path):
    values = ember.randn(10, 20, requires_grad=True)
    data = values.detach().numpy().astype(numpy.float64)
    with SummaryWriter(tmp_path) as writer:
        writer.add_histogram("w", values, 3)
        writer.add_histogram("w_auto", data, 3, bins="auto", max_bins=5)
    for tag in ("w", "w_auto"):
        (event,) = read(tmp_path).Histograms(tag)
        histogram = event.histogram_value
        assert event.step == 3
        assert histogram.num == 200
        assert sum(histogram.bucket) == 200
        assert histogram.min == pytest.approx(data.min())
        assert histogram.max == pytest.approx(data.max())
        assert histogram.sum == pytest.approx(data.sum())
        assert histogram.sum_squares == pytest.approx((data**2).sum())
    (event,) = read(tmp_path).Histograms("w_auto")
    assert len(event.histogram_value.bucket) <= 6  # max_bins + torch's empty left bin


def test_add_histogram_errors(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(ValueError, match="add_histogram: 'w' has no values"):
            writer.add_histogram("w", ember.zeros(0))
        with pytest.raises(ValueError, match="add_histogram: cannot bin 'w'"):
            writer.add_histogram("w", numpy.array([1.0, numpy.nan]), bins="auto")


def decode(image_event):
    from PIL import Image

    return numpy.asarray(Image.open(io.BytesIO(image_event.encoded_image_string)))


@pytest.mark.parametrize(
    "shape, dataformats",
    [((3, 4, 5), "CHW"), ((4, 5, 3), "HWC"), ((4, 5), "HW"), ((1, 4, 5), "CHW")],
)
def test_add_image_layouts_decode_to_the_same_png(tmp_path, shape, dataformats):
    pytest.importorskip("PIL", reason="images are encoded with pillow")
    rgb = numpy.random.rand(4, 5, 3).astype(numpy.float32)
    image = {"CHW": rgb.transpose(2, 0, 1), "HWC": rgb, "HW": rgb[..., 0]}[dataformats]
    image = image[:1] if shape[0] == 1 else image
    with SummaryWriter(tmp_path) as writer:
        writer.add_image("img", ember.tensor(image), 2, dataformats=dataformats)
    (event,) = read(tmp_path).Images("img")
    assert (event.step, event.width, event.height) == (2, 5, 4)
    pixels = decode(event)
    expected = (rgb * 255).astype(numpy.uint8)
    if image.ndim == 2 or shape[0] == 1:
        expected = numpy.repeat(expected[..., :1], 3, axis=2)  # grey is written as RGB
    numpy.testing.assert_array_equal(pixels, expected)


def test_add_image_uint8_as_is_and_float_clipped(tmp_path):
    pytest.importorskip("PIL", reason="images are encoded with pillow")
    as_uint8 = numpy.arange(60, dtype=numpy.uint8).reshape(3, 4, 5) * 4
    out_of_range = numpy.full((3, 2, 2), 1.5, dtype=numpy.float32)
    out_of_range[0] = -0.5
    with SummaryWriter(tmp_path) as writer:
        writer.add_image("uint8", ember.tensor(as_uint8), 0)
        writer.add_image("clipped", out_of_range, 0)
    accumulator = read(tmp_path)
    numpy.testing.assert_array_equal(
        decode(accumulator.Images("uint8")[0]), as_uint8.transpose(1, 2, 0)
    )
    clipped = decode(accumulator.Images("clipped")[0])
    assert (clipped[..., 0] == 0).all() and (clipped[..., 1:] == 255).all()


@pytest.mark.parametrize("dataformats", ["NCHW", "NHWC"])
def test_add_images_makes_a_grid_of_eight_per_row(tmp_path, dataformats):
    pytest.importorskip("PIL", reason="images are encoded with pillow")
    batch = numpy.random.rand(10, 3, 4, 5).astype(numpy.float32)
    data = batch if dataformats == "NCHW" else batch.transpose(0, 2, 3, 1)
    with SummaryWriter(tmp_path) as writer:
        writer.add_images("batch", ember.tensor(data), 1, dataformats=dataformats)
    (event,) = read(tmp_path).Images("batch")
    assert (event.width, event.height) == (8 * 5, 2 * 4)
    pixels = decode(event)
    expected = (batch * 255).astype(numpy.uint8).transpose(0, 2, 3, 1)
    numpy.testing.assert_array_equal(pixels[4:8, 5:10], expected[9])  # second row, column 2
    numpy.testing.assert_array_equal(pixels[0:4, 35:40], expected[7])
    assert (pixels[4:8, 10:] == 0).all()  # the empty cells stay black


def test_add_image_errors(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(ValueError, match=r"add_image: dataformats 'CHW' needs a 3-d image"):
            writer.add_image("img", ember.rand(4, 5))
        with pytest.raises(ValueError, match="add_image: dataformats must order"):
            writer.add_image("img", ember.rand(4, 5), dataformats="HH")
        with pytest.raises(ValueError, match="add_image: images need 1, 3 or 4 channels, got 2"):
            writer.add_image("img", ember.rand(2, 4, 5))
        with pytest.raises(ValueError, match="add_images: got an empty image"):
            writer.add_images("img", ember.rand(0, 3, 4, 5))


def test_add_text(tmp_path):
    from tensorboard.util import tensor_util

    with SummaryWriter(tmp_path) as writer:
        writer.add_text("notes", "lr **0.1**", 4)
        with pytest.raises(TypeError, match="add_text: text_string must be a str"):
            writer.add_text("notes", 3)
    accumulator = read(tmp_path)
    (event,) = accumulator.Tensors("notes/text_summary")
    assert event.step == 4
    assert tensor_util.make_ndarray(event.tensor_proto).tolist() == [b"lr **0.1**"]
    assert accumulator.SummaryMetadata("notes/text_summary").plugin_data.plugin_name == "text"


def test_add_hparams_writes_plugin_data_and_metrics(tmp_path):
    from tensorboard.plugins.hparams import plugin_data_pb2

    hparams = {"lr": ember.tensor(0.1), "layers": 3, "optim": "sgd", "nesterov": True, "x": None}
    with SummaryWriter(tmp_path) as writer:
        writer.add_hparams(
            hparams,
            {"hparam/accuracy": ember.tensor(0.75)},
            hparam_domain_discrete={"optim": ["sgd", "adam"]},
            run_name="trial0",
        )
    accumulator = read(tmp_path / "trial0")
    content = accumulator.PluginTagToContent("hparams")
    experiment = plugin_data_pb2.HParamsPluginData.FromString(
        content["_hparams_/experiment"]
    ).experiment
    infos = {info.name: info for info in experiment.hparam_infos}
    assert sorted(infos) == ["layers", "lr", "nesterov", "optim"]
    assert [v.string_value for v in infos["optim"].domain_discrete.values] == ["sgd", "adam"]
    assert [m.name.tag for m in experiment.metric_infos] == ["hparam/accuracy"]
    start = plugin_data_pb2.HParamsPluginData.FromString(
        content["_hparams_/session_start_info"]
    ).session_start_info
    assert start.hparams["lr"].number_value == pytest.approx(0.1)
    assert start.hparams["layers"].number_value == 3
    assert start.hparams["optim"].string_value == "sgd"
    assert start.hparams["nesterov"].bool_value is True
    assert "_hparams_/session_end_info" in content
    assert [e.value for e in accumulator.Scalars("hparam/accuracy")] == [0.75]


def test_add_hparams_errors(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(TypeError, match="add_hparams: hparam_dict and metric_dict"):
            writer.add_hparams([("lr", 0.1)], {})
        with pytest.raises(TypeError, match=r"hparam_domain_discrete\['lr'\]"):
            writer.add_hparams({"lr": 0.1}, {}, hparam_domain_discrete={"lr": ["a"]})
        with pytest.raises(ValueError, match=r"hparam_dict\['sizes'\] should be an int"):
            writer.add_hparams({"sizes": [1, 2]}, {})


def test_add_figure(tmp_path):
    pytest.importorskip("PIL", reason="images are encoded with pillow")
    plt = pytest.importorskip("matplotlib.pyplot", reason="add_figure needs matplotlib")
    figure = plt.figure(figsize=(2, 1), dpi=20)
    with SummaryWriter(tmp_path) as writer:
        writer.add_figure("fig", figure, 0)
    (event,) = read(tmp_path).Images("fig")
    assert (event.width, event.height) == (40, 20)


def test_add_graph_is_not_supported(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(NotImplementedError, match="add_graph: Ember has no graph tracer"):
            writer.add_graph(ember.nn.Linear(2, 2), ember.randn(1, 2))


def test_flush_writes_without_closing_and_close_twice_is_fine(tmp_path):
    writer = SummaryWriter(tmp_path, flush_secs=10_000)
    writer.add_scalar("loss", 0.5, 0)
    writer.flush()
    assert [e.value for e in read(tmp_path).Scalars("loss")] == [0.5]
    writer.close()
    writer.close()
    writer.add_scalar("loss", 0.25, 1)  # reopens a new event file, as torch does
    writer.close()
    assert [e.value for e in read(tmp_path).Scalars("loss")] == [0.5, 0.25]


def test_purge_step_hides_later_events_of_a_crashed_run(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        for step in range(5):
            writer.add_scalar("loss", float(step), step)
    with SummaryWriter(tmp_path, purge_step=2) as writer:
        writer.add_scalar("loss", 20.0, 2)
    events = read(tmp_path).Scalars("loss")
    assert [(e.step, e.value) for e in events] == [(0, 0.0), (1, 1.0), (2, 20.0)]


def test_missing_tensorboardx_gives_install_hint(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    with pytest.raises(ImportError, match=r"pip install 'ember\[tensorboard\]'"):
        SummaryWriter(tmp_path)
