"""Repository-wide pytest setup, shared by every package's tests and the doctests."""

import pytest


@pytest.fixture(autouse=True, scope="session")
def _ember_in_doctest_namespace(doctest_namespace):
    # Docstring examples write ``ember.exp(...)`` without an import line, as torch's do.
    import ember

    doctest_namespace["ember"] = ember
