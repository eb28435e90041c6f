"""Bad input for every role entry point (issue 16): a wrong-typed variable stops the entry point before
its first task, with a message that names the variable, and nothing is called (request log).

For each role and entry point of meta/argument_specs.yml, one option of type list, dict or bool gets a
value of another shape; Ansible's argument-spec validation must refuse it.
"""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT
from tests.conftest import ansible_env

WRONG = {"list": {"not": "a list"}, "dict": ["not", "a", "dict"], "bool": "maybe"}


def cases():
    found = []
    for specs in sorted((REPO_ROOT / "roles").glob("*/meta/argument_specs.yml")):
        role = specs.parents[1].name
        for entry, spec in yaml.safe_load(specs.read_text())["argument_specs"].items():
            options = spec.get("options") or {}
            typed = [(name, o["type"]) for name, o in sorted(options.items()) if o.get("type") in WRONG]
            if typed:
                found.append(pytest.param(role, entry, *typed[0], id=f"{role}-{entry}-{typed[0][0]}"))
    return found


def test_every_role_has_a_case():
    roles = {p.parents[1].name for p in (REPO_ROOT / "roles").glob("*/meta/argument_specs.yml")}
    assert {c.values[0] for c in cases()} == roles


@pytest.mark.parametrize("role,entry,option,kind", cases())
def test_a_wrong_type_stops_the_entry_point_before_any_call(role, entry, option, kind, emulator, tmp_path):
    playbook = tmp_path / "play.yml"
    playbook.write_text(
        yaml.safe_dump(
            [
                {
                    "hosts": "localhost",
                    "gather_facts": False,
                    "vars": {
                        "pilotlight_primary_region": "ap-northeast-2",
                        "pilotlight_dr_region": "ap-northeast-1",
                        option: WRONG[kind],
                    },
                    "tasks": [{"ansible.builtin.include_role": {"name": f"pilotlight.dr.{role}", "tasks_from": entry}}],
                }
            ]
        )
    )
    since = emulator.last_seq()
    result = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), str(playbook)],
        cwd=REPO_ROOT,
        env=ansible_env(emulator.endpoint),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert "Validating arguments against arg spec" in output and option in output, output[-3000:]
    assert emulator.calls(since) == []
