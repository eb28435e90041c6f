"""The runbook's entry-point list agrees with the roles' meta/argument_specs.yml.

The runbook keeps the list in roles/dr_runbook/vars/main.yml (``dr_runbook__entry_points``) so that the
failover path reads no extra file; these tests fail when the list and the argument specs disagree, and when
a task file's name does not say whether it is an entry point (internal task files start with ``_``).
"""

from pathlib import Path

import pytest
import yaml

ROLES = Path(__file__).resolve().parents[2] / "roles"
RUNBOOK_VARS = yaml.safe_load((ROLES / "dr_runbook" / "vars" / "main.yml").read_text())
ROLE_DIRS = sorted(path for path in ROLES.iterdir() if (path / "meta" / "argument_specs.yml").is_file())


def spec_entry_points(role_dir):
    return sorted(yaml.safe_load((role_dir / "meta" / "argument_specs.yml").read_text())["argument_specs"])


def test_the_runbook_knows_every_component_role():
    # (publish_readiness, cost) rather than running it as a component.
    components = sorted(path.name.removeprefix("dr_") for path in ROLE_DIRS if path.name != "dr_runbook")
    assert sorted(RUNBOOK_VARS["dr_runbook__order"]) == components
    assert sorted(RUNBOOK_VARS["dr_runbook__entry_points"]) == components


@pytest.mark.parametrize("component", RUNBOOK_VARS["dr_runbook__order"])
def test_runbook_entry_points_are_those_of_the_argument_specs(component):
    listed = RUNBOOK_VARS["dr_runbook__entry_points"][component]
    assert sorted(listed) == spec_entry_points(ROLES / f"dr_{component}"), (
        f"roles/dr_runbook/vars/main.yml dr_runbook__entry_points.{component} must list the entry points of "
        f"roles/dr_{component}/meta/argument_specs.yml"
    )


@pytest.mark.parametrize("role_dir", ROLE_DIRS, ids=[path.name for path in ROLE_DIRS])
def test_every_task_file_is_an_entry_point_or_internal(role_dir):
    public = sorted(path.stem for path in (role_dir / "tasks").glob("*.yml") if not path.name.startswith("_"))
    assert public == spec_entry_points(role_dir), (
        f"{role_dir.name}: a task file that is not an entry point in meta/argument_specs.yml must start with '_'"
    )
