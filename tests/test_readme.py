"""The README stays true for a newcomer with only a clone."""

from __future__ import annotations

import re

from core.settings import PROJECT_ROOT

_LINK = re.compile(r"\]\((?!https?://|#)([^)\s]+)\)")


def test_every_local_link_in_the_readme_resolves_in_a_clone() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    targets = _LINK.findall(readme)
    assert targets, "the README links to its design notes"
    missing = [t for t in targets if not (PROJECT_ROOT / t.split("#", 1)[0]).exists()]
    assert not missing, missing
    assert "../shared/" not in readme
