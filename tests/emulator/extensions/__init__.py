"""Cross-region and failure behaviour that moto lacks, one module per AWS service.

Each module here defines ``DESCRIPTION`` (one line) and ``install()``; ``install_all()`` imports
every module of this package in name order and installs it. Extensions patch moto through
``core.patch()``, which fails loudly when moto changed under them, and the moto version itself is
checked against ``SUPPORTED_MOTO`` first.
"""

import importlib
import importlib.metadata
import pkgutil

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from ..core import ExtensionError

# The moto releases these extensions were written and tested against (requirements-test.txt pins
# one of them). Outside it, the emulator refuses to start instead of emulating something wrong.
SUPPORTED_MOTO = SpecifierSet(">=5.2.5,<5.3")

INSTALLED = []


def check_moto_version(version=None):
    version = version or importlib.metadata.version("moto")
    if Version(version) not in SUPPORTED_MOTO:
        raise ExtensionError(
            f"moto {version} is installed but the emulator extensions support moto{SUPPORTED_MOTO}; "
            "run `make venv` to install the pinned version"
        )
    return version


def install_all():
    if INSTALLED:
        return INSTALLED
    check_moto_version()
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        try:
            module.install()
        except ExtensionError:
            raise
        except Exception as exc:
            raise ExtensionError(f"extension {module_info.name} failed to install: {exc!r}") from exc
        INSTALLED.append({"name": module_info.name, "description": getattr(module, "DESCRIPTION", "")})
    return INSTALLED
