"""Benchmark of issue 14: what `playbooks/readiness.yml` costs on the local inventory (MegaTicket and PortForge).

    .venv/bin/python tests/benchmarks/bench_readiness.py [--repeat 3] [--mode graceful|ungraceful]

Builds both applications' "Seoul production" on a fresh emulator and provisions the pilot light (not
timed), then runs readiness `--repeat` times and prints, per run: wall time, CPU-seconds of
ansible-playbook and every process it started (workers, module processes), the number of tasks, and
how many of them ran a module (a new Python process). Target of issue 14: at most 4 s wall.
Timings are printed, never asserted. Works on any tree that has the same inventory and builders.
"""

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.conftest import ansible_env  # noqa: E402
from tests.demo.production import MegaTicketProduction  # noqa: E402
from tests.demo.production import PortForgeProduction  # noqa: E402
from tests.emulator.launcher import REPO_ROOT  # noqa: E402
from tests.emulator.launcher import EmulatorProcess  # noqa: E402
from tests.emulator.launcher import emulator_env  # noqa: E402

INVENTORY = REPO_ROOT / "inventories" / "local"
# The two applications the figure has always been taken on (the inventory also holds FileFlow now).
APPS = "megaticket,portforge"


def run_playbook(env, name, *args):
    """(wall seconds, CPU seconds of the run and its children, recap task count, stdout)."""
    playbook = str(Path(sys.executable).parent / "ansible-playbook")
    cmd = [playbook, "-i", str(INVENTORY), "-l", APPS, f"playbooks/{name}.yml", *args]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    result = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if result.returncode != 0:
        log = Path(tempfile.mkstemp(prefix=f"bench_readiness-{name}-", suffix=".log")[1])
        log.write_text(result.stdout + result.stderr)
        raise SystemExit(f"{name} failed (exit {result.returncode}): the whole output is in {log}")
    recap = result.stdout.split("PLAY RECAP", 1)[1]
    tasks = sum(int(n) for n in re.findall(r" ok=(\d+)", recap)) + sum(
        int(n) for n in re.findall(r" changed=(\d+)", recap)
    )
    return wall, cpu, tasks, result.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--mode", choices=["graceful", "ungraceful"], default="graceful")
    args = parser.parse_args()
    with EmulatorProcess() as emulator, tempfile.TemporaryDirectory() as reports:
        os.environ.update(emulator_env(emulator.endpoint))
        env = ansible_env(emulator.endpoint)
        env.update(PILOTLIGHT_REPORT_DIR=reports, ANSIBLE_CALLBACK_RESULT_FORMAT="yaml")
        megaticket, portforge = MegaTicketProduction(), PortForgeProduction()
        megaticket.build(50)
        portforge.build()
        run_playbook(env, "provision")
        # Production keeps writing: readiness reads replication latency and pending replication, and
        # "no datapoint" is not checked. (Older trees have no live_traffic: their readiness passed without.)
        for app in (megaticket, portforge):
            if hasattr(app, "live_traffic"):
                app.live_traffic()
        if args.mode == "ungraceful":
            emulator.client.region_down("ap-northeast-2")
        walls, cpus = [], []
        for index in range(args.repeat):
            wall, cpu, tasks, _output = run_playbook(env, "readiness", "-e", f"dr_mode={args.mode}")
            walls.append(wall)
            cpus.append(cpu)
            print(
                f"readiness run {index + 1} ({args.mode}): {wall:.1f} s wall, {cpu:.1f} CPU-seconds, "
                f"{tasks} tasks (2 applications)",
                flush=True,
            )
    print(
        f"readiness of the local inventory ({args.mode}): median {statistics.median(walls):.1f} s wall "
        f"(target <= 4 s), {statistics.median(cpus):.1f} CPU-seconds"
    )


if __name__ == "__main__":
    main()
