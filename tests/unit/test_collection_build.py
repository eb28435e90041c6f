"""`ansible-galaxy collection build` makes a tarball that installs cleanly and works once installed.

The installed copy, not this working tree, must answer `ansible-doc` for every module and list every
role: a file left out by `build_ignore` or a broken `meta/runtime.yml` shows here, not on a user's
controller. Galaxy is never asked (`--offline`, `--no-deps`: the dependencies come with `ansible`).
"""

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
MODULES = sorted(p.stem for p in (REPO_ROOT / "plugins" / "modules").glob("*.py") if p.stem != "__init__")
ROLES = sorted(p.name for p in (REPO_ROOT / "roles").iterdir() if (p / "tasks" / "main.yml").is_file())


def _run(*cmd, env=None, cwd=None):
    result = subprocess.run(
        [str(c) for c in cmd], cwd=cwd or REPO_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(tarball, collections path it was installed into, environment that finds only that copy)."""
    work = tmp_path_factory.mktemp("collection")
    _run(BIN / "ansible-galaxy", "collection", "build", "--force", "--output-path", work / "dist")
    version = yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text())["version"]
    tarball = work / "dist" / f"pilotlight-dr-{version}.tar.gz"
    assert tarball.is_file()
    installed = work / "installed"
    # An empty configuration outside the repository: its ansible.cfg (collections_path = .collections,
    # the working tree) must not be what answers.
    (work / "ansible.cfg").write_text("[defaults]\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_COLLECTIONS_PATH=str(installed), ANSIBLE_CONFIG=str(work / "ansible.cfg"), PYTHONPATH="")
    _run(
        BIN / "ansible-galaxy",
        "collection",
        "install",
        "--offline",
        "--no-deps",
        "-p",
        installed,
        tarball,
        env=env,
        cwd=work,
    )
    return tarball, installed, env, work


def test_tarball_holds_the_collection_and_no_local_state(built):
    tarball = built[0]
    with tarfile.open(tarball) as archive:
        names = set(archive.getnames())
    assert {"MANIFEST.json", "FILES.json", "meta/runtime.yml", "README.md", "LICENSE"} <= names
    assert {f"plugins/modules/{name}.py" for name in MODULES} <= names
    assert {f"roles/{role}/meta/argument_specs.yml" for role in ROLES} <= names
    assert {f"playbooks/{name}.yml" for name in ("provision", "readiness", "failover", "failback", "drill")} <= names
    leaked = [
        n
        for n in names
        if n.split("/")[0] in (".venv", ".collections", ".cache", "reports") or "__pycache__" in n or n.endswith(".pyc")
    ]
    assert leaked == []


def test_installed_copy_documents_every_module(built):
    _dummy, installed, env, work = built
    assert (installed / "ansible_collections" / "pilotlight" / "dr" / "MANIFEST.json").is_file()
    result = _run(
        BIN / "ansible-doc", "-t", "module", "--json", *[f"pilotlight.dr.{m}" for m in MODULES], env=env, cwd=work
    )
    docs = json.loads(result.stdout)
    assert sorted(docs) == [f"pilotlight.dr.{m}" for m in MODULES]
    for name, doc in docs.items():
        assert doc["doc"]["short_description"], name
        assert str(doc["doc"]["collection"]) == "pilotlight.dr", name
    listed = _run(BIN / "ansible-doc", "-t", "role", "--list", "--json", "pilotlight.dr", env=env, cwd=work)
    assert sorted(json.loads(listed.stdout)) == sorted(f"pilotlight.dr.{role}" for role in ROLES)
