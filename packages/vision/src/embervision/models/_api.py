"""The model registry and the Weights enums, as ``torchvision.models._api``.

Every builder is registered under its public name (``register_model``) so that
``get_model('resnet50', weights='DEFAULT')`` and the ``ember.hub`` entry points find it.
A builder's pretrained weights are an ``Enum`` of ``Weights`` (url, evaluation transforms,
meta); ``WeightsEnum.verify`` accepts the enum member, its name (``"IMAGENET1K_V2"``), the
full name (``"ResNet50_Weights.IMAGENET1K_V2"``) or ``"DEFAULT"``.
"""

from __future__ import annotations

import fnmatch
import inspect
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

__all__ = [
    "Weights",
    "WeightsEnum",
    "get_model",
    "get_model_builder",
    "get_model_weights",
    "get_weight",
    "list_models",
    "register_model",
]


@dataclass(eq=False)
class Weights:
    """One set of pretrained weights: where the file is, how to prepare inputs, and meta.

    ``url`` is the checkpoint (torchvision's published ``.pth`` files name the first hex
    digits of their sha256 after the last ``-``, which the hub checks); ``transforms`` builds
    the evaluation preprocessing; ``meta`` holds ``categories``, ``num_params``, ``metrics``,
    ``recipe`` and the like.

    >>> Weights(url="https://example.com/m-0123abcd.pth", transforms=None, meta={}).url
    'https://example.com/m-0123abcd.pth'
    """

    url: str
    transforms: Callable | None
    meta: dict[str, Any] = field(default_factory=dict)

    def __eq__(self, other: object) -> bool:
        # Equal when they describe the same checkpoint, whatever the transforms object is.
        if not isinstance(other, Weights):
            return NotImplemented
        return self.url == other.url and self.meta == other.meta

    def __hash__(self) -> int:
        return hash(self.url)


class WeightsEnum(Enum):
    """Base of every ``<Model>_Weights`` enum; members' values are :class:`Weights`.

    ``DEFAULT`` is an alias of the recommended member, as in torchvision.
    """

    @classmethod
    def verify(cls, obj: Any) -> Any:
        """Return the member ``obj`` names (member, name, ``Class.name`` or None).

        Raises TypeError for a member of another enum and ValueError for an unknown name,
        listing the names this enum has.
        """
        if obj is None or isinstance(obj, cls):
            return obj
        if isinstance(obj, str):
            name = obj
            prefix = cls.__name__ + "."
            if name.startswith(prefix):
                name = name[len(prefix) :]
            try:
                return cls[name]
            except KeyError:
                raise ValueError(
                    f"{cls.__name__}: no weights named {obj!r}; "
                    f"available: {', '.join(cls.__members__)}"
                ) from None
        raise TypeError(
            f"Invalid Weight class provided; expected {cls.__name__} but received "
            f"{type(obj).__name__}."
        )

    def get_state_dict(self, *args: Any, **kwargs: Any) -> dict:
        """Download (or take from the hub cache) and load this checkpoint's state_dict.

        Arguments are those of ``ember.hub.load_state_dict_from_url`` (``progress``,
        ``check_hash``, ``map_location``, ...); the file is read with Ember's safe loader.
        """
        from ember import hub

        return hub.load_state_dict_from_url(self.url, *args, **kwargs)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}.{self._name_}"

    @property
    def url(self) -> str:
        return self.value.url

    @property
    def transforms(self) -> Callable | None:
        return self.value.transforms

    @property
    def meta(self) -> dict[str, Any]:
        return self.value.meta


BUILTIN_MODELS: dict[str, Callable] = {}


def register_model(name: str | None = None) -> Callable[[Callable], Callable]:
    """Decorator registering a model builder under ``name`` (default: the function's name).

    >>> @register_model("my_tiny_net")
    ... def my_tiny_net(**kwargs): ...
    >>> "my_tiny_net" in list_models()
    True
    >>> del BUILTIN_MODELS["my_tiny_net"]
    """

    def wrapper(fn: Callable) -> Callable:
        key = name if name is not None else fn.__name__
        previous = BUILTIN_MODELS.get(key)
        # The same builder imported a second time (pytest's doctest collection re-imports
        # modules) replaces itself; a different function under a taken name is an error.
        if previous is not None and (previous.__module__, previous.__qualname__) != (
            fn.__module__,
            fn.__qualname__,
        ):
            raise ValueError(f"An entry is already registered under the name '{key}'.")
        BUILTIN_MODELS[key] = fn
        return fn

    return wrapper


