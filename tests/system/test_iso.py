# SPDX-License-Identifier: MIT
"""The GRUB ISO boots Lamina through multiboot2 under BIOS and UEFI firmware."""
import os
import re
import subprocess

import pytest

from lamina import BUILD, OVMF, ROOT, Lamina


@pytest.fixture(scope="module")
def iso():
    subprocess.run(["make", "-s", "-C", ROOT, "iso"], check=True)
    return os.path.join(BUILD, "lamina.iso")


def check_boot(log, source):
    assert re.search(r"Lamina \d+\.\d+\.\d+", log)
    assert "memory map (%s)" % source in log, log[-3000:]
    assert re.search(r"^cpus: 2 online\r?$", log, re.M)
    usable = int(re.search(r"^memory: (\d+) MiB usable", log, re.M).group(1))
    assert 480 <= usable <= 512, usable


def test_iso_boots_under_seabios(iso):
    with Lamina(smp=2, ram=512, iso=iso, timeout=120) as m:
        check_boot(m.boot(), "multiboot2 memory map")


@pytest.mark.skipif(not os.path.exists(OVMF), reason="ovmf not installed")
def test_iso_boots_under_ovmf(iso):
    with Lamina(smp=2, ram=512, iso=iso, bios=OVMF, timeout=300) as m:
        log = m.boot()
    check_boot(log, "UEFI memory map")
    assert "acpi: 2 CPU(s)" in log  # RSDP from the multiboot2 ACPI tag, not a BIOS scan
