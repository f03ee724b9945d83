"""Measure the shipped ``lenet_digits`` weights' held-out accuracy on scikit-learn's digits.

Loads the model through the hub as a user would, ``ember.hub.load("lenet_digits",
weights="DEFAULT")`` (the ``file://`` checkpoint inside embervision, copied into
``$EMBER_HOME/hub/checkpoints`` with its sha256 checked), evaluates it on the same 360
held-out digits ``train_lenet_digits.py`` measured, and exits non-zero if the accuracy is
below the one recorded in ``LeNet_Digits_Weights.DEFAULT.meta`` (minus half a point).
``--weights`` evaluates a freshly trained checkpoint instead (a file, or the folder
``train_lenet_digits.py --out-dir`` wrote it to), which must reach 97%.

    python scripts/eval_lenet_digits.py
    python scripts/eval_lenet_digits.py --weights /tmp/w/lenet_digits-0123abcd.safetensors
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import ember
from ember import hub
from embervision.models import LeNet_Digits_Weights, lenet_digits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_lenet_digits import accuracy, split_digits  # noqa: E402 - the script's folder


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, default=None, help="checkpoint file or folder")
    args = parser.parse_args(argv)

    recorded = LeNet_Digits_Weights.DEFAULT.meta["_metrics"]["digits"]["acc@1"]
    if args.weights is None:
        model = hub.load("lenet_digits", weights="DEFAULT")
        source = f"hub.load('lenet_digits', weights='DEFAULT'): {LeNet_Digits_Weights.DEFAULT.url}"
        # The shipped file must reproduce its recorded number, up to BLAS rounding.
        floor = recorded - 0.5
    else:
        path = args.weights
        if path.is_dir():
            found = sorted(path.glob("lenet_digits-*.safetensors"))
            if len(found) != 1:
                raise SystemExit(f"eval_lenet_digits: expected one checkpoint in {path}: {found}")
            path = found[0]
        model = lenet_digits()
        model.load_state_dict(ember.load(path))
        source, floor = str(path), 97.0
    _, x_test, _, y_test = split_digits()
    acc = accuracy(model, x_test, y_test) * 100
    print(source)
    print(f"held-out accuracy ({len(y_test)} digits): {acc:.3f}%  (recorded: {recorded:.3f}%)")
    if acc < floor:
        raise SystemExit(f"eval_lenet_digits: accuracy {acc:.3f}% is below {floor:.3f}%")
    return acc


if __name__ == "__main__":
    main()
