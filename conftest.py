"""pytest at the repository root: the tests live under tests/ (pytest.ini's testpaths).

Given the root itself (``pytest .``), never walk the collection's roles/ (their molecule scenarios run from
tests/integration/roles/test_molecule.py) nor the .collections link back to this tree. These paths are
relative to this file, so tests/integration/roles is still collected (a ``roles`` pattern in
``norecursedirs`` would match it too, by its base name).
"""

collect_ignore = ["roles", ".collections"]
