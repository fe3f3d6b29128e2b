// SPDX-License-Identifier: MIT
/* The start info, memory map and ramdisk spot are the guest ABI: check byte layout and limits. */
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include <lamina/errno.h>
#include <lamina/pvh_loader.h>

#include "pvh_test_util.h"

static char err[256];

/* ------------------------------------------------------------ start info */

static void test_start_info_layout(void **state)
{
    static const struct pvh_reserved special = {0xfeff8000, 0x8000, XEN_HVM_MEMMAP_TYPE_RESERVED};
    struct hvm_memmap_table_entry map[4];
    struct pvh_module mods[2] = {
        {.gpa = 0x200000, .size = 0x12345, .cmdline = "initrd"},
        {.gpa = 0x300000, .size = 0x1000},
    };
    const char *cmdline = "console=hvc0 root=/dev/ram0"; /* 27 chars: 32 bytes with NUL */
    struct fake_guest g;
    struct guest_mem_ops mem = fake_new(&g, MiB(4));
    const uint64_t base = 0x6000;
    uint64_t used = 0;
    int n = pvh_default_memmap(MiB(4), &special, 1, map, 4);
    const uint8_t *si = g.ram + base;

    (void)state;
    assert_int_equal(n, 2);
    struct pvh_start_params p = {.cmdline = cmdline,
                                 .modules = mods,
                                 .nr_modules = 2,
                                 .memmap = map,
                                 .nr_memmap = (size_t)n,
                                 .rsdp_paddr = 0xfc000000};
    assert_int_equal(pvh_build_start_info(&mem, base, &p, &used, err, sizeof(err)), 0);
    const uint64_t cmd = 56, modcmd = cmd + 32, modlist = modcmd + 8, mmap = modlist + 2 * 32;
    assert_int_equal(used, mmap + 2 * 24);
    assert_int_equal(pvh_start_info_size(&p), used);

    assert_int_equal(r32(si + 0), 0x336ec578);
    assert_int_equal(r32(si + 4), 1);
    assert_int_equal(r32(si + 8), 0);
    assert_int_equal(r32(si + 12), 2);
    assert_int_equal(r64(si + 16), base + modlist);
    assert_int_equal(r64(si + 24), base + cmd);
    assert_int_equal(r64(si + 32), 0xfc000000);
    assert_int_equal(r64(si + 40), base + mmap);
    assert_int_equal(r32(si + 48), 2);
    assert_int_equal(r32(si + 52), 0);

    assert_string_equal((const char *)si + cmd, cmdline);
    for (size_t k = cmd + strlen(cmdline); k < modcmd; k++)
        assert_int_equal(si[k], 0); /* NUL and padding */
    assert_string_equal((const char *)si + modcmd, "initrd");
    assert_int_equal(si[modcmd + 7], 0);

    assert_int_equal(r64(si + modlist + 0), 0x200000);
    assert_int_equal(r64(si + modlist + 8), 0x12345);
    assert_int_equal(r64(si + modlist + 16), base + modcmd);
    assert_int_equal(r64(si + modlist + 24), 0);
    assert_int_equal(r64(si + modlist + 32), 0x300000);
    assert_int_equal(r64(si + modlist + 40), 0x1000);
    assert_int_equal(r64(si + modlist + 48), 0); /* no command line */
    assert_int_equal(r64(si + modlist + 56), 0);

    assert_int_equal(r64(si + mmap + 0), 0);
    assert_int_equal(r64(si + mmap + 8), MiB(4));
    assert_int_equal(r32(si + mmap + 16), XEN_HVM_MEMMAP_TYPE_RAM);
    assert_int_equal(r32(si + mmap + 20), 0);
    assert_int_equal(r64(si + mmap + 24), 0xfeff8000);
    assert_int_equal(r64(si + mmap + 32), 0x8000);
    assert_int_equal(r32(si + mmap + 40), XEN_HVM_MEMMAP_TYPE_RESERVED);
    assert_int_equal(r32(si + mmap + 44), 0);

    assert_int_equal(g.ram[base - 1], 0xcc);
    assert_int_equal(g.ram[base + used], 0xcc);
    assert_false(g.oob);
    fake_free(&g);
}

static void test_start_info_minimal(void **state)
{
    struct fake_guest g;
    struct guest_mem_ops mem = fake_new(&g, MiB(1));
    struct pvh_start_params p = {.flags = SIF_PRIVILEGED | SIF_INITDOMAIN};
    uint64_t used = 0;
    const uint8_t *si = g.ram + 0x1000;

    (void)state;
    assert_int_equal(pvh_build_start_info(&mem, 0x1000, &p, &used, err, sizeof(err)), 0);
    assert_int_equal(used, 64);
    assert_int_equal(r32(si + 8), 3);
    assert_int_equal(r32(si + 12), 0);
    assert_int_equal(r64(si + 16), 0);      /* no modlist */
    assert_int_equal(r64(si + 24), 0x1038); /* "" */
    assert_int_equal(si[56], 0);
    assert_int_equal(r64(si + 32), 0);
    assert_int_equal(r64(si + 40), 0); /* no memmap */
    assert_int_equal(r32(si + 48), 0);
    fake_free(&g);
}