def list_models(
    module: Any = None,
    include: str | Iterable[str] | None = None,
    exclude: str | Iterable[str] | None = None,
) -> list[str]:
    """Sorted names of the registered models, optionally only those of ``module`` and
    filtered by Unix-shell wildcard ``include``/``exclude`` patterns, as torchvision.

    >>> import embervision.models as models
    >>> "resnet50" in models.list_models(include="resnet*")
    True
    """
    all_models = {
        k
        for k, v in BUILTIN_MODELS.items()
        if module is None or v.__module__.rsplit(".", 1)[0] == module.__name__
    }
    if include:
        patterns = [include] if isinstance(include, str) else list(include)
        all_models = {m for m in all_models if any(fnmatch.fnmatch(m, p) for p in patterns)}
    if exclude:
        patterns = [exclude] if isinstance(exclude, str) else list(exclude)
        all_models = {m for m in all_models if not any(fnmatch.fnmatch(m, p) for p in patterns)}
    return sorted(all_models)


def get_model_builder(name: str) -> Callable:
    """The builder function registered under ``name`` (ValueError naming close matches)."""
    name = name.lower()
    try:
        return BUILTIN_MODELS[name]
    except KeyError:
        raise ValueError(
            f"Unknown model {name}; available models: {', '.join(sorted(BUILTIN_MODELS))}"
        ) from None


def get_model(name: str, **config: Any) -> Any:
    """Build the registered model ``name`` with the builder's keyword arguments.

    >>> import embervision.models as models
    >>> type(models.get_model("resnet18", num_classes=10)).__name__
    'ResNet'
    """
    return get_model_builder(name)(**config)


def get_model_weights(name: str | Callable) -> type[WeightsEnum]:
    """The Weights enum class of a model, given its name or builder function.

    >>> import embervision.models as models
    >>> models.get_model_weights("resnet50").__name__
    'ResNet50_Weights'
    """
    model = get_model_builder(name) if isinstance(name, str) else name
    annotation = inspect.signature(model).parameters["weights"].annotation
    if isinstance(annotation, str):
        # Builders use postponed annotations ("Optional[ResNet50_Weights]"): resolve the
        # enum class by name in the builder's module.
        module = sys.modules[model.__module__]
        for token in annotation.replace("[", " ").replace("]", " ").replace("|", " ").split():
            candidate = getattr(module, token.strip(), None)
            if inspect.isclass(candidate) and issubclass(candidate, WeightsEnum):
                return candidate
    else:
        for candidate in getattr(annotation, "__args__", (annotation,)):
            if inspect.isclass(candidate) and issubclass(candidate, WeightsEnum):
                return candidate
    raise ValueError(f"The weights enum of {name!r} could not be found from its signature.")


def get_weight(name: str) -> WeightsEnum:
    """The Weights member named ``"<Enum>.<MEMBER>"``, e.g. ``"ResNet50_Weights.DEFAULT"``.

    >>> import embervision.models as models
    >>> models.get_weight("ResNet50_Weights.IMAGENET1K_V2")
    ResNet50_Weights.IMAGENET1K_V2
    """
    try:
        enum_name, value_name = name.split(".")
    except ValueError:
        raise ValueError(f"Invalid weight name provided: '{name}'.") from None
    for builder in BUILTIN_MODELS.values():
        module = sys.modules[builder.__module__]
        enum_cls = getattr(module, enum_name, None)
        if inspect.isclass(enum_cls) and issubclass(enum_cls, WeightsEnum):
            return enum_cls.verify(value_name)
    raise ValueError(f"The weight enum '{enum_name}' for the specific method couldn't be found.")


def _ovewrite_named_param(kwargs: dict[str, Any], param: str, new_value: Any) -> None:
    # torchvision's helper (spelling kept): weights fix num_classes etc.; a conflicting
    # user value is an error rather than a silently wrong head.
    if param in kwargs:
        if kwargs[param] != new_value:
            raise ValueError(
                f"The parameter '{param}' expected value {new_value} but got {kwargs[param]} "
                "instead."
            )
    else:
        kwargs[param] = new_value
