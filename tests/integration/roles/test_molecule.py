"""Every role's molecule scenarios (converge, idempotence, verify) against the local AWS emulator.

Each scenario found under roles/*/molecule/* is one test. The session's emulator is shared; the
scenarios' prepare step resets it, so they must not run concurrently against the same emulator.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.conftest import ansible_env

SCENARIOS = sorted(
    path.parent.relative_to(REPO_ROOT) for path in (REPO_ROOT / "roles").glob("*/molecule/*/molecule.yml")
)


@pytest.mark.molecule
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[f"{s.parts[1]}-{s.parts[3]}" for s in SCENARIOS])
def test_molecule_scenario(scenario, emulator, tmp_path):
    role_dir = REPO_ROOT / scenario.parents[1]
    env = ansible_env(emulator.endpoint)
    env["MOLECULE_NO_LOG"] = "false"
    # molecule runs ansible-config and ansible-playbook from PATH: those of this virtualenv, also when
    # pytest is started without `make` (which puts .venv/bin first).
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    # A fresh ephemeral directory per run: molecule keeps "prepared" state there and would skip the
    # prepare step (the emulator reset) on a second run otherwise.
    env["MOLECULE_EPHEMERAL_DIRECTORY"] = str(tmp_path / "molecule")
    result = subprocess.run(
        [str(Path(sys.executable).parent / "molecule"), "test", "-s", scenario.name],
        cwd=role_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"molecule test failed for {scenario}:\n{output[-8000:]}"
