"""Run a playbook the way AWX / Automation Controller runs a job: ansible-runner on a private data dir.

The layout AWX builds for a job (ansible-runner's input directory):

    <private data dir>/project/            the project checkout (tracked files of this repository)
    <private data dir>/inventory/hosts.yml the job's inventory
    <private data dir>/env/extravars       the survey answers (and the workflow's artifacts)
    <private data dir>/env/envvars         the credential's environment (AWS keys, endpoint)
    <private data dir>/requirements_collections/  what project sync installed from collections/requirements.yml

ansible-runner then sets its own stdout callback (the event emitter AWX reads) and writes the
artifacts: status, rc, job events (with the set_stats artifacts in the stats event) and stdout.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import REPO_ROOT

IGNORED = shutil.ignore_patterns(
    ".git", ".venv", ".cache", ".collections", "__pycache__", ".pytest_cache", "reports", "tests"
)


def private_data_dir(root, inventory, extravars, envvars):
    """Lay out an AWX-style private data dir under ``root`` and return its path."""
    root = Path(root)
    shutil.copytree(REPO_ROOT, root / "project", ignore=IGNORED)
    collections = root / "requirements_collections"
    requirements = yaml.safe_load((REPO_ROOT / "collections" / "requirements.yml").read_text())["collections"]
    local = root / "local-requirements.yml"
    # Project sync, offline: the Galaxy entries are the bundled collections; install the project's own entry.
    local.write_text(yaml.safe_dump({"collections": [c for c in requirements if c.get("type") == "dir"]}))
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible-galaxy"),
            "collection",
            "install",
            "-r",
            str(local),
            "-p",
            str(collections),
            "--no-deps",
            "--offline",
            "--force",
        ],
        cwd=root / "project",
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (root / "inventory").mkdir()
    shutil.copytree(REPO_ROOT / inventory, root / "inventory", dirs_exist_ok=True)
    (root / "env").mkdir()
    (root / "env" / "extravars").write_text(yaml.safe_dump(extravars))
    envvars = dict(envvars, ANSIBLE_COLLECTIONS_PATH=str(collections))
    (root / "env" / "envvars").write_text(yaml.safe_dump(envvars))
    return root


def run(root, playbook, ident):
    """ansible_runner.run as AWX calls it; returns the Runner (status, rc, stats, events)."""
    import ansible_runner

    # The execution environment has ansible-playbook on its PATH; here it is the virtualenv's.
    venv_bin = str(Path(sys.executable).parent)
    if venv_bin not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = venv_bin + os.pathsep + os.environ.get("PATH", "")
    return ansible_runner.run(private_data_dir=str(root), playbook=playbook, ident=ident, quiet=True)


def artifacts(runner):
    """The set_stats data of the run (what AWX stores as the job's artifacts)."""
    for event in runner.events:
        if event.get("event") == "playbook_on_stats":
            return event.get("event_data", {}).get("artifact_data", {})
    return {}


def stdout(runner):
    return Path(runner.config.artifact_dir, "stdout").read_text()
