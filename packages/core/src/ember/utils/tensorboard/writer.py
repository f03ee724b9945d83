"""``SummaryWriter``: torch.utils.tensorboard's writer on top of tensorboardX.

tensorboardX owns the event-file format (its ``FileWriter`` with the async queue, the
protobufs, histogram buckets and PNG encoding). This module supplies torch's behaviour on
top: its log-dir layout (``add_scalars`` sub-runs, ``add_hparams`` runs), its tag handling
(tags are written as given; tensorboardX's own writer rewrites some), ``new_style`` scalars,
``hparam_domain_discrete``, and clipping of float images, and it turns Ember tensors into
numpy arrays first (detached, copied to the host).
"""

from __future__ import annotations

import itertools
import os
import time
from typing import Any

import numpy

from ember._tensor import Tensor

__all__ = ["SummaryWriter"]

_MISSING = "SummaryWriter needs tensorboardX: pip install 'ember[tensorboard]'"
# Note [unique event file names]: tensorboardX names an event file only by the second and
# the host, so a second writer in the same directory within the same second (a reopen after
# close(), a restart with purge_step) truncates the first file. torch's names also carry the
# pid and a per-process counter; we add those through the suffix, giving torch's exact name
# events.out.tfevents.<time>.<host>.<pid>.<n><filename_suffix>.
_file_ids = itertools.count()


def _tbx():
    """The tensorboardX pieces this module uses, imported on first use."""
    try:
        import tensorboardX
        from tensorboardX import summary
        from tensorboardX.proto import event_pb2
    except ImportError as error:
        raise ImportError(_MISSING) from error
    return tensorboardX, summary, event_pb2


def _flush_file_writer(file_writer) -> None:
    # Note [flush drains the queue]: tensorboardX's flush() flushes the file but leaves
    # events still queued for its writer thread unwritten, while torch's flush writes them
    # all. Stopping the thread makes it write everything queued before the stop signal; a
    # new thread then takes over the same queue and file, as tensorboardX's reopen() does.
    events = getattr(file_writer, "event_writer", None)
    worker = getattr(events, "_worker", None)
    if worker is not None and worker.is_alive() and hasattr(worker, "stop"):
        worker.stop()
        events._worker = type(worker)(events._event_queue, events._ev_writer, events._flush_secs)
        events._worker.start()
    file_writer.flush()


def _default_bins() -> list[float]:
    # TensorBoard's own exponential buckets (generate_testdata.py), as torch builds them.
    v, buckets = 1e-12, []
    while v < 1e20:
        buckets.append(v)
        v *= 1.1
    return [-b for b in reversed(buckets)] + [0] + buckets


def _to_numpy(op: str, value: Any) -> numpy.ndarray:
    """Ember tensor (detached, on the host), array or Python number -> numpy array."""
    if isinstance(value, Tensor):
        return value.detach().cpu().numpy()
    if isinstance(value, numpy.ndarray):
        return value
    if hasattr(value, "__cuda_array_interface__") and hasattr(value, "get"):
        return value.get()  # a cupy array
    if isinstance(value, (bool, int, float, numpy.generic, list, tuple)):
        return numpy.asarray(value)
    raise TypeError(
        f"{op}: expected an ember.Tensor, a numpy array or a Python number, "
        f"got {type(value).__name__}"
    )


def _to_float(op: str, value: Any) -> float:
    array = _to_numpy(op, value)
    if array.size != 1:
        raise ValueError(f"{op}: expected a single value, got shape {tuple(array.shape)}")
    if array.dtype.kind == "c":
        raise TypeError(f"{op}: expected a real value, got {array.dtype}")
    return float(array.reshape(-1)[0])


def _grid(images: numpy.ndarray, ncols: int = 8) -> numpy.ndarray:
    """(N, C, H, W) -> one (C, rows*H, cols*W) image, row-major, 8 per row as torch."""
    n, c, h, w = images.shape
    ncols = min(n, ncols)
    nrows = -(-n // ncols)
    padded = numpy.zeros((nrows * ncols, c, h, w), dtype=images.dtype)
    padded[:n] = images
    grid = padded.reshape(nrows, ncols, c, h, w).transpose(2, 0, 3, 1, 4)
    return grid.reshape(c, nrows * h, ncols * w)


def _to_hwc_uint8(op: str, value: Any, dataformats: str) -> numpy.ndarray:
    """An image or batch in ``dataformats`` -> (H, W, 1|3|4) uint8, scaled as torch does."""
    image = _to_numpy(op, value)
    fmt = dataformats.upper()
    if len(set(fmt)) != len(fmt) or set(fmt) not in ({"H", "W"}, set("CHW"), set("NCHW")):
        raise ValueError(
            f"{op}: dataformats must order H, W and optionally C and N (e.g. 'CHW', 'HWC', "
            f"'HW', 'NCHW', 'NHWC'), got {dataformats!r}"
        )
    if image.ndim != len(fmt):
        raise ValueError(
            f"{op}: dataformats {dataformats!r} needs a {len(fmt)}-d image, got shape "
            f"{tuple(image.shape)}"
        )
    if image.size == 0:
        raise ValueError(f"{op}: got an empty image of shape {tuple(image.shape)}")
    if len(fmt) == 2:
        image = image.transpose([fmt.index(d) for d in "HW"])[None]
    elif len(fmt) == 3:
        image = image.transpose([fmt.index(d) for d in "CHW"])
    else:
        image = _grid(image.transpose([fmt.index(d) for d in "NCHW"]))
    if image.shape[0] not in (1, 3, 4):
        raise ValueError(f"{op}: images need 1, 3 or 4 channels, got {image.shape[0]}")
    if image.shape[0] == 1:
        image = numpy.concatenate([image] * 3)  # grey -> RGB, as torch writes it
    # torch's rule: uint8 is [0, 255] as is; anything else is [0, 1], scaled and clipped.
    if image.dtype != numpy.uint8:
        image = numpy.nan_to_num(image.astype(numpy.float32) * 255.0, nan=0.0)
        image = image.clip(0, 255).astype(numpy.uint8)
    return numpy.ascontiguousarray(image.transpose(1, 2, 0))


def _hparam_value(key: str, value: Any) -> tuple[str, Any]:
    """The hparams-plugin kind (number, string, bool) and value of one hyperparameter."""
    if isinstance(value, bool):
        return "bool", value
    if isinstance(value, str):
        return "string", value
    if isinstance(value, (int, float, numpy.number, Tensor, numpy.ndarray)):
        return "number", _to_float(f"add_hparams: hparam_dict[{key!r}]", value)
    raise ValueError(
        f"add_hparams: hparam_dict[{key!r}] should be an int, float, str, bool or "
        f"ember.Tensor, got {type(value).__name__}"
    )


def _hparams_summaries(hparam_dict: dict, metric_dict: dict, domain_discrete: dict | None):
    """The experiment, session-start and session-end summaries of the hparams plugin."""
    from google.protobuf import struct_pb2
    from tensorboardX.proto.api_pb2 import (
        DataType,
        Experiment,
        HParamInfo,
        MetricInfo,
        MetricName,
        Status,
    )
    from tensorboardX.proto.plugin_hparams_pb2 import (
        HParamsPluginData,
        SessionEndInfo,
        SessionStartInfo,
    )
    from tensorboardX.proto.summary_pb2 import Summary, SummaryMetadata

    domain_discrete = domain_discrete or {}
    if not isinstance(domain_discrete, dict):
        raise TypeError(
            "add_hparams: hparam_domain_discrete should be a dict of lists, got "
            f"{type(domain_discrete).__name__}"
        )
    for key, values in domain_discrete.items():
        if (
            key not in hparam_dict
            or not isinstance(values, list)
            or not all(isinstance(v, type(hparam_dict[key])) for v in values)
        ):
            raise TypeError(
                f"add_hparams: hparam_domain_discrete[{key!r}] should be a list of values of "
                f"the same type as hparam_dict[{key!r}]"
            )
    types = {"number": "DATA_TYPE_FLOAT64", "string": "DATA_TYPE_STRING", "bool": "DATA_TYPE_BOOL"}
    infos, start = [], SessionStartInfo()
    for key, value in hparam_dict.items():
        if value is None:
            continue
        kind, value = _hparam_value(key, value)
        setattr(start.hparams[key], f"{kind}_value", value)
        domain = None
        if key in domain_discrete:
            domain = struct_pb2.ListValue(
                values=[struct_pb2.Value(**{f"{kind}_value": d}) for d in domain_discrete[key]]
            )
        infos.append(HParamInfo(name=key, type=DataType.Value(types[kind]), domain_discrete=domain))

    def summary(tag, **content):
        data = HParamsPluginData(version=0, **content).SerializeToString()
        plugin = SummaryMetadata.PluginData(plugin_name="hparams", content=data)
        return Summary(value=[Summary.Value(tag=tag, metadata=SummaryMetadata(plugin_data=plugin))])

    metrics = [MetricInfo(name=MetricName(tag=key)) for key in metric_dict]
    return (
        summary(
            "_hparams_/experiment", experiment=Experiment(hparam_infos=infos, metric_infos=metrics)
        ),
        summary("_hparams_/session_start_info", session_start_info=start),
        summary(
            "_hparams_/session_end_info",
            session_end_info=SessionEndInfo(status=Status.Value("STATUS_SUCCESS")),
        ),
    )


class SummaryWriter:
    """Writes TensorBoard event files into ``log_dir``, as ``torch.utils.tensorboard``.

    ``log_dir`` defaults to ``runs/<Mon DD_HH-MM-SS>_<hostname><comment>``; ``purge_step``
    hides events at or after that step from an earlier crashed run in the same directory;
    events are queued (``max_queue``) and flushed every ``flush_secs`` seconds, at
    :meth:`flush` and at :meth:`close`. Values may be Ember tensors (detached and copied to
    the host), numpy arrays or Python numbers. Needs ``tensorboardX`` (``pip install
    'ember[tensorboard]'``), and ``pillow`` for images.

    >>> import tempfile
    >>> from ember.utils.tensorboard import SummaryWriter
    >>> with tempfile.TemporaryDirectory() as logdir, SummaryWriter(logdir) as writer:
    ...     writer.add_scalar("loss", ember.tensor(0.25), global_step=1)
    ...     writer.get_logdir() == logdir
    True
    """

    def __init__(
        self,
        log_dir: str | os.PathLike | None = None,
        comment: str = "",
        purge_step: int | None = None,
        max_queue: int = 10,
        flush_secs: int = 120,
        filename_suffix: str = "",
    ) -> None:
        _tbx()  # fail here, with the install hint, when tensorboardX is missing
        if not log_dir:
            import socket
            from datetime import datetime

            current_time = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", current_time + "_" + socket.gethostname() + comment)
        self.log_dir = log_dir
        self.purge_step = purge_step
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        # Created now, dropped by close() and created again by the next add_* (as torch).
        self.file_writer = self.all_writers = None
        self._get_file_writer()
        self.default_bins = _default_bins()

    def _new_file_writer(self, logdir: str):
        tensorboardX, _, _ = _tbx()
        # See Note [unique event file names].
        suffix = f".{os.getpid()}.{next(_file_ids)}{self.filename_suffix}"
        return tensorboardX.FileWriter(logdir, self.max_queue, self.flush_secs, suffix)

    def _get_file_writer(self):
        if self.all_writers is None or self.file_writer is None:
            self.file_writer = self._new_file_writer(str(self.log_dir))
            self.all_writers = {self.file_writer.get_logdir(): self.file_writer}
            if self.purge_step is not None:
                _, _, event_pb2 = _tbx()
                step = self.purge_step
                self.file_writer.add_event(event_pb2.Event(step=step, file_version="brain.Event:2"))
                start = event_pb2.SessionLog(status=event_pb2.SessionLog.START)
                self.file_writer.add_event(event_pb2.Event(step=step, session_log=start))
                self.purge_step = None
        return self.file_writer

    def get_logdir(self) -> str | os.PathLike:
        """The directory the event files go to, as given or made by the constructor.

        >>> import tempfile
        >>> from ember.utils.tensorboard import SummaryWriter
        >>> with tempfile.TemporaryDirectory() as logdir, SummaryWriter(logdir) as writer:
        ...     writer.get_logdir() == logdir
        True
        """
        return self.log_dir

    def add_scalar(
        self,
        tag: str,
        scalar_value: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        new_style: bool = False,
        double_precision: bool = False,
    ) -> None:
        """Log one number (a Python number or a one-element tensor/array) under ``tag``.

        ``new_style=True`` stores it as a tensor in the scalars plugin (faster to load), in
        double precision with ``double_precision=True``; ``walltime`` overrides the time.

        >>> import tempfile
        >>> from ember.utils.tensorboard import SummaryWriter
        >>> with tempfile.TemporaryDirectory() as logdir, SummaryWriter(logdir) as writer:
        ...     for step in range(3):
        ...         writer.add_scalar("loss", 1.0 / (step + 1), step)
        """
        _, summary, _ = _tbx()
        value = _to_float("add_scalar", scalar_value)
        if new_style:
            if double_precision:
                proto = summary.TensorProto(double_val=[value], dtype="DT_DOUBLE")
            else:
                proto = summary.TensorProto(float_val=[value], dtype="DT_FLOAT")
            plugin = summary.SummaryMetadata.PluginData(plugin_name="scalars")
            metadata = summary.SummaryMetadata(plugin_data=plugin)
            entry = summary.Summary.Value(tag=tag, tensor=proto, metadata=metadata)
        else:
            entry = summary.Summary.Value(tag=tag, simple_value=value)
        self._get_file_writer().add_summary(summary.Summary(value=[entry]), global_step, walltime)

    def add_scalars(
        self,
        main_tag: str,
        tag_scalar_dict: dict[str, Any],
        global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:
        """Log several numbers on one chart: each ``tag`` becomes a run in the sub-directory
        ``<log_dir>/<main_tag with / as _>_<tag>``, logged under ``main_tag``, as torch does.

        >>> import tempfile
        >>> from ember.utils.tensorboard import SummaryWriter
        >>> with tempfile.TemporaryDirectory() as logdir, SummaryWriter(logdir) as writer:
        ...     writer.add_scalars("loss", {"train": 0.5, "val": 0.7}, global_step=0)
        """
        _, summary, _ = _tbx()
        walltime = time.time() if walltime is None else walltime
        logdir = self._get_file_writer().get_logdir()
        for tag, scalar_value in tag_scalar_dict.items():
            value = _to_float(f"add_scalars: {tag!r}", scalar_value)
            run = logdir + "/" + main_tag.replace("/", "_") + "_" + tag
            if run not in self.all_writers:
                self.all_writers[run] = self._new_file_writer(run)
            entry = summary.Summary.Value(tag=main_tag, simple_value=value)
            self.all_writers[run].add_summary(summary.Summary(value=[entry]), global_step, walltime)

    def add_histogram(
        self,
        tag: str,
        values: Any,
        global_step: int | None = None,
        bins: str | Any = "tensorflow",
        walltime: float | None = None,
        max_bins: int | None = None,
    ) -> None:
        """Log the distribution of ``values`` (any shape, flattened) as a histogram.

        ``bins`` is ``'tensorflow'`` (TensorBoard's exponential buckets), any
        ``numpy.histogram`` bins rule (``'auto'``, ``'fd'``, ...), a bin count or edges;
        ``max_bins`` merges neighbouring bins down to at most that many.

        >>> import tempfile
        >>> from ember.utils.tensorboard import SummaryWriter
        >>> with tempfile.TemporaryDirectory() as logdir, SummaryWriter(logdir) as writer:
        ...     writer.add_histogram("weights", ember.randn(100), global_step=0)
        """
        _, summary, _ = _tbx()
        array = _to_numpy("add_histogram", values)
        if array.size == 0:
            raise ValueError(f"add_histogram: {tag!r} has no values to bin")
        if array.dtype.kind == "c":
            raise TypeError(f"add_histogram: expected real values, got {array.dtype}")
        if isinstance(bins, str) and bins == "tensorflow":
            bins = self.default_bins
        elif isinstance(bins, (Tensor, numpy.ndarray, list, tuple)):
            bins = _to_numpy("add_histogram", bins)
        try:
            histogram = summary.make_histogram(array.astype(numpy.float64), bins, max_bins)
        except ValueError as error:  # numpy's bins errors, e.g. non-finite values with 'auto'
            raise ValueError(f"add_histogram: cannot bin {tag!r}: {error}") from None
        entry = summary.Summary.Value(tag=tag, histo=histogram)
        self._get_file_writer().add_summary(summary.Summary(value=[entry]), global_step, walltime)

    def _add_image(self, op, tag, img_tensor, global_step, walltime, dataformats) -> None:
        _, summary, _ = _tbx()
        image = _to_hwc_uint8(op, img_tensor, dataformats)
        try:
            import PIL  # noqa: F401  (tensorboardX encodes the PNG with it)
        except ImportError as error:
            raise ImportError(f"{op} needs pillow to encode images: pip install pillow") from error
        entry = summary.Summary.Value(tag=tag, image=summary.make_image(image))
        self._get_file_writer().add_summary(summary.Summary(value=[entry]), global_step, walltime)

    def add_image(
        self,
        tag: str,
        img_tensor: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        dataformats: str = "CHW",
    ) -> None:
        """Log one image, laid out as ``dataformats`` (``'CHW'``, ``'HWC'``, ``'HW'``, ...),
        with 1 (grey), 3 (RGB) or 4 (RGBA) channels: uint8 in [0, 255], or any other dtype
        in [0, 1] (scaled by 255 and clipped). Stored as PNG; needs ``pillow``.

        >>> import tempfile
        >>> from ember.utils.tensorboard import SummaryWriter
        >>> with tempfile.TemporaryDirectory() as logdir, SummaryWriter(logdir) as writer:
        ...     writer.add_image("noise", ember.rand(3, 8, 8), global_step=0)
        """
        self._add_image("add_image", tag, img_tensor, global_step, walltime, dataformats)

    def add_images(
        self,
        tag: str,
        img_tensor: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        dataformats: str = "NCHW",
    ) -> None:
        """Log a batch of images (``'NCHW'`` or ``'NHWC'``) as one grid image, 8 per row,
        with the value rules of :meth:`add_image`.

        >>> import tempfile
        >>> from ember.utils.tensorboard import SummaryWriter
        >>> with tempfile.TemporaryDirectory() as logdir, SummaryWriter(logdir) as writer:
        ...     writer.add_images("batch", ember.rand(4, 8, 8, 1), 0, dataformats="NHWC")
        """
        self._add_image("add_images", tag, img_tensor, global_step, walltime, dataformats)

    def add_figure(
        self,
        tag: str,
        figure: Any,
        global_step: int | None = None,
        close: bool = True,
        walltime: float | None = None,
    ) -> None:
        """Render a matplotlib figure (or a list of them, as a grid) and log it as an image;
        ``close`` closes the figures afterwards. Needs ``matplotlib``.

        >>> import tempfile
        >>> from ember.utils.tensorboard import SummaryWriter
        >>> plt = __import__("pytest").importorskip("matplotlib.pyplot")
        >>> with tempfile.TemporaryDirectory() as logdir, SummaryWriter(logdir) as writer:
        ...     writer.add_figure("plot", plt.figure(figsize=(1, 1)), global_step=0)
        """
        try:
            import matplotlib.backends.backend_agg  # noqa: F401
            from tensorboardX.utils import figure_to_image
        except ImportError as error:
            raise ImportError("add_figure needs matplotlib: pip install matplotlib") from error
        fmt = "NCHW" if isinstance(figure, list) else "CHW"
        image = figure_to_image(figure, close)
        self._add_image("add_figure", tag, image, global_step, walltime, fmt)

    def add_text(
        self,
        tag: str,
        text_string: str,
        global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:
        """Log a string (rendered as Markdown by TensorBoard) under ``<tag>/text_summary``.

        >>> import tempfile
        >>> from ember.utils.tensorboard import SummaryWriter
        >>> with tempfile.TemporaryDirectory() as logdir, SummaryWriter(logdir) as writer:
        ...     writer.add_text("notes", "lr **0.1**", global_step=0)
        """
        _, summary, _ = _tbx()
        if not isinstance(text_string, str):
            raise TypeError(
                f"add_text: text_string must be a str, got {type(text_string).__name__}"
            )
        self._get_file_writer().add_summary(summary.text(tag, text_string), global_step, walltime)

    def add_hparams(
        self,
        hparam_dict: dict[str, Any],
        metric_dict: dict[str, Any],
        hparam_domain_discrete: dict[str, list] | None = None,
        run_name: str | None = None,
        global_step: int | None = None,
    ) -> None:
        """Log one trial's hyperparameters and metrics for TensorBoard's HPARAMS tab, in the
        run ``<log_dir>/<run_name>`` (default: the current time). Values are int, float,
        str, bool or one-element tensors; ``hparam_domain_discrete`` lists each named
        hyperparameter's possible values. Unlike torch, bools are logged as bools (torch
        logs them as 0/1).

        >>> import tempfile
        >>> from ember.utils.tensorboard import SummaryWriter
        >>> with tempfile.TemporaryDirectory() as logdir, SummaryWriter(logdir) as writer:
        ...     writer.add_hparams({"lr": 0.1, "optim": "sgd"}, {"hparam/accuracy": 0.9})
        """
        if type(hparam_dict) is not dict or type(metric_dict) is not dict:
            raise TypeError(
                "add_hparams: hparam_dict and metric_dict should be dicts, got "
                f"{type(hparam_dict).__name__} and {type(metric_dict).__name__}"
            )
        summaries = _hparams_summaries(hparam_dict, metric_dict, hparam_domain_discrete)
        if not run_name:
            run_name = str(time.time())
        logdir = os.path.join(self._get_file_writer().get_logdir(), run_name)
        with SummaryWriter(log_dir=logdir) as writer:
            for summary in summaries:
                writer.file_writer.add_summary(summary, global_step)
            for key, value in metric_dict.items():
                writer.add_scalar(key, value, global_step)

    def add_graph(
        self,
        model: Any,
        input_to_model: Any = None,
        verbose: bool = False,
        use_strict_trace: bool = True,
    ) -> None:
        """Not supported: torch traces the model with TorchScript, which Ember does not have.

        >>> import tempfile
        >>> from ember.utils.tensorboard import SummaryWriter
        >>> with tempfile.TemporaryDirectory() as logdir, SummaryWriter(logdir) as writer:
        ...     writer.add_graph(ember.nn.Linear(2, 2))
        Traceback (most recent call last):
        NotImplementedError: add_graph: ...
        """
        raise NotImplementedError(
            "add_graph: Ember has no graph tracer (torch uses TorchScript) to export a model "
            "graph; log scalars, histograms or text instead"
        )

    def flush(self) -> None:
        """Write every queued event of this writer (and its sub-runs) to disk now.

        >>> import tempfile
        >>> from ember.utils.tensorboard import SummaryWriter
        >>> with tempfile.TemporaryDirectory() as logdir, SummaryWriter(logdir) as writer:
        ...     writer.add_scalar("loss", 0.5, 0)
        ...     writer.flush()
        """
        if self.all_writers is None:
            return
        for writer in self.all_writers.values():
            _flush_file_writer(writer)

    def close(self) -> None:
        """Flush and close the event files; a later ``add_*`` starts a new event file.

        >>> import tempfile
        >>> from ember.utils.tensorboard import SummaryWriter
        >>> with tempfile.TemporaryDirectory() as logdir:
        ...     writer = SummaryWriter(logdir)
        ...     writer.add_scalar("loss", 0.5, 0)
        ...     writer.close()
        """
        if self.all_writers is None:
            return  # closing twice is fine
        for writer in self.all_writers.values():
            writer.flush()
            writer.close()
        self.file_writer = self.all_writers = None

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, exc_type, exc_val, exc_tb) -> None:
        self.close()
