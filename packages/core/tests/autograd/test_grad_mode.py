"""Grad modes as context managers and decorators (functions, generators, bare), nested."""

import threading

import pytest
import torch

import ember


def records(lib) -> bool:
    x = lib.ones(1, requires_grad=True)
    return (x * 2).requires_grad


MODES = [
    ("no_grad", lambda lib: lib.no_grad(), False),
    ("enable_grad", lambda lib: lib.enable_grad(), True),
    ("set_grad_enabled_false", lambda lib: lib.set_grad_enabled(False), False),
    ("set_grad_enabled_true", lambda lib: lib.set_grad_enabled(True), True),
    ("inference_mode", lambda lib: lib.inference_mode(), False),
    ("inference_mode_false", lambda lib: lib.inference_mode(False), True),
]


@pytest.mark.parametrize("name,make,expected", MODES, ids=[m[0] for m in MODES])
def test_context_manager(name, make, expected):
    for lib in (ember, torch):
        with make(lib):
            assert lib.is_grad_enabled() is expected
            assert records(lib) is expected
        assert lib.is_grad_enabled() is True


@pytest.mark.parametrize("name,make,expected", MODES, ids=[m[0] for m in MODES])
def test_decorator(name, make, expected):
    for lib in (ember, torch):

        @make(lib)
        def f(a, b=1, lib=lib):
            return lib.is_grad_enabled(), a + b

        assert lib.is_grad_enabled() is True  # decorating changes nothing now
        assert f(1, b=2) == (expected, 3)
        assert lib.is_grad_enabled() is True


@pytest.mark.parametrize("name,make,expected", MODES, ids=[m[0] for m in MODES])
def test_generator_decorator_switches_only_inside_steps(name, make, expected):
    for lib in (ember, torch):

        @make(lib)
        def gen(lib=lib):
            received = yield lib.is_grad_enabled()
            yield (lib.is_grad_enabled(), received)

        g = gen()
        assert next(g) is expected
        assert lib.is_grad_enabled() is True  # the caller's mode between steps
        assert g.send("hi") == (expected, "hi")
        with pytest.raises(StopIteration):
            next(g)


def test_generator_decorator_forwards_throw_and_close():
    log = []

    @ember.no_grad()
    def gen():
        try:
            yield 1
        except ValueError:
            log.append(("caught", ember.is_grad_enabled()))
            yield 2
        finally:
            log.append(("closed", ember.is_grad_enabled()))

    g = gen()
    assert next(g) == 1
    assert g.throw(ValueError("x")) == 2
    g.close()
    assert log == [("caught", False), ("closed", False)]
    assert ember.is_grad_enabled()


def test_generator_return_value_is_kept():
    @ember.no_grad()
    def gen():
        yield 1
        return "done"

    g = gen()
    next(g)
    with pytest.raises(StopIteration) as stop:
        next(g)
    assert stop.value.value == "done"


@pytest.mark.parametrize("name", ["no_grad", "enable_grad", "inference_mode"])
def test_bare_decorator_without_parentheses(name):
    for lib in (ember, torch):
        mode = getattr(lib, name)

        @mode
        def f(lib=lib):
            return lib.is_grad_enabled()

        assert f() is (name == "enable_grad")


def test_nested_modes():
    with ember.no_grad():
        assert not ember.is_grad_enabled()
        with ember.enable_grad():
            assert ember.is_grad_enabled()
            assert records(ember)
            with ember.set_grad_enabled(False):
                assert not records(ember)
                with ember.inference_mode():
                    assert not ember.is_grad_enabled()
                    assert ember.autograd.is_inference_mode_enabled()
                assert not ember.autograd.is_inference_mode_enabled()
            assert ember.is_grad_enabled()
        assert not ember.is_grad_enabled()
    assert ember.is_grad_enabled()


def test_mode_restored_after_exception():
    with pytest.raises(KeyError):
        with ember.no_grad():
            raise KeyError("x")
    assert ember.is_grad_enabled()

    @ember.no_grad()
    def boom():
        raise KeyError("y")

    with pytest.raises(KeyError):
        boom()
    assert ember.is_grad_enabled()


def test_set_grad_enabled_as_plain_call():
    try:
        ember.set_grad_enabled(False)
        assert not ember.is_grad_enabled()
        assert not records(ember)
    finally:
        ember.set_grad_enabled(True)
    assert ember.is_grad_enabled()


def test_enable_grad_decorator_inside_no_grad():
    @ember.enable_grad()
    def f(x):
        return x * 2

    x = ember.ones(1, requires_grad=True)
    with ember.no_grad():
        y = f(x)
    assert y.requires_grad


def test_grad_mode_is_thread_local():
    seen = {}

    def worker():
        seen["worker"] = ember.is_grad_enabled()

    with ember.no_grad():
        t = threading.Thread(target=worker)
        t.start()
        t.join()
    assert seen["worker"] is True  # a new thread starts with grad on, as in PyTorch


def test_no_grad_result_is_leaf_and_in_place_on_leaf_allowed():
    w = ember.ones(2, requires_grad=True)
    with ember.no_grad():
        w.mul_(3)  # an optimizer step
        y = w * 2
    assert y.is_leaf and not y.requires_grad
    assert w.requires_grad and w.is_leaf and w.tolist() == [3.0, 3.0]


def test_decorating_a_class_raises():
    with pytest.raises(RuntimeError, match="only decorate functions"):

        @ember.no_grad()
        class Nope:
            pass
