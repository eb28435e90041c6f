"""Benchmark of issue 12: the failover of the local inventory through ansible-runner (as AWX runs a
job) against the same failover through ansible-playbook. Target: within 10 %.

    .venv/bin/python tests/benchmarks/bench_awx_runner.py [--repeat 1]

Each run builds MegaTicket and PortForge production on a fresh emulator, provisions the pilot light
(not timed), takes Seoul down and times an ungraceful failover. Timings are printed, never asserted.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.awx_runner import private_data_dir  # noqa: E402
from tests.awx_runner import run as runner_run  # noqa: E402
from tests.conftest import ansible_env  # noqa: E402
from tests.demo.production import MegaTicketProduction  # noqa: E402
from tests.demo.production import PortForgeProduction  # noqa: E402
from tests.emulator.launcher import REPO_ROOT  # noqa: E402
from tests.emulator.launcher import EmulatorProcess  # noqa: E402
from tests.emulator.launcher import emulator_env  # noqa: E402

# The two applications the figure has always been taken on (the inventory also holds FileFlow now).
APPS = "megaticket,portforge"
SURVEY = {"dr_mode": "ungraceful", "pilotlight_hosts": APPS}


def one_failover(engine):
    """Seconds of one ungraceful failover of inventories/local through ``engine`` (playbook or runner)."""
    with EmulatorProcess() as emulator, tempfile.TemporaryDirectory() as work:
        os.environ.update(emulator_env(emulator.endpoint))
        env = ansible_env(emulator.endpoint)
        env["PILOTLIGHT_REPORT_DIR"] = str(Path(work) / "reports")
        MegaTicketProduction().build(50)
        PortForgeProduction().build()
        playbook = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "inventories/local", "-l", APPS]
        provision = subprocess.run(
            [*playbook, "playbooks/provision.yml"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False
        )
        if provision.returncode != 0:
            raise SystemExit(f"provision failed:\n{provision.stdout[-3000:]}")
        emulator.client.region_down("ap-northeast-2")
        if engine == "runner":
            envvars = {key: env[key] for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL")}
            envvars["PILOTLIGHT_REPORT_DIR"] = env["PILOTLIGHT_REPORT_DIR"]
            job = private_data_dir(Path(work) / "pdd", "inventories/local", SURVEY, envvars)
            started = time.monotonic()
            result = runner_run(job, "playbooks/failover.yml", "failover")
            elapsed = time.monotonic() - started
            if result.status != "successful":
                raise SystemExit(f"the runner failover ended {result.status}")
        else:
            started = time.monotonic()
            result = subprocess.run(
                [*playbook, "playbooks/failover.yml", "-e", "dr_mode=ungraceful"],
                cwd=REPO_ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            elapsed = time.monotonic() - started
            if result.returncode != 0:
                raise SystemExit(f"the ansible-playbook failover failed:\n{result.stdout[-3000:]}")
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    playbook, runner = [], []
    for index in range(args.repeat):
        playbook.append(one_failover("playbook"))
        runner.append(one_failover("runner"))
        print(f"pair {index + 1}: ansible-playbook {playbook[-1]:.1f} s, ansible-runner {runner[-1]:.1f} s", flush=True)
    a, b = statistics.median(playbook), statistics.median(runner)
    print(
        f"failover of inventories/local (2 applications, ungraceful): ansible-playbook {a:.1f} s, "
        f"ansible-runner {b:.1f} s, runner/playbook = {b / a:.2f} (target <= 1.10)"
    )


if __name__ == "__main__":
    main()
