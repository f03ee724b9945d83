"""``LazyModuleMixin``: modules whose parameter shapes come from their first input, as
``torch.nn.modules.lazy``.

A lazy layer starts with ``UninitializedParameter``/``UninitializedBuffer`` placeholders. A
forward pre-hook calls ``initialize_parameters(*inputs)`` on the first call, which
materialises them from the input's shape and runs the layer's ``reset_parameters``; the hooks
are then removed and the module becomes ``cls_to_become`` (``LazyLinear`` -> ``Linear``).
Loading a ``state_dict`` into a lazy module materialises each placeholder with the loaded
tensor's shape first (PyTorch's ``_lazy_load_hook``), then copies as usual.
"""

from __future__ import annotations

import itertools

from ember.nn.parameter import is_lazy

__all__ = ["LazyModuleMixin"]


class LazyModuleMixin:
    """Mixin for modules that infer their parameter shapes from the first input, as
    ``torch.nn.modules.lazy.LazyModuleMixin``; list it before the module class it makes
    lazy and implement ``initialize_parameters(*inputs)``.

    >>> layer = ember.nn.LazyLinear(2)
    >>> layer.has_uninitialized_params()
    True
    >>> _ = layer(ember.ones(1, 3))
    >>> type(layer).__name__, layer.in_features
    ('Linear', 3)
    """

    cls_to_become: type | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._load_hook = self._register_load_state_dict_pre_hook(self._lazy_load_hook)
        self._initialize_hook = self.register_forward_pre_hook(
            self._infer_parameters, with_kwargs=True
        )

    def _save_to_state_dict(self, destination, prefix, keep_vars) -> None:
        # Placeholders go into the state_dict as themselves (detaching would drop laziness).
        super()._save_to_state_dict(destination, prefix, keep_vars)
        for name, value in itertools.chain(self._parameters.items(), self._buffers.items()):
            if is_lazy(value) and prefix + name in destination:
                destination[prefix + name] = value

    def _lazy_load_hook(
        self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
    ) -> None:
        from ember.autograd.grad_mode import no_grad

        for name, value in itertools.chain(self._parameters.items(), self._buffers.items()):
            key = prefix + name
            if key in state_dict and value is not None and is_lazy(value):
                loaded = state_dict[key]
                if not is_lazy(loaded):
                    with no_grad():
                        value.materialize(loaded.shape)

    def _load_from_state_dict(
        self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
    ) -> None:
        # An uninitialised entry loaded into a still-uninitialised placeholder copies nothing
        # (PyTorch copies an empty tensor); keep it away from the shape check, which would
        # ask the placeholder for its shape.
        both_lazy = {
            prefix + name
            for name, value in itertools.chain(self._parameters.items(), self._buffers.items())
            if is_lazy(value) and is_lazy(state_dict.get(prefix + name))
        }
        if both_lazy:
            state_dict = {k: v for k, v in state_dict.items() if k not in both_lazy}
        start = len(missing_keys)
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
        )
        if both_lazy:
            missing_keys[start:] = [k for k in missing_keys[start:] if k not in both_lazy]

    def initialize_parameters(self, *args, **kwargs) -> None:
        """Materialise the placeholders from the first forward's inputs (each lazy layer
        implements it)."""
        raise NotImplementedError(
            f"initialize_parameters is not implemented for {self.__class__.__name__}"
        )

    def has_uninitialized_params(self) -> bool:
        """Whether any parameter or buffer is still an uninitialised placeholder."""
        values = itertools.chain(self._parameters.values(), self._buffers.values())
        return any(is_lazy(value) for value in values)

    def _infer_parameters(self, module, args, kwargs=None) -> None:
        kwargs = kwargs if kwargs else {}
        module.initialize_parameters(*args, **kwargs)
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {self._get_name()} has not been fully initialized")
        module._initialize_hook.remove()
        module._load_hook.remove()
        delattr(module, "_initialize_hook")
        delattr(module, "_load_hook")
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become

    def _replicate_for_data_parallel(self):
        raise RuntimeError(
            "Modules with uninitialized parameters can't be used with `DataParallel`. Run a "
            "dummy forward pass to correctly initialize the modules"
        )
