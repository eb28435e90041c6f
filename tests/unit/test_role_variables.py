"""Each role's defaults, meta/argument_specs.yml and README variable table agree.

- every variable in defaults/main.yml is prefixed with the role name and declared in the options of an
  entry point of the role (the one that uses it: main, readiness, failover...), unless it is internal
  (``<role>__name``); each option is prefixed with the role name too;
- a default written as a plain value (no Jinja) is the default the spec documents, when it documents one;
- a README's variable table names only variables the specs declare (``dr_x_a`` / ``_b`` is shorthand
  for ``dr_x_b``).
"""

import re
from pathlib import Path

import pytest
import yaml

ROLES = Path(__file__).resolve().parents[2] / "roles"
ROLE_DIRS = sorted(path for path in ROLES.iterdir() if (path / "meta" / "argument_specs.yml").is_file())


def specs_of(role_dir):
    return yaml.safe_load((role_dir / "meta" / "argument_specs.yml").read_text())["argument_specs"]


def defaults_of(role_dir):
    path = role_dir / "defaults" / "main.yml"
    return (yaml.safe_load(path.read_text()) or {}) if path.is_file() else {}


def declared(role_dir):
    """{option: {entry point: its spec}} over every entry point of the role."""
    options = {}
    for entry, spec in specs_of(role_dir).items():
        for name, option in (spec.get("options") or {}).items():
            options.setdefault(name, {})[entry] = option
    return options


def templated(value):
    if isinstance(value, str):
        return "{{" in value or "{%" in value
    if isinstance(value, dict):
        return any(templated(v) for v in value.values())
    if isinstance(value, list):
        return any(templated(v) for v in value)
    return False


def readme_variables(role_dir):
    """Variable names in the first column of the README's variable table(s)."""
    path = role_dir / "README.md"
    names = []
    if not path.is_file():
        return names
    in_table = False
    for line in path.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if not cells:
            in_table = False
            continue
        if cells[0].lower() == "variable":
            in_table = True
            continue
        if not in_table or set(cells[0]) <= set("-: "):
            continue
        previous = None
        for name in re.findall(r"`([A-Za-z0-9_]+)`", cells[0]):
            if name.startswith("_") and previous:  # `dr_x_wait` / `_timeout`: the same stem, another suffix
                name = previous.rsplit("_", 1)[0] + name
            names.append(name)
            previous = name
    return names


def default_problems(role_dir):
    role = role_dir.name
    options = declared(role_dir)
    problems = []
    for name in defaults_of(role_dir):
        if name.startswith(f"{role}__"):
            continue
        if not name.startswith(f"{role}_"):
            problems.append(f"{name} is not prefixed with {role}_ (or internal {role}__)")
        elif name not in options:
            problems.append(f"{name} has a default but no entry point of meta/argument_specs.yml declares it")
    problems += [f"option {name} is not prefixed with {role}_" for name in options if not name.startswith(f"{role}_")]
    defaults = defaults_of(role_dir)
    problems += [
        f"{name} ({entry}): defaults/main.yml {defaults[name]!r}, argument_specs {option['default']!r}"
        for name, entries in options.items()
        for entry, option in entries.items()
        if name in defaults
        and "default" in option
        and not templated(defaults[name])
        and defaults[name] != option["default"]
    ]
    return problems


def readme_problems(role_dir):
    return sorted(set(readme_variables(role_dir)) - set(declared(role_dir)))


@pytest.mark.parametrize("role_dir", ROLE_DIRS, ids=[path.name for path in ROLE_DIRS])
def test_defaults_and_argument_specs_agree(role_dir):
    problems = default_problems(role_dir)
    assert not problems, f"{role_dir.name}: " + "; ".join(problems)


@pytest.mark.parametrize("role_dir", ROLE_DIRS, ids=[path.name for path in ROLE_DIRS])
def test_readme_table_names_only_declared_variables(role_dir):
    undeclared = readme_problems(role_dir)
    assert not undeclared, f"{role_dir.name}/README.md names variables no argument spec declares: {undeclared}"


def test_the_checks_find_each_kind_of_mismatch(tmp_path):
    role_dir = tmp_path / "dr_demo"
    (role_dir / "meta").mkdir(parents=True)
    (role_dir / "defaults").mkdir()
    (role_dir / "meta" / "argument_specs.yml").write_text(
        "argument_specs:\n"
        "  main:\n    options:\n      dr_demo_size: {type: int, default: 2}\n      other_var: {type: str}\n"
        "  readiness:\n    options:\n      dr_demo_wait: {type: bool}\n      dr_demo_wait_timeout: {type: int}\n"
    )
    (role_dir / "defaults" / "main.yml").write_text(
        "dr_demo_size: 3\ndr_demo_wait: false\ndr_demo_forgotten: 1\ndemo_unprefixed: 1\n"
        'dr_demo__internal: 1\ndr_demo_wait_timeout: "{{ 60 }}"\n'
    )
    (role_dir / "README.md").write_text(
        "Intro\n\n| variable | default |\n| --- | --- |\n| `dr_demo_wait`, `dr_demo_wait_timeout` | `false` |\n"
        "| `dr_demo_size` / `_count` | 2 |\n| `dr_demo_gone` | 1 |\n\n| other | table |\n| `not_a_variable` | x |\n"
    )
    problems = default_problems(role_dir)
    assert problems == [
        "dr_demo_forgotten has a default but no entry point of meta/argument_specs.yml declares it",
        "demo_unprefixed is not prefixed with dr_demo_ (or internal dr_demo__)",
        "option other_var is not prefixed with dr_demo_",
        "dr_demo_size (main): defaults/main.yml 3, argument_specs 2",
    ]
    assert readme_variables(role_dir) == [
        "dr_demo_wait",
        "dr_demo_wait_timeout",
        "dr_demo_size",
        "dr_demo_count",
        "dr_demo_gone",
    ]
    assert readme_problems(role_dir) == ["dr_demo_count", "dr_demo_gone"]
