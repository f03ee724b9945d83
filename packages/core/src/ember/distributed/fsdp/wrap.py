"""Auto-wrap policies for FSDP, as ``torch.distributed.fsdp.wrap``.

A policy is called as ``policy(module=m, recurse=r, nonwrapped_numel=n)``: with
``recurse=True`` it says whether to look inside ``m`` for units, with ``recurse=False``
whether ``m`` itself (holding ``n`` parameters not already in a unit) becomes a unit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ember import nn

__all__ = [
    "ModuleWrapPolicy",
    "lambda_auto_wrap_policy",
    "size_based_auto_wrap_policy",
    "transformer_auto_wrap_policy",
]

FORCE_LEAF_MODULES = {nn.MultiheadAttention}
EXCLUDE_WRAP_MODULES = {nn.ModuleList, nn.ModuleDict}


def size_based_auto_wrap_policy(
    module: nn.Module,
    recurse: bool,
    nonwrapped_numel: int,
    min_num_params: int = int(1e8),
    force_leaf_modules: set | None = None,
    exclude_wrap_modules: set | None = None,
) -> bool:
    """Wrap a module once it holds at least ``min_num_params`` parameters not already in
    a unit; bind the limit with ``functools.partial``.

    >>> import functools
    >>> policy = functools.partial(size_based_auto_wrap_policy, min_num_params=10)
    >>> policy(module=ember.nn.Linear(4, 4), recurse=False, nonwrapped_numel=20)
    True
    """
    force_leaf = FORCE_LEAF_MODULES if force_leaf_modules is None else force_leaf_modules
    exclude = EXCLUDE_WRAP_MODULES if exclude_wrap_modules is None else exclude_wrap_modules
    is_large = nonwrapped_numel >= min_num_params
    if recurse:
        return is_large and not isinstance(module, tuple(force_leaf))
    return is_large and not isinstance(module, tuple(exclude))


def lambda_auto_wrap_policy(
    module: nn.Module, recurse: bool, nonwrapped_numel: int, lambda_fn: Callable
) -> bool:
    """Wrap the modules for which ``lambda_fn(module)`` is true (bind it with partial)."""
    if recurse:
        return True
    return bool(lambda_fn(module))


def transformer_auto_wrap_policy(
    module: nn.Module, recurse: bool, nonwrapped_numel: int, transformer_layer_cls: Iterable
) -> bool:
    """Wrap every instance of the ``transformer_layer_cls`` classes (bind with partial)."""
    if recurse:
        return True
    return isinstance(module, tuple(transformer_layer_cls))


class ModuleWrapPolicy:
    """Wrap every module that is an instance of one of ``module_classes``.

    >>> ModuleWrapPolicy({ember.nn.Linear})(ember.nn.Linear(2, 2), False, 6)
    True
    """

    def __init__(self, module_classes: Iterable[type]) -> None:
        self._module_classes = tuple(set(module_classes))

    def __call__(self, module: nn.Module, recurse: bool, nonwrapped_numel: int) -> bool:
        if recurse:
            return True
        return isinstance(module, self._module_classes)

    def __repr__(self) -> str:
        return f"ModuleWrapPolicy({', '.join(c.__name__ for c in self._module_classes)})"
