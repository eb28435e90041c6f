"""Every benchmark script runs as a script, as `make benchmarks` and the scripts' docstrings run them.

`make test` never runs a benchmark (they print timings), so nothing else would notice a script that
cannot even import `tests` when started as `python tests/benchmarks/bench_x.py`: each one is loaded
here as a script (its `__main__` block not run) from another folder, with no PYTHONPATH.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted((REPO_ROOT / "tests" / "benchmarks").glob("bench_*.py"))


def test_there_are_benchmark_scripts():
    assert SCRIPTS, "tests/benchmarks/ has no bench_*.py script"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_script_imports_when_run_from_anywhere(script, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    code = "import runpy, sys; runpy.run_path(sys.argv[1], run_name='benchmark_import_check')"
    result = subprocess.run(
        [sys.executable, "-c", code, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"{script.name} does not start as a script:\n{result.stderr[-2000:]}"
    # The figures are printed from a main() behind the __main__ guard: loading it ran no benchmark.
    assert result.stdout == ""