static void expect_si(const struct guest_mem_ops *mem, uint64_t base,
                      const struct pvh_start_params *p, int rc, const char *want)
{
    struct fake_guest *g = mem->ctx;
    unsigned int before = g->writes + g->zeros;

    memset(err, 0, sizeof(err));
    assert_int_equal(pvh_build_start_info(mem, base, p, NULL, err, sizeof(err)), rc);
    if (!strstr(err, want))
        fail_msg("error \"%s\" lacks \"%s\"", err, want);
    if (rc < 0 && rc != -EFAULT)
        assert_int_equal(g->writes + g->zeros, before); /* validated before writing */
    assert_false(g->oob);
}

static void test_start_info_errors(void **state)
{
    struct fake_guest g;
    struct guest_mem_ops mem = fake_new(&g, MiB(1));
    struct pvh_module mods[PVH_MAX_MODULES + 1] = {{.gpa = 0x80000, .size = 0x1000}};
    struct pvh_start_params p = {.cmdline = "x", .modules = mods, .nr_modules = 1};
    char *longcmd = malloc(PVH_CMDLINE_MAX + 1);

    (void)state;
    expect_si(&mem, MiB(1) - 0x1000, &p, 0, ""); /* ends exactly at the top: fine */
    g.writes = g.zeros = 0;
    expect_si(&mem, MiB(1), &p, -ENOMEM, "start info needs memory up to 0x100060");
    expect_si(&mem, 0x1800, &p, -EINVAL, "not page aligned");
    mem.mem_bytes = GiB(8);
    expect_si(&mem, GiB(4), &p, -EINVAL, "below 4 GiB");
    expect_si(&mem, UINT64_MAX & ~0xfffULL, &p, -EINVAL, "below 4 GiB");
    mem.mem_bytes = MiB(1);

    mods[0].gpa = MiB(1) - 0x800;
    expect_si(&mem, 0x1000, &p, -EINVAL, "module 0");
    mods[0].gpa = UINT64_MAX - 0x10;
    expect_si(&mem, 0x1000, &p, -EINVAL, "outside guest memory");
    mods[0].gpa = 0x80000;

    p.nr_modules = PVH_MAX_MODULES + 1;
    expect_si(&mem, 0x1000, &p, -EINVAL, "too many modules");
    assert_int_equal(pvh_start_info_size(&p), 0);
    p.nr_modules = 1;
    p.nr_memmap = PVH_MAX_MEMMAP + 1;
    p.memmap = (const struct hvm_memmap_table_entry *)mods; /* never read */
    expect_si(&mem, 0x1000, &p, -EINVAL, "too many memory map entries");
    p.nr_memmap = 0;
    p.memmap = NULL;

    memset(longcmd, 'a', PVH_CMDLINE_MAX);
    longcmd[PVH_CMDLINE_MAX] = '\0';
    p.cmdline = longcmd;
    expect_si(&mem, 0x1000, &p, -EINVAL, "command line too long");
    longcmd[PVH_CMDLINE_MAX - 1] = '\0'; /* 4095 characters: the longest allowed */
    expect_si(&mem, 0x1000, &p, 0, "");
    mem.mem_bytes = GiB(8); /* a blob that would straddle 4 GiB */
    expect_si(&mem, 0xfffff000, &p, -EINVAL, "below 4 GiB");
    mem.mem_bytes = MiB(1);
    longcmd[PVH_CMDLINE_MAX - 1] = 'a';
    mods[0].cmdline = longcmd;
    p.cmdline = "x";
    expect_si(&mem, 0x1000, &p, -EINVAL, "module 0 command line too long");
    mods[0].cmdline = NULL;

    g.fail_at = 3;
    g.calls = 0;
    expect_si(&mem, 0x1000, &p, -EFAULT, "cannot write start info");
    free(longcmd);
    fake_free(&g);
}

/* ------------------------------------------------------------ memmap, ramdisk */

