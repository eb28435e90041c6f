"""Benchmark of issue 14: where the CPU of a failover goes, per process kind and per task.

    .venv/bin/python tests/benchmarks/bench_cpu_split.py [--playbook failover|readiness]

MegaTicket (inventories/local) is provisioned on a fresh emulator (not timed); then Seoul goes down
and an ungraceful failover runs (or readiness, in the same mode). Every module process is started
through a small interpreter wrapper that records its own CPU time, so the run's CPU splits into:

* module processes: one per module task (a new Python that imports ansible, amazon.aws, boto3);
* the controller: ansible-playbook, its forked workers and the lookups they run.

It also prints the number of tasks and module processes and the ten slowest tasks (profile_tasks).
Timings are printed, never asserted. Works on any tree with the same inventory and builders.
"""

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.conftest import ansible_env  # noqa: E402
from tests.demo.production import MegaTicketProduction  # noqa: E402
from tests.emulator.launcher import REPO_ROOT  # noqa: E402
from tests.emulator.launcher import EmulatorProcess  # noqa: E402
from tests.emulator.launcher import emulator_env  # noqa: E402

# Runs the real interpreter as a child and appends its CPU seconds to a log, one line per module run.
WRAPPER = """#!{python}
import os, resource, subprocess, sys
code = subprocess.call([{python!r}, *sys.argv[1:]])
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open({log!r}, "a") as log:
    log.write(f"{{usage.ru_utime + usage.ru_stime}}\\n")
sys.exit(code)
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--playbook", choices=["failover", "readiness"], default="failover")
    args = parser.parse_args()
    with EmulatorProcess() as emulator, tempfile.TemporaryDirectory() as work:
        os.environ.update(emulator_env(emulator.endpoint))
        env = ansible_env(emulator.endpoint)
        env["PILOTLIGHT_REPORT_DIR"] = str(Path(work) / "reports")
        megaticket = MegaTicketProduction()
        megaticket.build(50)
        command = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "inventories/local", "-l", "megaticket"]
        provision = subprocess.run(
            [*command, "playbooks/provision.yml"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False
        )
        if provision.returncode != 0:
            raise SystemExit(f"provision failed:\n{provision.stdout[-3000:]}")
        if hasattr(megaticket, "live_traffic"):
            megaticket.live_traffic()
        emulator.client.region_down("ap-northeast-2")

        log = Path(work) / "modules.log"
        wrapper = Path(work) / "python"
        wrapper.write_text(WRAPPER.format(python=sys.executable, log=str(log)))
        wrapper.chmod(0o755)
        env.update(
            ANSIBLE_PYTHON_INTERPRETER=str(wrapper),
            ANSIBLE_CALLBACKS_ENABLED="pilotlight.dr.dr_report,ansible.posix.profile_tasks",
            PROFILE_TASKS_TASK_OUTPUT_LIMIT="10",
        )
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        result = subprocess.run(
            [
                *command,
                f"playbooks/{args.playbook}.yml",
                "-e",
                "dr_mode=ungraceful",
                "-e",
                f"ansible_python_interpreter={wrapper}",
            ],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if result.returncode != 0:
            raise SystemExit(f"{args.playbook} failed:\n{result.stdout[-4000:]}")
        total = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        module_cpu = [float(line) for line in log.read_text().split()] if log.exists() else []
        # The wrapper's own start is not counted in the module figure: it is part of the controller share.
        recap = result.stdout.split("PLAY RECAP", 1)[1]
        tasks = sum(int(n) for n in re.findall(r"megaticket\s+: ok=(\d+)", recap))
        slowest = re.findall(r"^(.*?) -+ ([0-9.]+)s$", result.stdout.split("PLAY RECAP", 1)[1], flags=re.M)
    print(
        json.dumps(
            {
                "playbook": args.playbook,
                "wall_seconds": round(wall, 1),
                "tasks": tasks,
                "module_processes": len(module_cpu),
                "cpu_total": round(total, 1),
                "cpu_module_processes": round(sum(module_cpu), 1),
                "cpu_controller_and_wrappers": round(total - sum(module_cpu), 1),
            },
            indent=2,
        )
    )
    print("slowest tasks (wall):")
    for name, seconds in slowest[:10]:
        print(f"  {float(seconds):6.2f} s  {name.strip()}")


if __name__ == "__main__":
    main()
