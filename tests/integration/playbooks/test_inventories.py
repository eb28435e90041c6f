"""Every inventory parses, names only known components, and every playbook passes a syntax check."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT
from tests.conftest import ansible_env

INVENTORIES = sorted(p.name for p in (REPO_ROOT / "inventories").iterdir() if p.is_dir())
PLAYBOOKS = sorted(p.name for p in (REPO_ROOT / "playbooks").glob("*.yml"))
KNOWN = yaml.safe_load((REPO_ROOT / "roles/dr_runbook/vars/main.yml").read_text())["dr_runbook__order"]


def bin_(name):
    return str(Path(sys.executable).parent / name)


@pytest.mark.parametrize("inventory", INVENTORIES)
def test_inventory_lists_applications_with_known_components(inventory):
    result = subprocess.run(
        [bin_("ansible-inventory"), "-i", f"inventories/{inventory}", "--list"],
        cwd=REPO_ROOT,
        env=ansible_env("http://127.0.0.1:9"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    apps = data["pilotlight_apps"]["hosts"]
    assert apps, f"{inventory} has no application in group pilotlight_apps"
    for app in apps:
        host = data["_meta"]["hostvars"][app]
        assert set(host["pilotlight_components"]) <= set(KNOWN), (app, host["pilotlight_components"])
        assert host["pilotlight_primary_region"] != host["pilotlight_dr_region"]
        for component in host["pilotlight_components"]:
            assert (REPO_ROOT / "roles" / f"dr_{component}").is_dir()


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_playbook_syntax(playbook):
    result = subprocess.run(
        [bin_("ansible-playbook"), "--syntax-check", "-i", "inventories/local", f"playbooks/{playbook}"],
        cwd=REPO_ROOT,
        env=ansible_env("http://127.0.0.1:9"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
