"""The platform-specific half of the wheel's build; the metadata is in pyproject.toml.

The wheel holds liblossengine.so and, on linux-x64, its per-level builds (liblossengine-x86-64*.so), which
eng/test-packages.sh copies into lossengine/ from the NativeAOT publish before building. The version is the one in
Directory.Build.props, shared with the NuGet packages.
"""

import re
import sys
from pathlib import Path

from setuptools import setup
from setuptools.dist import Distribution
from wheel.bdist_wheel import bdist_wheel

HERE = Path(__file__).resolve().parent


def version():
    for props in (HERE / "Directory.Build.props", HERE.parent / "Directory.Build.props"):
        if props.is_file():
            return re.search(r"<Version>([^<]+)</Version>", props.read_text()).group(1)
    sys.exit("setup.py: Directory.Build.props not found beside python/ or in it")


class NativeDistribution(Distribution):
    """Marks the wheel as platform-specific: it carries a shared library, though no extension module."""

    def has_ext_modules(self):
        return True


class PlatformWheel(bdist_wheel):
    """Tags the wheel py3-none-<platform>: ctypes loads the library, so any Python 3 on that platform can use it."""

    def finalize_options(self):
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self):
        _, _, platform = super().get_tag()
        return "py3", "none", platform


if not list((HERE / "lossengine").glob("liblossengine*.so")):
    sys.exit("setup.py: no liblossengine*.so in lossengine/; eng/test-packages.sh copies the NativeAOT publish there")

setup(version=version(), distclass=NativeDistribution, cmdclass={"bdist_wheel": PlatformWheel})
