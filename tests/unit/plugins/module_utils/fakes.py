"""Test doubles shared by the module_utils unit tests."""


class FakeClock:
    """A monotonic clock and its sleep: sleeping moves the clock, so waits and deadlines run instantly."""

    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds
