"""What the README promises that a test can hold it to: the predeclared prefixes, shell commands
that work in zsh as in bash, and the settings table."""

from __future__ import annotations

import re

from graph.namespaces import PREFIXES
from graph.settings import PROJECT_ROOT, Settings

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def test_every_predeclared_prefix_is_listed() -> None:
    sentence = README.split("Every query has these prefixes predeclared:", 1)[1].split("\n\n", 1)[0]
    listed = re.findall(r"`([a-z]+):`", sentence)
    assert sorted(listed) == sorted(PREFIXES)


def test_urls_in_curl_commands_are_quoted() -> None:
    """zsh reads an unquoted `?` as a glob ("no matches found") and `&` ends the command."""
    for line in README.splitlines():
        if not line.lstrip().startswith("curl"):
            continue
        for word in re.findall(r"(?<=\s)(\S*(?:localhost|127\.0\.0\.1|\$API)\S*)", line):
            if any(c in word for c in "?&"):
                assert word[0] in "'\"", f"quote the URL in: {line}"


def test_every_setting_is_documented() -> None:
    table = README.split("## Settings", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`ACTORGRAPH_([A-Z_]+)`", table))
    fields = {name.upper() for name in Settings.model_fields}
    assert fields <= documented, sorted(fields - documented)
