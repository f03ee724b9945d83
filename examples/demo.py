"""Ember's demo, the main job that ``nox -s demo`` runs.

It prints each Ember package's version, trains a 2-layer MLP written with raw Ember ops
and autograd (``examples/train_mlp.py``), then a small CNN with ``ember.nn``/``optim`` on
scikit-learn's digits, logging its training curve to TensorBoard under ``runs/`` and
checkpointed and reloaded (``examples/train_cnn.py``), and finally loads models through
``ember.hub`` (``examples/hub_models.py``): a randomly initialised ResNet-50 run on a
synthetic image, and Ember's pretrained ``lenet_digits`` scored on the held-out digits.
With ``--distributed`` (``nox -s demo -- --distributed``) it ends with a 2-rank
DistributedDataParallel training of a CNN (``examples/train_ddp.py``) started through
``python -m ember.distributed.run``.
"""

import importlib
import os
import subprocess
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
    print()
    import hub_models  # ember.hub: entry points, Weights enums, packaged pretrained weights

    hubbed = hub_models.main()
    # resnet50 belongs to the model zoo and may be skipped with a note; lenet_digits'
    # weights ship with embervision, so failing to load or score them fails the demo.
    digits = hubbed["lenet_digits"]
    if digits is None or digits["accuracy"] < 0.97:
        raise SystemExit("demo: the pretrained lenet_digits did not load or score >= 97%")
    if "--distributed" in sys.argv[1:]:
        print("\n2-rank DDP training through python -m ember.distributed.run (MPI):")
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "train_ddp.py")
        launcher = [sys.executable, "-m", "ember.distributed.run", "--nproc-per-node", "2"]
        subprocess.run([*launcher, script, "--epochs", "2"], check=True)


if __name__ == "__main__":
    main()
