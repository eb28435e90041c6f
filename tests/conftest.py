"""Fixtures shared by every test: the local AWS emulator and ways to run our modules against it.

* ``emulator``: the session's emulator, reset before the test; boto3 and Ansible in this process
  point at it (``AWS_ENDPOINT_URL``, dummy credentials). Returns an EmulatorClient.
* ``gap_emulator``: runs the test twice, on plain moto (expected to fail: ``xfail(strict=True)``)
  and on our emulator, to prove that an extension fills a real gap.
* ``run_module``: runs a module's ``main()`` in this process with real HTTP to the emulator.
* ``run_playbook``: runs ``ansible-playbook`` as a subprocess against the emulator.
"""

import contextlib
import importlib
import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
COLLECTIONS_DIR = REPO_ROOT / ".collections"


def _ensure_collection_link():
    """The working tree must be importable as ansible_collections.pilotlight.dr (make venv does it too)."""
    link = COLLECTIONS_DIR / "ansible_collections" / "pilotlight" / "dr"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(Path("../../.."), target_is_directory=True)
    if str(COLLECTIONS_DIR) not in sys.path:
        sys.path.insert(0, str(COLLECTIONS_DIR))


_ensure_collection_link()

from tests.emulator.client import EmulatorClient  # noqa: E402
from tests.emulator.launcher import EmulatorProcess  # noqa: E402
from tests.emulator.launcher import emulator_env  # noqa: E402


def pytest_configure(config):
    # SIGTERM normally kills pytest without teardown; make it unwind so the emulator is stopped.
    def _terminate(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, _terminate)
    _refuse_broken_loadgroup(config)


def _refuse_broken_loadgroup(config):
    # The runbook tests are a story on one emulator (provision, failover, failback): they rely on
    # --dist loadgroup keeping an xdist_group on one worker. pytest 9.2 with pytest-xdist 3.8 silently
    # ignores the groups (pytest-dev/pytest-xdist#1386); refuse to run rather than fail at random.
    if getattr(config.option, "dist", None) != "loadgroup" or hasattr(config, "workerinput"):
        return
    from importlib.metadata import version

    def release(name):
        return tuple(int(part) for part in version(name).split(".")[:2] if part.isdigit())

    if release("pytest") >= (9, 2) and release("pytest-xdist") <= (3, 8):
        raise pytest.UsageError(
            f"pytest {version('pytest')} with pytest-xdist {version('pytest-xdist')} ignores xdist_group under "
            "--dist loadgroup, so the runbook tests would be split across workers. Install the versions pinned "
            "in constraints.txt (make venv)."
        )


def _refuse_real_aws():
    if os.environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() in ("1", "true", "yes"):
        pytest.exit(
            "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is set: boto3 would ignore the emulator's endpoint and call "
            "real AWS. Unset it to run the tests.",
            returncode=4,
        )


@contextlib.contextmanager
def _pointed_at(endpoint):
    saved = {key: os.environ.get(key) for key in emulator_env(endpoint)}
    os.environ.update(emulator_env(endpoint))
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _start(tmp_path_factory, *extra_args):
    log = tmp_path_factory.getbasetemp() / f"emulator{'-plain' if extra_args else ''}.log"
    process = EmulatorProcess(log_path=log, extra_args=extra_args)
    process.start()
    return process


@pytest.fixture(scope="session")
def emulator_process(tmp_path_factory):
    _refuse_real_aws()
    process = _start(tmp_path_factory)
    with _pointed_at(process.endpoint):
        yield process
    process.stop()


@pytest.fixture(scope="session")
def plain_moto_process(tmp_path_factory):
    _refuse_real_aws()
    process = _start(tmp_path_factory, "--no-extensions")
    yield process
    process.stop()


@pytest.fixture
def emulator(emulator_process):
    client = EmulatorClient(emulator_process.endpoint)
    client.reset()
    with _pointed_at(emulator_process.endpoint):
        yield client


