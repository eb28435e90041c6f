"""The AWX execution environment and project dependencies (issue 12, part 1).

`ansible-builder create` must produce the EE's build context offline; the image build itself needs
podman/docker and the base image (documented in the README, not run here). The collections AWX's
project sync installs must be the versions `make test` runs against, and the context must hold
pilotlight.dr itself so that the image's galaxy stage can install it.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def bundled_version(name):
    import ansible_collections

    for root in ansible_collections.__path__:
        manifest = Path(root) / name.replace(".", "/") / "MANIFEST.json"
        if manifest.exists():
            return json.loads(manifest.read_text())["collection_info"]["version"]
    return None


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    target = tmp_path_factory.mktemp("ee") / "context"
    result = subprocess.run(
        [str(BIN / "ansible-builder"), "create", "-f", "execution-environment.yml", "-c", str(target)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return target


def test_build_context_installs_pinned_ansible_and_the_collection_requirements(context):
    containerfile = (context / "Dockerfile").read_text()
    pins = {line.split("==")[0]: line for line in (REPO_ROOT / "requirements.txt").read_text().split() if "==" in line}
    assert pins["ansible-core"] in containerfile
    assert "ansible-runner==" in containerfile
    assert "ansible-galaxy collection install" in containerfile and "-r requirements.yml" in containerfile
    python = (context / "_build" / "requirements.txt").read_text()
    assert pins["boto3"] in python and pins["botocore"] in python


def test_project_collections_are_the_bundled_versions():
    requirements = yaml.safe_load((REPO_ROOT / "collections" / "requirements.yml").read_text())["collections"]
    galaxy = {entry["name"]: entry for entry in requirements if entry.get("type", "galaxy") == "galaxy"}
    assert {"amazon.aws", "community.aws", "community.general", "awx.awx"} <= set(galaxy)
    for name, entry in galaxy.items():
        assert str(entry["version"]) == bundled_version(name), f"{name} differs from the pinned ansible package"
    ours = [entry for entry in requirements if entry["name"] == "pilotlight.dr"]
    assert ours == [{"name": "pilotlight.dr", "type": "dir", "source": "./"}]


def test_the_context_holds_an_installable_pilotlight_dr(context, tmp_path):
    build = context / "_build"
    only_ours = tmp_path / "ours.yml"
    requirements = yaml.safe_load((build / "requirements.yml").read_text())
    only_ours.write_text(
        yaml.safe_dump({"collections": [c for c in requirements["collections"] if c["name"] == "pilotlight.dr"]})
    )
    result = subprocess.run(
        [
            str(BIN / "ansible-galaxy"),
            "collection",
            "install",
            "-r",
            str(only_ours),
            "-p",
            str(tmp_path / "c"),
            "--no-deps",
            "--offline",
            "--force",
        ],
        cwd=build,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    installed = tmp_path / "c" / "ansible_collections" / "pilotlight" / "dr"
    modules = sorted(p.name for p in (installed / "plugins" / "modules").glob("*.py") if p.name != "__init__.py")
    assert modules == sorted(
        p.name for p in (REPO_ROOT / "plugins" / "modules").glob("*.py") if p.name != "__init__.py"
    )
    assert sorted(p.name for p in (installed / "roles").iterdir()) == sorted(
        p.name for p in (REPO_ROOT / "roles").iterdir()
    )
    shutil.rmtree(tmp_path / "c")


def test_collection_declares_its_ee_dependencies():
    meta = yaml.safe_load((REPO_ROOT / "meta" / "execution-environment.yml").read_text())
    assert meta["version"] == 1
    for kind in ("python", "system"):
        assert (REPO_ROOT / meta["dependencies"][kind]).is_file()
