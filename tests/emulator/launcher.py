"""Start and stop an emulator process (pytest fixtures, the demo and the benchmarks use this).

The child is tied to its parent twice over: Linux's PR_SET_PDEATHSIG sends it SIGTERM when the
parent dies, and ``--exit-with-parent`` makes it poll for the parent elsewhere. So even a test run
killed with SIGKILL leaves no emulator behind.
"""

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from .client import EmulatorClient

REPO_ROOT = Path(__file__).resolve().parents[2]
_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:  # not Linux: --exit-with-parent still covers it
        pass


class EmulatorProcess:
    def __init__(self, port=0, startup_timeout=60, verbose=False, log_path=None, extra_args=()):
        self.port = port
        self.startup_timeout = startup_timeout
        self.verbose = verbose
        self.log_path = log_path
        self.extra_args = tuple(extra_args)
        self.process = None
        self.endpoint = None
        self._stderr_lines = []

    def start(self):
        cmd = [
            sys.executable,
            "-m",
            "tests.emulator",
            "serve",
            "--port",
            str(self.port),
            "--exit-with-parent",
            str(os.getpid()),
        ]
        if self.verbose:
            cmd.append("--verbose")
        cmd += list(self.extra_args)
        env = dict(os.environ)
        env.pop("AWS_ENDPOINT_URL", None)
        self.process = subprocess.Popen(
            cmd,
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        deadline = time.monotonic() + self.startup_timeout
        line = ""
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if line.startswith("ready "):
                self.endpoint = line.split()[1]
                threading.Thread(target=self._drain_stdout, daemon=True).start()
                return self
            if not line and self.process.poll() is not None:
                break
        self.stop()
        raise RuntimeError(
            "the AWS emulator did not start: " + ("".join(self._stderr_lines[-20:]) or line or "no output")
        )

    def _drain_stderr(self):
        sink = open(self.log_path, "a") if self.log_path else None
        for line in self.process.stderr:
            self._stderr_lines.append(line)
            del self._stderr_lines[:-200]
            if sink:
                sink.write(line)
                sink.flush()

    def _drain_stdout(self):
        for _line in self.process.stdout:
            pass

    @property
    def client(self):
        return EmulatorClient(self.endpoint)

    def stop(self, timeout=10):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def emulator_env(endpoint, region="ap-northeast-2"):
    """Environment that points boto3, Ansible and amazon.aws at the emulator with dummy credentials."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_RETRY_MODE": "standard",
        "AWS_MAX_ATTEMPTS": "5",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }
