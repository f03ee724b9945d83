"""The README's tour runs as written."""

import pathlib
import re

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def test_readme_tour_runs(capsys):
    text = README.read_text()
    blocks = re.findall(r"## Tour\n\n```python\n(.*?)```", text, re.S)
    assert blocks, "README.md has no python block under '## Tour'"
    exec(compile(blocks[0], "README.md tour", "exec"), {})
    printed = capsys.readouterr().out
    assert "ember.Size([2, 2]) ember.float32" in printed
