"""Ember's demo, the main job that ``nox -s demo`` runs.

It prints each Ember package's version, trains a 2-layer MLP written with raw Ember ops
and autograd (``examples/train_mlp.py``), then a small CNN with ``ember.nn``/``optim`` on
scikit-learn's digits, checkpointed and reloaded (``examples/train_cnn.py``).
"""

import importlib
import os
import sys

# distribution name -> import name
PACKAGES = {
    "ember": "ember",
    "ember-vision": "embervision",
    "ember-text": "embertext",
    "ember-audio": "emberaudio",
    "ember-rl": "emberrl",
}


def main() -> None:
    for distribution, module in PACKAGES.items():
        version = importlib.import_module(module).__version__
        print(f"{distribution:<14} import {module:<12} {version}")
    print()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import train_mlp

    result = train_mlp.main()
    (first_loss, first_acc), (last_loss, last_acc) = result["first"], result["last"]
    if not (last_loss < first_loss and last_acc > first_acc):
        raise SystemExit("demo: training did not improve the model")
    print()
    import train_cnn  # ember.nn + optim + lr_scheduler + save/load on real 8x8 digits

    cnn = train_cnn.main()
    if not (cnn["after"] > cnn["before"] and cnn["reloaded_identical"]):
        raise SystemExit("demo: the CNN did not learn or its checkpoint did not round-trip")


if __name__ == "__main__":
    main()
