"""Looking inside pickles without running them.

Unpickling calls whatever callables the stream names, so Ember never unpickles a record by
default. To say *what* a refused record holds, ``pickle_globals`` walks its opcodes with
``pickletools.genops`` (which decodes, never executes) and collects the globals it would
import: ``GLOBAL``/``INST`` carry ``module name`` directly; ``STACK_GLOBAL`` (protocol 4+)
takes the two most recent strings, which may come straight from the stream or from the memo.
"""

from __future__ import annotations

import pickletools

__all__ = ["pickle_globals"]

_STRING_OPS = frozenset(
    {
        "SHORT_BINUNICODE",
        "BINUNICODE",
        "BINUNICODE8",
        "UNICODE",
        "SHORT_BINSTRING",
        "BINSTRING",
        "STRING",
    }
)
_PUT_OPS = frozenset({"PUT", "BINPUT", "LONG_BINPUT"})
_GET_OPS = frozenset({"GET", "BINGET", "LONG_BINGET"})


def pickle_globals(data: bytes) -> list[str]:
    """Dotted names of the globals a pickle would import, in order of first use."""
    found: list[str] = []
    strings: list[str] = []
    memo: dict = {}
    top = None  # the string on top of the stack, if the last push was one
    try:
        for opcode, arg, _ in pickletools.genops(data):
            name = opcode.name
            if name in _PUT_OPS:
                memo[arg] = top
                continue
            if name == "MEMOIZE":
                memo[len(memo)] = top
                continue
            top = None
            if name in ("GLOBAL", "INST"):
                module, _, qualname = str(arg).partition(" ")
                found.append(f"{module}.{qualname}")
            elif name == "STACK_GLOBAL":
                found.append(".".join(strings[-2:]) if len(strings) >= 2 else "<unknown>")
            elif name in _STRING_OPS:
                top = arg if isinstance(arg, str) else None
            elif name in _GET_OPS:
                top = memo.get(arg)
            if isinstance(top, str):
                strings.append(top)
    except Exception as error:  # a damaged stream: report what was found so far
        found.append(f"<unreadable pickle data: {error}>")
    return list(dict.fromkeys(found))
