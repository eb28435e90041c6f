"""`make demo`: the main job of pilotlight.dr, end to end, on the local AWS emulator.

Starts the emulator, runs each step as a real `ansible-playbook` run against it, prints what each
step did and how long it took, stops the emulator. Exits 0 only if every step passed.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.emulator.launcher import REPO_ROOT, EmulatorProcess, emulator_env

INVENTORY = "inventories/local/hosts.yml"


def playbook_step(title, playbook, *extra):
    return title, [str(Path(sys.executable).parent / "ansible-playbook"), "-i", INVENTORY, playbook, *extra]


STEPS = [
    playbook_step("Build 'Seoul production' (network, bucket) on the emulator", "tests/demo/seed_primary.yml"),
]


def run(steps=STEPS):
    with EmulatorProcess(log_path=REPO_ROOT / ".cache" / "demo-emulator.log") as emulator:
        print(f"== local AWS emulator ready at {emulator.endpoint}", flush=True)
        env = dict(os.environ, **emulator_env(emulator.endpoint))
        env.update(ANSIBLE_CONFIG=str(REPO_ROOT / "ansible.cfg"), ANSIBLE_PYTHON_INTERPRETER=sys.executable)
        timings = []
        for title, cmd in steps:
            print(f"\n== {title}\n   $ {' '.join(Path(c).name if i == 0 else c for i, c in enumerate(cmd))}", flush=True)
            started = time.monotonic()
            result = subprocess.run(cmd, cwd=REPO_ROOT, env=env)
            elapsed = time.monotonic() - started
            timings.append((title, elapsed, result.returncode))
            if result.returncode != 0:
                print(f"\n!! step failed after {elapsed:.1f}s: {title}", flush=True)
                break
        print("\n== Summary")
        for title, elapsed, code in timings:
            print(f"   {'ok  ' if code == 0 else 'FAIL'} {elapsed:6.1f}s  {title}")
        return 0 if len(timings) == len(steps) and all(code == 0 for _, _, code in timings) else 1


if __name__ == "__main__":
    (REPO_ROOT / ".cache").mkdir(exist_ok=True)
    sys.exit(run())
