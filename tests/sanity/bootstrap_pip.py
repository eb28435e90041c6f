"""Offline stand-in for pip's get-pip.py in ansible-test's sanity virtual environments.

ansible-test creates one virtual environment per sanity test and bootstraps pip in it with a get-pip.py it
downloads from ci-files.testing.ansible.com (cached as ~/.ansible/test/cache/get_pip_<version>.py). A runner
without that host fails there. This script does the same job from the pip wheel bundled with Python
(ensurepip), then asks for the pip version ansible-test wanted; if no index answers, the bundled pip stays.
`make sanity` copies it into that cache only when no real get-pip.py is there.
"""

import subprocess
import sys

GET_PIP_ONLY = ("--no-setuptools", "--no-wheel", "--no-pip")

arguments = [argument for argument in sys.argv[1:] if argument not in GET_PIP_ONLY]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"], stdout=subprocess.DEVNULL)
subprocess.call([sys.executable, "-m", "pip", "install", "--quiet", *arguments])
