"""ember.save / ember.load: Ember's zip format, safetensors, and PyTorch zip checkpoints.

Every test writes real files (or BytesIO); PyTorch checkpoints are made by the real
``torch.save`` (torch is a test-only reference, never imported by Ember).
"""

import collections
import fractions
import io
import json
import math
import os
import pickle
import types
import zipfile

import numpy
import pytest
import torch

import ember
from ember.backend.dtypes import ALL_DTYPES
from ember.serialization import load_safetensors, save_safetensors

TORCH_DTYPES = {
    "bool": torch.bool,
    "uint8": torch.uint8,
    "int8": torch.int8,
    "int16": torch.int16,
    "int32": torch.int32,
    "int64": torch.int64,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "float32": torch.float32,
    "float64": torch.float64,
    "complex64": torch.complex64,
    "complex128": torch.complex128,
}


def sample(dt, shape=(2, 3)):
    """A tensor of dtype ``dt`` with distinct, exactly representable values."""
    values = numpy.arange(numpy.prod(shape), dtype=numpy.float64).reshape(shape) - 2
    if dt is ember.bool:
        return ember.tensor(values > 0)
    if dt.is_complex:
        return ember.tensor(values + 0.5j * values, dtype=dt)
    return ember.tensor(values, dtype=dt)


def same(a, b) -> bool:
    """Same dtype, shape and bits (so nan == nan)."""
    x, y = numpy.asarray(a._data), numpy.asarray(b._data)
    return (
        a.dtype == b.dtype
        and x.shape == y.shape
        and numpy.array_equal(
            numpy.ascontiguousarray(x).view(numpy.uint8),
            numpy.ascontiguousarray(y).view(numpy.uint8),
        )
    )


def round_trip(obj, **load_kwargs):
    buffer = io.BytesIO()
    ember.save(obj, buffer)
    buffer.seek(0)
    return ember.load(buffer, **load_kwargs)


def meta_of(path_or_buffer) -> dict:
    with zipfile.ZipFile(path_or_buffer) as zf:
        return json.loads(zf.read("data.json"))


def torch_saved(obj, path):
    torch.save(obj, path)
    return path


def rewrite_zip(path, change):
    """Rewrite a zip file, passing each (name, bytes) through ``change``."""
    with zipfile.ZipFile(path) as zf:
        entries = [(info.filename, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries:
            zf.writestr(name, change(name, data))


# -- Ember's format: values, layouts, sharing ------------------------------------------------
@pytest.mark.parametrize("dt", ALL_DTYPES, ids=lambda d: d.name)
def test_every_dtype_round_trips_bit_exactly(tmp_path, dt):
    t = sample(dt)
    path = tmp_path / "t.pt"
    ember.save({"t": t}, path)
    loaded = ember.load(path)["t"]
    assert same(loaded, t)
    assert loaded.device == ember.device("cpu")


def test_nan_inf_and_zero_dim_and_empty_tensors(tmp_path):
    obj = {
        "special": ember.tensor([math.nan, math.inf, -math.inf, -0.0]),
        "scalar": ember.tensor(3.5, dtype=ember.float64),
        "empty": ember.zeros(0, 4, dtype=ember.int16),
        "empty_view": ember.ones(3, 4)[:, 4:],
    }
    ember.save(obj, tmp_path / "x.pt")
    loaded = ember.load(tmp_path / "x.pt")
    for name, t in obj.items():
        assert same(loaded[name], t), name
    assert loaded["scalar"].shape == ember.Size([])


def test_non_contiguous_tensors_keep_values_and_strides():
    base = ember.arange(24, dtype=ember.float32).reshape(2, 3, 4)
    flipped = ember.Tensor._make(base._data[:, ::-1, ::-2])  # negative strides, as numpy has
    obj = {"mT": base.mT, "step": base[:, :, ::2], "flipped": flipped}
    loaded = round_trip(obj)
    for name, t in obj.items():
        assert same(loaded[name], t), name
        assert loaded[name].stride() == t.stride(), name
    assert not loaded["mT"].is_contiguous()


def test_views_of_one_tensor_share_one_storage_after_load():
    t = ember.arange(12, dtype=ember.float32).reshape(3, 4)
    buffer = io.BytesIO()
    ember.save({"a": t, "b": t[1:], "col": t[:, 1], "bytes": t.view(ember.int32)}, buffer)
    meta = meta_of(buffer)
    assert len(meta["storages"]) == 1 and meta["storages"][0]["nbytes"] == 48
    buffer.seek(0)
    loaded = ember.load(buffer)
    a, b = loaded["a"], loaded["b"]
    assert same(b, t[1:]) and same(loaded["col"], t[:, 1])
    a.add_(1)  # in-place on a shows through b, col and the int32 view, as saved
    assert b.tolist() == (t[1:] + 1).tolist()
    assert loaded["col"].tolist() == (t[:, 1] + 1).tolist()
    assert numpy.shares_memory(loaded["bytes"]._data, a._data)


def test_views_saved_without_their_base_store_only_the_bytes_they_use():
    t = ember.zeros(1000)
    buffer = io.BytesIO()
    ember.save([t[10:12], t[20:22]], buffer)
    assert meta_of(buffer)["storages"] == [{"nbytes": 48, "device": "cpu"}]
    buffer.seek(0)
    x, y = ember.load(buffer)
    assert numpy.shares_memory(x._data.base, y._data.base)


def test_same_tensor_object_twice_loads_as_one_object():
    t = ember.ones(3)
    loaded = round_trip({"first": t, "again": [t, (t,)]})
    assert loaded["first"] is loaded["again"][0] is loaded["again"][1][0]


def test_nested_containers_keep_types_keys_and_special_values():
    obj = {
        "layer.weight": ember.ones(2),
        0: None,
        -7: [1, 2.0, True, "s"],
        (1, "a"): (None, (2,)),
        2.5: {"inner": collections.OrderedDict([("z", 1), ("a", 2)])},
        None: {1, 2},
        True: frozenset({"x"}),
        "floats": [math.inf, -math.inf, -0.0, 1e300, 2**80],
        "complex": complex(1.5, -math.inf),
        "bytes": b"\x00\xff",
        "meta": (ember.float16, ember.device("cuda:1"), ember.Size([2, 3])),
        "empty": ({}, [], ()),
    }
    loaded = round_trip(obj)
    assert list(loaded) == list(obj)
    assert loaded["layer.weight"].tolist() == [1.0, 1.0]
    for key in obj:
        if key != "layer.weight":
            assert loaded[key] == obj[key] and type(loaded[key]) is type(obj[key]), key
    assert type(loaded[2.5]["inner"]) is collections.OrderedDict
    assert list(loaded[2.5]["inner"]) == ["z", "a"]
    assert type(loaded["meta"][2]) is ember.Size and loaded["meta"][0] is ember.float16
    assert type(loaded[-7][2]) is bool and type(loaded["floats"][4]) is int
    assert math.copysign(1, loaded["floats"][2]) == -1
    nan = round_trip({"nan": math.nan})["nan"]
    assert math.isnan(nan)


def test_plain_objects_are_json_without_a_pickle_record():
    buffer = io.BytesIO()
    ember.save({"w": ember.ones(1), 3: (1.5, None)}, buffer)
    with zipfile.ZipFile(buffer) as zf:
        assert "objects.pkl" not in zf.namelist()
    meta = meta_of(buffer)
    assert meta["objects"] is False
    assert meta["root"]["items"][1] == [3, {"$": "tuple", "items": [1.5, None]}]


def test_requires_grad_and_parameters_are_preserved():
    w = ember.ones(2, requires_grad=True)
    y = w * 2  # a non-leaf saves as a leaf requiring grad, as torch does
    p = ember.nn.Parameter(ember.zeros(3))
    frozen = ember.nn.Parameter(ember.zeros(1), requires_grad=False)
    loaded = round_trip({"w": w, "y": y, "p": p, "frozen": frozen, "plain": ember.ones(1)})
    assert loaded["w"].requires_grad and loaded["w"].is_leaf
    assert loaded["y"].requires_grad and loaded["y"].is_leaf
    assert type(loaded["p"]) is ember.nn.Parameter and loaded["p"].requires_grad
    assert type(loaded["frozen"]) is ember.nn.Parameter and not loaded["frozen"].requires_grad
    assert not loaded["plain"].requires_grad and type(loaded["plain"]) is ember.Tensor


def test_save_to_path_is_atomic_when_pickling_fails_midway(tmp_path):
    class Exploding:
        def __reduce__(self):
            raise RuntimeError("boom while pickling")

    path = tmp_path / "ckpt.pt"
    ember.save({"version": 1, "w": ember.ones(2)}, path)
    with pytest.raises(RuntimeError, match="boom while pickling"):
        ember.save({"version": 2, "w": ember.zeros(2), "bad": [1, Exploding()]}, path)
    assert ember.load(path)["version"] == 1
    assert os.listdir(tmp_path) == ["ckpt.pt"]  # the temporary file is gone too


def test_save_to_path_replaces_and_keeps_mode(tmp_path):
    path = tmp_path / "ckpt.pt"
    path.write_bytes(b"old")
    os.chmod(path, 0o640)
    ember.save([1, 2], str(path))
    assert ember.load(str(path)) == [1, 2]
    assert os.stat(path).st_mode & 0o777 == 0o640


def test_file_objects_and_non_seekable_readers(tmp_path):
    with open(tmp_path / "f.pt", "wb") as handle:
        ember.save({"a": ember.arange(3)}, handle)
    with open(tmp_path / "f.pt", "rb") as handle:
        assert ember.load(handle)["a"].tolist() == [0, 1, 2]

    class Stream(io.RawIOBase):  # a pipe-like reader: no seek
        def __init__(self, data):
            self._inner = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, b):
            return self._inner.readinto(b)

    data = (tmp_path / "f.pt").read_bytes()
    assert ember.load(Stream(data))["a"].tolist() == [0, 1, 2]


def test_bad_arguments_raise_clear_errors(tmp_path):
    with pytest.raises(TypeError, match="path .* or a binary file object"):
        ember.save({}, 42)
    with pytest.raises(NotImplementedError, match="zip format"):
        ember.save({}, tmp_path / "x", _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="explicit pickle_module"):
        ember.load(tmp_path / "x", pickle_module=pickle)
    (tmp_path / "empty").write_bytes(b"")
    with pytest.raises(EOFError, match="empty"):
        ember.load(tmp_path / "empty")
    (tmp_path / "junk").write_bytes(b"hello world, not a checkpoint")
    with pytest.raises(pickle.UnpicklingError, match="not an Ember checkpoint, a safetensors"):
        ember.load(tmp_path / "junk")


def test_corrupt_tensor_layout_is_refused(tmp_path):
    path = tmp_path / "c.pt"
    ember.save({"w": ember.ones(4)}, path)

    def grow(name, data):
        if name != "data.json":
            return data
        meta = json.loads(data)
        meta["tensors"][0]["shape"] = [400]
        return json.dumps(meta).encode()

    rewrite_zip(path, grow)
    with pytest.raises(RuntimeError, match=r"needs bytes \[0, 1600\) of a storage that has 16"):
        ember.load(path)


def test_truncated_ember_storage_is_refused(tmp_path):
    path = tmp_path / "c.pt"
    ember.save({"w": ember.ones(4)}, path)
    rewrite_zip(path, lambda name, data: data[:8] if name == "data/0" else data)
    with pytest.raises(RuntimeError, match="holds 8 bytes but data.json says 16"):
        ember.load(path)


# -- map_location ------------------------------------------------------------------------------
def test_map_location_forms_on_cpu():
    t = ember.arange(4.0)
    for where in (None, "cpu", ember.device("cpu"), torch.device("cpu"), {"cuda:0": "cpu"}):
        assert round_trip([t], map_location=where)[0].tolist() == [0, 1, 2, 3]
    seen = []

    def place(storage, location):
        seen.append((storage.dtype, tuple(storage.shape), location))
        return storage

    assert round_trip([t, t[1:]], map_location=place)[1].tolist() == [1, 2, 3]
    assert seen == [(ember.uint8, (16,), "cpu")]
    with pytest.raises(TypeError, match="map_location must be"):
        round_trip([t], map_location=3)


def _cuda_ckpt(tmp_path):
    """An Ember checkpoint whose storage claims to come from cuda:1."""
    path = tmp_path / "gpu.pt"
    ember.save({"w": ember.tensor([1.0, 2.0])}, path)

    def to_cuda(name, data):
        if name != "data.json":
            return data
        meta = json.loads(data)
        meta["storages"][0]["device"] = meta["tensors"][0]["device"] = "cuda:1"
        return json.dumps(meta).encode()

    rewrite_zip(path, to_cuda)
    return path


def test_map_location_moves_cuda_saved_tensors_to_cpu(tmp_path):
    path = _cuda_ckpt(tmp_path)
    for where in ("cpu", {"cuda:1": "cpu"}, lambda storage, location: storage):
        assert ember.load(path, map_location=where)["w"].tolist() == [1.0, 2.0]


def test_cuda_saved_tensors_without_cuda_say_to_use_map_location(tmp_path):
    if ember.backend.cupy_available():
        pytest.skip("CUDA is available here")
    with pytest.raises(RuntimeError, match="map_location='cpu'"):
        ember.load(_cuda_ckpt(tmp_path))


# -- pickle records --------------------------------------------------------------------------
def test_pickle_record_is_refused_by_default_and_names_its_classes(tmp_path):
    path = tmp_path / "obj.pt"
    w = ember.ones(2, requires_grad=True)
    obj = {"w": w, "ns": types.SimpleNamespace(weight=w, ratio=fractions.Fraction(1, 3))}
    ember.save(obj, path)
    with pytest.raises(pickle.UnpicklingError) as info:
        ember.load(path)
    message = str(info.value)
    assert "types.SimpleNamespace" in message and "fractions.Fraction" in message
    assert "weights_only=False" in message
    loaded = ember.load(path, weights_only=False)
    assert loaded["ns"].ratio == fractions.Fraction(1, 3)
    assert loaded["ns"].weight is loaded["w"] and loaded["w"].requires_grad


def test_pickle_record_scan_handles_protocol_4_stack_global(tmp_path):
    path = tmp_path / "obj.pt"
    ember.save([fractions.Fraction(2, 5), collections.Counter("aab")], path, pickle_protocol=4)
    with pytest.raises(pickle.UnpicklingError, match="fractions.Fraction.*collections.Counter"):
        ember.load(path)
    assert ember.load(path, weights_only=False)[1] == collections.Counter("aab")


def test_self_containing_object_is_pickled_whole():
    cyclic = [ember.ones(1)]
    cyclic.append(cyclic)
    with pytest.raises(pickle.UnpicklingError, match="no classes|builtin"):
        round_trip(cyclic)
    loaded = round_trip(cyclic, weights_only=False)
    assert loaded[1] is loaded and loaded[0].tolist() == [1.0]


# -- safetensors -------------------------------------------------------------------------------
SAFETENSORS_DTYPES = [d for d in ALL_DTYPES if d is not ember.complex128]


def test_safetensors_round_trip_every_dtype(tmp_path):
    tensors = {f"t.{d.name}": sample(d) for d in SAFETENSORS_DTYPES}
    tensors["scalar"] = ember.tensor(2.0)
    tensors["empty"] = ember.zeros(0, 3)
    tensors["strided"] = ember.arange(12.0).reshape(3, 4).mT
    path = tmp_path / "model.safetensors"
    save_safetensors(tensors, path, metadata={"format": "pt"})
    loaded = load_safetensors(path)
    assert list(loaded) == list(tensors)
    for name, t in tensors.items():
        assert same(loaded[name], t), name
    auto = ember.load(path)  # ember.load tells safetensors apart by content, not extension
    assert same(auto["t.bfloat16"], tensors["t.bfloat16"])
    header_size = int.from_bytes(path.read_bytes()[:8], "little")
    assert header_size % 8 == 0
    assert json.loads(path.read_bytes()[8 : 8 + header_size])["__metadata__"] == {"format": "pt"}


def test_safetensors_refuses_what_it_cannot_store(tmp_path):
    with pytest.raises(NotImplementedError, match="safetensors has no type for ember.complex128"):
        save_safetensors({"z": ember.zeros(1, dtype=ember.complex128)}, tmp_path / "z")
    with pytest.raises(TypeError, match="metadata must be a dict of str -> str"):
        save_safetensors({"a": ember.zeros(1)}, tmp_path / "z", metadata={"n": 1})
    assert not (tmp_path / "z").exists()


def test_safetensors_truncated_file_is_refused(tmp_path):
    path = tmp_path / "m.safetensors"
    save_safetensors({"a": ember.ones(4), "b": ember.ones(4)}, path)
    path.write_bytes(path.read_bytes()[:-4])
    with pytest.raises(RuntimeError, match="not a valid safetensors file.*'b'"):
        load_safetensors(path)


def test_reads_file_written_by_the_safetensors_package(tmp_path):
    st_torch = pytest.importorskip("safetensors.torch")
    tensors = {
        name: torch.arange(-3, 3).reshape(2, 3).to(dt)
        for name, dt in TORCH_DTYPES.items()
        if name != "complex128"
    }
    path = tmp_path / "hf.safetensors"
    st_torch.save_file(tensors, str(path), metadata={"source": "hf"})
    loaded = ember.load(path)
    assert sorted(loaded) == sorted(tensors)
    for name, t in tensors.items():
        assert loaded[name].dtype.name == name
        assert numpy.array_equal(
            numpy.asarray(loaded[name]._data, dtype=numpy.complex128),
            t.to(torch.complex128).numpy(),
        )
    mine = tmp_path / "mine.safetensors"
    save_safetensors({n: loaded[n] for n in loaded}, mine)
    back = st_torch.load_file(str(mine))
    for name, t in tensors.items():
        assert torch.equal(back[name], t), name


# -- PyTorch checkpoints ----------------------------------------------------------------------
def test_reads_torch_state_dict_of_a_real_model(tmp_path):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    model(torch.randn(4, 3))  # one training step moves the running stats
    state = model.state_dict()
    loaded = ember.load(torch_saved(state, tmp_path / "model.pth"))
    assert type(loaded) is collections.OrderedDict
    assert list(loaded) == list(state)
    for key, value in state.items():
        assert loaded[key].dtype.name == str(value.dtype).removeprefix("torch."), key
        assert numpy.array_equal(loaded[key].numpy(), value.numpy()), key
        assert not loaded[key].requires_grad
    assert loaded["1.num_batches_tracked"].dtype is ember.int64
    assert loaded["1.num_batches_tracked"].shape == ember.Size([])
    assert loaded["1.num_batches_tracked"].item() == 1
    assert loaded._metadata[""] == {"version": 1}


def test_reads_torch_tensors_of_every_dtype_and_layout(tmp_path):
    base = torch.arange(12.0).reshape(3, 4)
    obj = {name: (base - 5).to(dt) for name, dt in TORCH_DTYPES.items()}
    obj.update(
        view=base[1:],
        transposed=base.t(),
        base=base,
        scalar=torch.tensor(7),
        empty=torch.zeros(0, 2),
        grad=torch.ones(2, requires_grad=True),
        param=torch.nn.Parameter(torch.ones(3)),
        meta=(torch.float16, torch.device("cpu"), torch.Size([1, 2])),
        misc={1, 2},
        number=1 + 2j,
        raw=b"ab",
        nested=[{"k": (None, 1.5)}],
    )
    loaded = ember.load(torch_saved(obj, tmp_path / "all.pt"))
    for name in TORCH_DTYPES:
        assert loaded[name].dtype.name == name
        assert loaded[name].tolist() == (base - 5).to(TORCH_DTYPES[name]).tolist(), name
    assert loaded["transposed"].stride() == (1, 4)
    assert loaded["transposed"].tolist() == base.t().tolist()
    assert numpy.shares_memory(loaded["view"]._data, loaded["base"]._data)
    assert loaded["scalar"].item() == 7 and loaded["empty"].shape == ember.Size([0, 2])
    assert loaded["grad"].requires_grad
    assert type(loaded["param"]) is ember.nn.Parameter and loaded["param"].requires_grad
    assert loaded["meta"] == (ember.float16, ember.device("cpu"), ember.Size([1, 2]))
    assert type(loaded["meta"][2]) is ember.Size
    assert loaded["misc"] == {1, 2} and loaded["number"] == 1 + 2j and loaded["raw"] == b"ab"
    assert loaded["nested"] == [{"k": (None, 1.5)}]


class Payload:
    """An object whose unpickling runs a shell command (the classic malicious checkpoint)."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (os.system, (f"touch {self.target}",))


def test_malicious_torch_checkpoint_is_refused_without_running_it(tmp_path):
    target = tmp_path / "pwned"
    path = torch_saved({"w": torch.ones(2), "evil": Payload(target)}, tmp_path / "evil.pt")
    with pytest.raises(pickle.UnpicklingError, match=r"refused to load '(posix|os|nt)\.system'"):
        ember.load(path)
    assert not target.exists()


def test_checkpoint_cannot_set_state_on_allowed_objects(tmp_path):
    # BUILD with slot state on the ember.float32 that find_class hands out would rename it
    # process-wide; the restricted unpickler refuses BUILD on anything but an OrderedDict.
    payload = b"\x80\x02ctorch\nfloat32\nN}X\x04\x00\x00\x00nameX\x06\x00\x00\x00hackeds\x86b."
    path = torch_saved({"w": torch.ones(1)}, tmp_path / "build.pt")
    rewrite_zip(path, lambda name, data: payload if name.endswith("/data.pkl") else data)
    with pytest.raises(pickle.UnpicklingError, match="refused to set the state of a dtype"):
        ember.load(path)
    assert ember.float32.name == "float32"


def test_torch_module_object_is_refused_and_never_rebuilt(tmp_path):
    path = torch_saved(torch.nn.Linear(2, 2), tmp_path / "model.pt")
    with pytest.raises(pickle.UnpicklingError, match="torch.nn.modules.linear.Linear"):
        ember.load(path)
    with pytest.raises(pickle.UnpicklingError, match="state_dict"):
        ember.load(path, weights_only=False)


def test_torch_checkpoint_with_other_objects_loads_with_weights_only_false(tmp_path):
    obj = {"w": torch.ones(2), "ratio": fractions.Fraction(1, 4)}
    path = torch_saved(obj, tmp_path / "mixed.pt")
    with pytest.raises(pickle.UnpicklingError, match="fractions.Fraction"):
        ember.load(path)
    loaded = ember.load(path, weights_only=False)
    assert loaded["ratio"] == fractions.Fraction(1, 4)
    assert isinstance(loaded["w"], ember.Tensor) and loaded["w"].tolist() == [1.0, 1.0]


def test_truncated_torch_storage_is_refused(tmp_path):
    path = torch_saved({"w": torch.ones(6)}, tmp_path / "cut.pt")
    rewrite_zip(path, lambda name, data: data[:12] if name.endswith("/data/0") else data)
    with pytest.raises(RuntimeError, match=r"holds 12 bytes.*6 elements of float32 \(24 bytes\)"):
        ember.load(path)


def test_torch_storage_too_small_for_its_tensor_is_refused(tmp_path):
    path = torch_saved({"w": torch.ones(6)}, tmp_path / "small.pt")
    # Shrink the storage record and its entry together: the size check passes, the view must not.
    rewrite_zip(
        path,
        lambda name, data: (
            data[:8] if name.endswith("/data/0") else data.replace(b"K\x06t", b"K\x02t")
        ),
    )
    with pytest.raises(RuntimeError, match="corrupt.*needs bytes"):
        ember.load(path)


def test_big_endian_torch_checkpoint_is_byte_swapped(tmp_path):
    obj = {"w": torch.tensor([1.5, -2.0]), "i": torch.tensor([1, 256], dtype=torch.int16)}
    path = torch_saved(obj, tmp_path / "be.pt")
    swaps = {"/data/0": 4, "/data/1": 2}

    def to_big(name, data):
        if name.endswith("/byteorder"):
            return b"big"
        for suffix, size in swaps.items():
            if name.endswith(suffix):
                return numpy.frombuffer(data, f"<u{size}").astype(f">u{size}").tobytes()
        return data

    rewrite_zip(path, to_big)
    loaded = ember.load(path)
    assert loaded["w"].tolist() == [1.5, -2.0] and loaded["i"].tolist() == [1, 256]


def test_torch_map_location_callable_gets_storage_and_location(tmp_path):
    path = torch_saved(
        {"a": torch.ones(3), "b": torch.zeros(2, dtype=torch.int64)}, tmp_path / "m.pt"
    )
    seen = []

    def place(storage, location):
        seen.append((tuple(storage.shape), location))
        return storage

    loaded = ember.load(path, map_location=place)
    assert loaded["b"].tolist() == [0, 0]
    assert seen == [((12,), "cpu"), ((16,), "cpu")]


def test_unsupported_torch_dtype_is_named(tmp_path):
    path = torch_saved({"u": torch.zeros(2, dtype=torch.uint16)}, tmp_path / "u16.pt")
    with pytest.raises(NotImplementedError, match="torch.uint16"):
        ember.load(path)


def test_legacy_torch_format_says_how_to_resave(tmp_path):
    path = tmp_path / "legacy.pt"
    torch.save({"w": torch.ones(1)}, path, _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match=r"legacy \(non-zip\) PyTorch checkpoint.*torch>=1.6"):
        ember.load(path)


def test_torchscript_archive_is_refused(tmp_path):
    # torch.jit.save's layout: data.pkl plus constants.pkl and code/ (which Ember never runs).
    path = torch_saved({"w": torch.ones(1)}, tmp_path / "script.pt")
    with zipfile.ZipFile(path, "a") as zf:
        prefix = zf.namelist()[0].split("/")[0]
        zf.writestr(f"{prefix}/constants.pkl", pickle.dumps(()))
        zf.writestr(f"{prefix}/code/__torch__.py", "def forward(self): ...")
    with pytest.raises(RuntimeError, match="TorchScript"):
        ember.load(path)


# -- CUDA ---------------------------------------------------------------------------------------
@pytest.mark.cuda
def test_cuda_tensors_round_trip_onto_their_device(tmp_path):
    if not ember.backend.cupy_available():
        pytest.skip("needs cupy and a CUDA GPU")
    t = ember.arange(12.0).reshape(3, 4).cuda()
    path = tmp_path / "gpu.pt"
    ember.save({"a": t, "b": t[1:], "c": t.mT}, path)
    loaded = ember.load(path)
    assert loaded["a"].device == t.device and loaded["c"].tolist() == t.mT.tolist()
    loaded["a"].add_(1)
    assert loaded["b"].tolist() == (t[1:] + 1).tolist()
    on_cpu = ember.load(path, map_location="cpu")
    assert on_cpu["c"].device == ember.device("cpu") and on_cpu["c"].tolist() == t.mT.tolist()
