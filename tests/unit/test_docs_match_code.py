"""What README.md and docs/*.md tell a lab to type is what the code takes.

A lab follows the documents word for word: every environment variable the settings read is in
README's configuration table with the default the code uses, every ``manage.py COMMAND --flag``
written in the documents is an option of that command, and every ``METHOD /api/...`` address
resolves to a view that answers that method.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.core.management import get_commands, load_command_class
from django.urls import Resolver404, resolve

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


def _text(path: Path) -> str:
    """The document with shell line continuations joined."""
    return re.sub(r"\\\n\s*", " ", path.read_text())


def _settings_reads() -> dict[str, object]:
    """Each variable ``cellweb/settings.py`` reads, with its default when that is a literal."""
    reads: dict[str, object] = {}
    tree = ast.parse((ROOT / "cellweb" / "settings.py").read_text())
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        if not (node.func.id.startswith("env_") or node.func.id == "secret_key"):
            continue
        name = node.args[0].value
        default = node.args[1] if len(node.args) > 1 and node.func.id != "secret_key" else None
        reads[name] = ast.literal_eval(default) if isinstance(default, ast.Constant) else None
    return reads


def _configuration_table() -> dict[str, str]:
    """README's configuration table: variable name to its default cell."""
    section = (ROOT / "README.md").read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        names = re.findall(r"`([A-Z][A-Z0-9_]*)`", cells[0]) if len(cells) >= 3 else []
        for shorthand in re.findall(r"`(_[A-Z0-9_]+)`", cells[0]) if names else []:
            names.append(names[0].rsplit("_", 1)[0] + shorthand)
        for name in names:
            rows[name] = cells[1]
    return rows


def test_every_variable_the_settings_read_is_in_the_readme_table_and_back():
    reads, table = _settings_reads(), _configuration_table()
    assert sorted(set(reads) - set(table)) == []
    assert sorted(set(table) - set(reads)) == []


def test_the_readme_table_states_the_settings_defaults():
    table = _configuration_table()
    wrong = {}
    for name, default in _settings_reads().items():
        cell = table[name].strip("`").lower()
        if isinstance(default, bool):
            if cell != str(default).lower():
                wrong[name] = (table[name], default)
        elif (
            isinstance(default, int | float)
            and re.fullmatch(r"[\d.]+", cell)
            and float(cell) != default
        ):
            wrong[name] = (table[name], default)
    assert wrong == {}


def _our_commands() -> dict[str, set[str]]:
    commands = get_commands()
    options = {}
    for name, app in commands.items():
        if app in {"annotations", "inference", "cellweb"}:
            parser = load_command_class(app, name).create_parser("manage.py", name)
            options[name] = {flag for action in parser._actions for flag in action.option_strings}
    return options


def test_every_manage_py_command_and_flag_in_the_docs_exists():
    commands, all_django = _our_commands(), set(get_commands())
    wrong = []
    for doc in DOCS:
        for match in re.finditer(r"manage\.py ([a-z_]+)([^`|\n]*)", _text(doc)):
            name, rest = match.group(1), match.group(2).split("  #")[0]
            if name not in commands:
                if name not in all_django:
                    wrong.append(f"{doc.name}: manage.py {name}")
                continue
            wrong += [
                f"{doc.name}: {name} {f}" for f in FLAG.findall(rest) if f not in commands[name]
            ]
    assert wrong == []


def test_every_api_address_the_docs_give_a_method_resolves_with_that_method():
    wrong = []
    for doc in DOCS:
        for match in re.finditer(
            r"\b(GET|POST|PUT|PATCH|DELETE) `?(/api/(?:\{[^}\s]*\}|[^\s`?\[|,;)])*)", _text(doc)
        ):
            method, path = match.group(1), match.group(2).rstrip(".:")
            concrete = re.sub(r"<[^>]+>|\{[^}|]+\}", "1", path)
            concrete = re.sub(r"\{[^}]+\}", "gt", concrete.replace("SLUG", "demo"))
            try:
                view = resolve(concrete).func
            except Resolver404:
                wrong.append(f"{doc.name}: {method} {path} does not resolve")
                continue
            cls = getattr(view, "cls", None) or getattr(view, "view_class", None)
            if cls is not None and not hasattr(cls, method.lower()):
                wrong.append(f"{doc.name}: {path} answers no {method}")
    assert wrong == []


CITED = re.compile(
    r"`((?:annotations|inference|cellweb|tests|bench|frontend|docs|docker)/[\w./-]+\.(?:py|ts|md|yml|toml|json|html|css|sh|txt))\b"
)


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: doc.name)
def test_every_repository_file_the_docs_cite_exists(doc):
    cited = set(CITED.findall(doc.read_text()))
    assert sorted(path for path in cited if not (ROOT / path).exists()) == []