static void test_default_memmap(void **state)
{
    struct hvm_memmap_table_entry m[8];
    const struct pvh_reserved res[2] = {
        {0xfeff8000, 0x8000, XEN_HVM_MEMMAP_TYPE_RESERVED},
        {0xfc000000, 0x10000, XEN_HVM_MEMMAP_TYPE_NVS},
    };

    (void)state;
    assert_int_equal(pvh_default_memmap(MiB(512), NULL, 0, m, 8), 1);
    assert_int_equal(m[0].addr, 0);
    assert_int_equal(m[0].size, MiB(512));
    assert_int_equal(m[0].type, XEN_HVM_MEMMAP_TYPE_RAM);

    /* Above the hole: RAM splits around it; entries come out sorted by address. */
    assert_int_equal(pvh_default_memmap(GiB(6), res, 2, m, 8), 4);
    assert_int_equal(m[0].size, 0xf0000000);
    assert_int_equal(m[1].addr, 0xfc000000);
    assert_int_equal(m[1].type, XEN_HVM_MEMMAP_TYPE_NVS);
    assert_int_equal(m[2].addr, 0xfeff8000);
    assert_int_equal(m[2].type, XEN_HVM_MEMMAP_TYPE_RESERVED);
    assert_int_equal(m[3].addr, GiB(4));
    assert_int_equal(m[3].size, GiB(6) - 0xf0000000);
    assert_int_equal(m[3].type, XEN_HVM_MEMMAP_TYPE_RAM);
    for (int i = 0; i < 4; i++)
        assert_int_equal(m[i].reserved, 0);

    assert_int_equal(pvh_default_memmap(GiB(6), res, 2, m, 3), -ENOSPC);
    assert_int_equal(pvh_default_memmap(0, NULL, 0, m, 8), -EINVAL);
    assert_int_equal(pvh_default_memmap(MiB(512), NULL, 0, m, 0), -ENOSPC);
    const struct pvh_reserved in_ram = {0x100000, 0x1000, XEN_HVM_MEMMAP_TYPE_RESERVED};
    assert_int_equal(pvh_default_memmap(MiB(512), &in_ram, 1, m, 8), -EINVAL);
    const struct pvh_reserved in_high = {GiB(5), 0x1000, XEN_HVM_MEMMAP_TYPE_RESERVED};
    assert_int_equal(pvh_default_memmap(GiB(6), &in_high, 1, m, 8), -EINVAL);
    const struct pvh_reserved empty = {0xfeff8000, 0, XEN_HVM_MEMMAP_TYPE_RESERVED};
    assert_int_equal(pvh_default_memmap(MiB(512), &empty, 1, m, 8), -EINVAL);
    const struct pvh_reserved wraps = {UINT64_MAX - 0xfff, 0x2000, XEN_HVM_MEMMAP_TYPE_RESERVED};
    assert_int_equal(pvh_default_memmap(MiB(512), &wraps, 1, m, 8), -EINVAL);
}

static void test_place_ramdisk(void **state)
{
    struct pvh_image_info info = {.paddr_lo = MiB(16), .paddr_hi = MiB(16) + 0x123456};

    (void)state;
    assert_int_equal(pvh_place_ramdisk(&info, MiB(512), MiB(10) + 1, UINT64_MAX),
                     MiB(512) - MiB(10) - 0x1000);
    /* The caller's reserved top, rounded down to a page. */
    assert_int_equal(pvh_place_ramdisk(&info, MiB(512), 0x1000, 0x10000123), 0x0ffff000);
    /* Large guests: below the MMIO hole, not at mem_bytes. */
    assert_int_equal(pvh_place_ramdisk(&info, GiB(8), 0x1000, UINT64_MAX), 0xf0000000 - 0x1000);
    /* Exactly fits between the kernel's end (page-rounded) and the top. */
    uint64_t kend = MiB(16) + 0x124000;
    assert_int_equal(pvh_place_ramdisk(&info, MiB(32), MiB(32) - kend, UINT64_MAX), kend);
    assert_int_equal(pvh_place_ramdisk(&info, MiB(32), MiB(32) - kend + 1, UINT64_MAX), 0);
    assert_int_equal(pvh_place_ramdisk(&info, MiB(512), 0, UINT64_MAX), 0);
    assert_int_equal(pvh_place_ramdisk(&info, MiB(512), UINT64_MAX, UINT64_MAX), 0);
    assert_int_equal(pvh_place_ramdisk(&info, MiB(16), 0x1000, UINT64_MAX), 0);
    /* Never below 1 MiB, even for a kernel linked lower. */
    info.paddr_hi = 0x9000;
    assert_int_equal(pvh_place_ramdisk(&info, MiB(2), MiB(1), UINT64_MAX), MiB(1));
    assert_int_equal(pvh_place_ramdisk(&info, MiB(2), MiB(1) + 1, UINT64_MAX), 0);
    info.paddr_hi = UINT64_MAX;
    assert_int_equal(pvh_place_ramdisk(&info, MiB(512), 0x1000, UINT64_MAX), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start_info_layout), cmocka_unit_test(test_start_info_minimal),
        cmocka_unit_test(test_start_info_errors), cmocka_unit_test(test_default_memmap),
        cmocka_unit_test(test_place_ramdisk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
