# SPDX-License-Identifier: MIT
import os
import subprocess

import pytest

from lamina import ROOT


@pytest.fixture(scope="session", autouse=True)
def built_image():
    """The tests boot build/lamina32.elf; make sure it is current."""
    subprocess.run(["make", "-s", "-C", ROOT, "all", "guests"], check=True)