@pytest.fixture(params=["plain-moto", "emulator"])
def gap_emulator(request, emulator_process):
    """The test body must pass on the emulator and fail on plain moto (the gap the extension fills)."""
    if request.param == "plain-moto":
        request.applymarker(pytest.mark.xfail(strict=True, reason="plain moto lacks this behaviour"))
        process = request.getfixturevalue("plain_moto_process")
    else:
        process = emulator_process
    client = EmulatorClient(process.endpoint)
    client.reset()
    client.kind = request.param
    with _pointed_at(process.endpoint):
        yield client


class ModuleResult(dict):
    @property
    def failed(self):
        return bool(self.get("failed"))

    @property
    def changed(self):
        return bool(self.get("changed"))


def _module_path(name):
    if name.count(".") == 2:  # namespace.collection.module
        namespace, collection, module = name.split(".")
        return f"ansible_collections.{namespace}.{collection}.plugins.modules.{module}"
    return f"ansible_collections.pilotlight.dr.plugins.modules.{name}"


def invoke_module(name, args, check=False, diff=False):
    """Run a module's main() here and return its JSON result (real HTTP to AWS_ENDPOINT_URL)."""
    from ansible.module_utils.testing import patch_module_args

    module = importlib.import_module(_module_path(name))
    module_args = dict(args)
    module_args.update(_ansible_check_mode=check, _ansible_diff=diff)
    out = io.StringIO()
    with patch_module_args(module_args), contextlib.redirect_stdout(out):
        try:
            module.main()
        except SystemExit:
            pass
    text = out.getvalue()
    try:
        return ModuleResult(json.loads(text))
    except ValueError:
        raise AssertionError(f"module {name} printed no JSON result: {text!r}") from None


@pytest.fixture
def run_module(emulator):
    """``run_module("ami_cross_copy", {...}, check=True, diff=True)`` -> the module's result dict."""
    return invoke_module


def ansible_env(endpoint):
    env = dict(os.environ)
    env.update(emulator_env(endpoint))
    env.update(
        ANSIBLE_CONFIG=str(REPO_ROOT / "ansible.cfg"),
        ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS_DIR),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        PYTHONPATH=str(COLLECTIONS_DIR),
    )
    return env


@pytest.fixture
def run_playbook(emulator):
    """``run_playbook("playbooks/x.yml", "-e", "k=v", check=False)`` -> CompletedProcess (text)."""

    def run(playbook, *args, check=False, inventory=None, env=None, timeout=900):
        cmd = [str(Path(sys.executable).parent / "ansible-playbook"), str(REPO_ROOT / playbook)]
        if inventory:
            cmd += ["-i", str(REPO_ROOT / inventory)]
        if check:
            cmd.append("--check")
        cmd += list(args)
        full_env = ansible_env(emulator.endpoint)
        full_env.update(env or {})
        return subprocess.run(
            cmd, cwd=REPO_ROOT, env=full_env, capture_output=True, text=True, timeout=timeout, check=False
        )

    return run


@pytest.fixture
def run_examples(emulator, tmp_path):
    """``run_examples("ami_cross_copy")`` runs a module's EXAMPLES, as written, as one playbook.

    Set up whatever the examples expect (with boto3) first. Returns the CompletedProcess; the
    playbook's output is in ``.stdout``. ``region`` sets module_defaults for the whole play.
    """

    def run(name, region="ap-northeast-1", extra_vars=None, check=False):
        import yaml

        module = importlib.import_module(_module_path(name))
        play = {
            "name": f"EXAMPLES of {name}",
            "hosts": "localhost",
            "connection": "local",
            "gather_facts": False,
            "module_defaults": {"group/pilotlight.dr.aws": {"region": region}},
            "vars": dict(extra_vars or {}),
            "tasks": yaml.safe_load(module.EXAMPLES),
        }
        playbook = tmp_path / f"examples_{name}.yml"
        playbook.write_text(yaml.safe_dump([play], sort_keys=False))
        cmd = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", str(playbook)]
        if check:
            cmd.append("--check")
        return subprocess.run(
            cmd,
            cwd=REPO_ROOT,
            env=ansible_env(emulator.endpoint),
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )

    return run
