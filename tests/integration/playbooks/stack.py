"""A provisioned pilot light on its own emulator, for the runbook tests (one per test module).

``EmulatorSession`` is the lifecycle (an emulator with its log, this process's AWS environment pointed at it,
both undone by ``close``); ``EmulatedStack`` adds ansible-playbook runs with a test's inventory arguments;
``Stack`` is MegaTicket and PortForge's database on the combined vars, the stack most runbook tests share.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT
from tests.conftest import ansible_env
from tests.demo.production import MegaTicketProduction
from tests.demo.production import PortForgeProduction
from tests.emulator.launcher import EmulatorProcess
from tests.emulator.launcher import emulator_env

INVENTORY = ["-i", "inventories/local", "-l", "megaticket", "-e", "@tests/integration/playbooks/vars/combined.yml"]


class EmulatorSession:
    """An emulator for ``tmp_path``, with boto3 in this process pointed at it until ``close``."""

    def __init__(self, tmp_path, latency=None):
        self.tmp_path = tmp_path
        self.emulator = EmulatorProcess(log_path=tmp_path / "emulator.log").start()
        self.client = self.emulator.client
        if latency:
            self.client.configure(latency=latency)
        self._saved = {key: os.environ.get(key) for key in emulator_env(self.emulator.endpoint)}
        os.environ.update(emulator_env(self.emulator.endpoint))

    def close(self):
        for key, value in self._saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self.emulator.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


class EmulatedStack(EmulatorSession):
    """Playbooks of this repository run against the emulator with ``arguments`` (inventory, limit, vars)."""

    tail = 6000  # characters of a failed run's stdout that ``must`` shows

    def __init__(self, tmp_path, arguments, latency=None):
        super().__init__(tmp_path, latency=latency)
        self.arguments = list(arguments)
        self.env = ansible_env(self.emulator.endpoint)
        self.env["PILOTLIGHT_REPORT_DIR"] = str(tmp_path / "reports")

    def playbook(self, name, *args, check=False):
        cmd = [str(Path(sys.executable).parent / "ansible-playbook"), f"playbooks/{name}.yml", *self.arguments, *args]
        if check:
            cmd.append("--check")
        return subprocess.run(
            cmd, cwd=REPO_ROOT, env=self.env, capture_output=True, text=True, timeout=900, check=False
        )

    def must(self, name, *args, check=False):
        result = self.playbook(name, *args, check=check)
        assert result.returncode == 0, f"{name} failed:\n{result.stdout[-self.tail :]}\n{result.stderr[-2000:]}"
        return result

    def reports(self, playbook):
        return [json.loads(p.read_text()) for p in sorted((self.tmp_path / "reports").glob(f"{playbook}-*.json"))]


class Stack(EmulatedStack):
    def __init__(self, tmp_path, latency=None):
        super().__init__(tmp_path, INVENTORY, latency=latency)
        self.megaticket = MegaTicketProduction()
        self.megaticket.build(items_per_table=20)
        self.portforge = PortForgeProduction()
        self.portforge.database()
        self.portforge.secret_values()
