"""Ember's task runner: ``nox -l`` lists the sessions, ``nox -s NAME`` runs one.

Every session gets a fresh virtualenv and installs Ember's packages from this working tree
exactly as a user would (``pip install ./packages/core ./packages/vision``), so a test
passes only against what a real install contains. Tests run from the repository root,
which holds the shared pytest and ruff configuration (pyproject.toml).
"""

import shutil
from pathlib import Path

import nox

nox.options.reuse_existing_virtualenvs = False

# package name -> source directory. ``ember`` (core) is not on PyPI, so every session that
# installs a domain package installs core from the tree alongside it.
PACKAGES = {
    "core": "./packages/core",
    "vision": "./packages/vision",
    "text": "./packages/text",
    "audio": "./packages/audio",
    "rl": "./packages/rl",
}
CORE = PACKAGES["core"]
# The PyTorch reference the tests compare against and the benchmarks time against. Always
# pinned: an unpinned ``torch`` would pull a multi-GB CUDA build.
TORCH = "torch==2.13.0"
# ``tests`` parameters whose tests compare against PyTorch (vision: checkpoints written by
# real torch.save) and so also install TORCH.
NEEDS_TORCH = {"core", "vision", "all"}
TEST_DEPS = ("pytest>=8", "hypothesis")


def install(session: nox.Session, *requirements: str) -> None:
    """``pip install`` the requirements, building the tree's packages from a clean slate."""
    # setuptools stages a package in packages/<name>/build/lib and never prunes it, so a
    # module deleted from src/ would live on in the next wheel: remove that stage first.
    for requirement in requirements:
        if requirement.startswith("./packages/"):
            shutil.rmtree(Path(requirement.partition("[")[0]) / "build", ignore_errors=True)
    session.install(*requirements)


@nox.session
@nox.parametrize("package", [*PACKAGES, "all"])
def tests(session: nox.Session, package: str) -> None:
    """Run one package's tests (``all``: install every package, run the top-level tests)."""
    sources = PACKAGES.values() if package == "all" else {CORE, PACKAGES[package]}
    # core's tests read SummaryWriter's event files back with TensorBoard's own reader and
    # start real MPI ranks (the distributed extra: mpi4py + mpich wheels, no system MPI).
    sources = [f"{CORE}[tensorboard,distributed]" if s == CORE else s for s in sources]
    extra = ["tensorboard"] if package in ("core", "all") else []
    torch = [TORCH] if package in NEEDS_TORCH else []
    # One pip call, so the resolver sees the packages and the test tools together.
    install(session, *sources, *TEST_DEPS, *torch, *extra)
    if package == "all":
        session.run("pytest", "tests", *session.posargs)
    elif package == "core":
        # One run: the unit tests plus every docstring example in the installed package.
        doctests = ["--doctest-modules", "--pyargs", "ember"]
        session.run("pytest", "packages/core/tests", *doctests, *session.posargs)
    elif package == "vision":
        # Unit tests plus embervision's docstring examples, as for core.
        doctests = ["--doctest-modules", "--pyargs", "embervision"]
        session.run("pytest", "packages/vision/tests", *doctests, *session.posargs)
    else:
        session.run("pytest", f"packages/{package}/tests", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Check lint and formatting with ruff (configuration in pyproject.toml)."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def bench(session: nox.Session) -> None:
    """Time Ember against PyTorch: ``nox -s bench -- [NAME ...]`` filters workloads."""
    # embervision for the ResNet workloads (their PyTorch side is a plain-torch twin); the
    # distributed extra for the 2-rank all-reduce and DDP workloads.
    install(session, f"{CORE}[distributed]", PACKAGES["vision"], TORCH)
    session.run("python", "-m", "benchmarks", *session.posargs)


@nox.session
def demo(session: nox.Session) -> None:
    """Run the demo (examples/demo.py) with every package installed."""
    # scikit-learn ships the 8x8 digits the CNN demo trains on; tqdm draws its progress bars.
    # The tensorboard extra: the CNN demo logs its training curve with SummaryWriter.
    others = [p for p in PACKAGES.values() if p != CORE]
    install(session, f"{CORE}[tensorboard,distributed]", *others, "scikit-learn", "tqdm")
    session.run("python", "examples/demo.py", *session.posargs)


@nox.session
def digits(session: nox.Session) -> None:
    """Retrain lenet_digits (scripts/train_lenet_digits.py), then evaluate the shipped weights
    through ember.hub and the fresh ones on the held-out digits."""
    # scikit-learn ships the digits (scripts only: the packages never import it).
    install(session, CORE, PACKAGES["vision"], "scikit-learn", "tqdm")
    out = Path(session.create_tmp())
    # A scratch hub cache and weights folder: a run touches neither the tree nor the user's cache.
    env = {"EMBER_HOME": str(out / "ember_home")}
    shutil.rmtree(out / "weights", ignore_errors=True)
    # The layers are tiny: one BLAS thread per matmul is faster than a contended pool.
    train_env = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    weights = ["--out-dir", str(out / "weights")]
    session.run("python", "scripts/train_lenet_digits.py", *weights, env=train_env)
    session.run("python", "scripts/eval_lenet_digits.py", env=env)
    session.run("python", "scripts/eval_lenet_digits.py", "--weights", str(out / "weights"))
