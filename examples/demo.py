"""Ember's demo, the main job that ``nox -s demo`` runs.

For now it prints each Ember package's distribution name, import name and version; it
becomes a training run once the core tensor API lands.
"""

import importlib

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


if __name__ == "__main__":
    main()
