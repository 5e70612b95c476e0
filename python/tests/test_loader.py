"""The package as installed: liblossengine.so and its per-level builds beside it, found without LOSSENGINE_LIBRARY."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import lossengine  # noqa: E402

PACKAGE = Path(lossengine.__file__).parent
LIBRARY = Path(lossengine._lib._name)
BUILDS = sorted(LIBRARY.parent.glob("liblossengine-x86-64*.so"))


@unittest.skipUnless(LIBRARY.name == "liblossengine.so" and BUILDS, "the library in use is not the linux-x64 loader")
class Installed(unittest.TestCase):
    def run_installed(self, builds, code, **environment):
        """Runs code in a fresh interpreter that imports a copy of the package holding the loader and the given builds."""
        with tempfile.TemporaryDirectory() as site:
            package = Path(site) / "lossengine"
            # An installed package (the wheel) already holds the library and every build: only the given ones are kept.
            shutil.copytree(PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__", "liblossengine*.so"))
            for library in [LIBRARY, *builds]:
                shutil.copy(library, package)
            env = {k: v for k, v in os.environ.items() if k != "LOSSENGINE_LIBRARY"}
            env.update(PYTHONPATH=site, **environment)
            return subprocess.run([sys.executable, "-c", code], cwd=site, env=env, capture_output=True, text=True,
                                  timeout=120), site

    def test_the_builds_are_found_next_to_the_package(self):
        result, site = self.run_installed(BUILDS, "import lossengine; print(lossengine._lib._name, lossengine.vector_bits())")
        self.assertEqual(result.returncode, 0, result.stderr)
        path, bits = result.stdout.split()
        self.assertEqual(Path(path).parent, Path(site) / "lossengine")
        self.assertEqual(int(bits), lossengine.vector_bits())  # the same level as this process (LOSSENGINE_ISA is kept)

    def test_lossengine_library_may_name_one_build(self):
        baseline = LIBRARY.with_name("liblossengine-x86-64.so")  # runs on every x86-64 CPU, at 128 bits
        result, _ = self.run_installed([], "import lossengine; print(lossengine.vector_bits())",
                                       LOSSENGINE_LIBRARY=str(baseline))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), "128")

    def test_a_missing_build_fails_the_import_with_its_name(self):
        result, _ = self.run_installed([], "import lossengine")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("OSError: liblossengine: cannot load its x86-64", result.stderr)

    def test_an_unknown_level_is_refused(self):
        result, _ = self.run_installed(BUILDS, "import lossengine", LOSSENGINE_ISA="x86-64-v5")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("LOSSENGINE_ISA=x86-64-v5 is not one of x86-64-v4, x86-64-v3, x86-64-v2, x86-64", result.stderr)


if __name__ == "__main__":
    unittest.main()
