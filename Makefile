# SPDX-License-Identifier: MIT
# Lamina build. `make help` lists the targets.

VERSION := 0.1.0
BUILD   := build
CC      ?= gcc
LD      := ld
PYTHON  := python3
# System tests use Debian's pytest (python3-pytest), whatever python3 PATH has.
HOSTPY  := /usr/bin/python3

# `make V=1` shows the full commands.
ifeq ($(V),1)
Q :=
else
Q := @
endif

SMP     ?= 2
# dom0 and a domU or two need more than one guest alone.
RAM     ?= $(if $(GUEST),512,1024)
ARGS    ?=

.DEFAULT_GOAL := all
.PHONY: all help size lint iso run test unit systest deps clean bench format guests

help:
	@echo "make            build $(BUILD)/lamina.elf (multiboot2, GRUB) and $(BUILD)/lamina32.elf (QEMU -kernel)"
	@echo "make run        boot Lamina with dom0 (Debian + xl) in QEMU on this terminal [SMP=n RAM=MiB ARGS=\"options\"];"
	@echo "                GUEST=<elf> or LINUX=1 boot one domain instead; leave with Ctrl-A X"
	@echo "make test       unit tests (cmocka, ASan/UBSan) then system tests (pytest + QEMU)"
	@echo "make unit       unit tests only;  make systest  system tests only [PYTEST_ARGS=...]"
	@echo "make iso        GRUB ISO ($(BUILD)/lamina.iso) booting Lamina via multiboot2 (BIOS and UEFI)"
	@echo "make size       text/data/bss of the image"
	@echo "make lint       clang-format check and cppcheck"
	@echo "make bench      benchmarks (ratios, never pass/fail)"
	@echo "make deps       install the Debian packages all of the above need (as root)"

# ---------------------------------------------------------------- hypervisor
HV_DIRS := hv/lib hv/core hv/core/mm hv/arch/x86 hv/arch/x86/hvm hv/arch/x86/hvm/svm

HV_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -O2 -g \
	-ffreestanding -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
	-mno-red-zone -mgeneral-regs-only -fno-pic -fno-pie -mcmodel=kernel \
	-fno-stack-protector -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer \
	-fno-asynchronous-unwind-tables -fno-optimize-sibling-calls -fno-strict-aliasing -fcf-protection=none \
	-Ihv/include -Ihv/arch/x86/include -DLAMINA_VERSION=\"$(VERSION)\" \
	-MMD -MP
HV_ASFLAGS := $(filter-out -std=gnu11,$(HV_CFLAGS)) -D__ASSEMBLY__
HV_LDFLAGS := -m elf_x86_64 -nostdlib -static -z max-page-size=0x1000 -z noexecstack \
	--no-warn-rwx-segments -T hv/lamina.ld

# Each directory's Makefile lists its objects as `obj-y += name.o`.
HV_OBJS :=
define hv_dir
obj-y :=
include $(1)/Makefile
HV_OBJS += $$(addprefix $(BUILD)/$(1)/,$$(obj-y))
endef
$(foreach d,$(HV_DIRS),$(eval $(call hv_dir,$(d))))

$(BUILD)/hv/%.o: hv/%.c Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(HV_CFLAGS) -c $< -o $@

$(BUILD)/hv/%.o: hv/%.S Makefile
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CC) $(HV_ASFLAGS) -c $< -o $@

# The symbol table for backtraces is generated from a first link and placed
# after all code, so linking it in cannot move any function (checked below).
$(BUILD)/syms0.S:
	@mkdir -p $(BUILD)
	$(Q)$(PYTHON) scripts/gensyms.py /dev/null > $@
$(BUILD)/%.o: $(BUILD)/%.S
	$(Q)$(CC) $(HV_ASFLAGS) -c $< -o $@

$(BUILD)/lamina-pass1.elf: $(HV_OBJS) $(BUILD)/syms0.o hv/lamina.ld
	@echo "  LD      $@"
	$(Q)$(LD) $(HV_LDFLAGS) -o $@ $(HV_OBJS) $(BUILD)/syms0.o
$(BUILD)/syms1.S: $(BUILD)/lamina-pass1.elf scripts/gensyms.py
	$(Q)nm -n $< | $(PYTHON) scripts/gensyms.py - > $@
$(BUILD)/lamina.elf: $(BUILD)/lamina-pass1.elf $(BUILD)/syms1.o
	@echo "  LD      $@"
	$(Q)$(LD) $(HV_LDFLAGS) -o $@ $(HV_OBJS) $(BUILD)/syms1.o
	@nm -n $@ | $(PYTHON) scripts/gensyms.py - | cmp -s - $(BUILD)/syms1.S || \
		{ echo "symbol table moved code; see scripts/gensyms.py" >&2; rm -f $@; exit 1; }
$(BUILD)/lamina32.elf: $(BUILD)/lamina.elf scripts/mkelf32.py
	@echo "  ELF32   $@"
	$(Q)$(PYTHON) scripts/mkelf32.py $< $@

all: $(BUILD)/lamina.elf $(BUILD)/lamina32.elf

# Freestanding test guests (guests/README.md).
guests:
	$(Q)$(MAKE) -s -C guests BUILD=$(abspath $(BUILD))

size: all
	@size $(BUILD)/lamina.elf | awk 'NR==2 {printf "text %d  data %d  bss %d  total %d bytes (%.1f KiB)\n", $$1, $$2, $$3, $$4, $$4/1024}'

-include $(HV_OBJS:.o=.d)

# ---------------------------------------------------------------- unit tests
# Each tests/unit/<name>.mk adds its test: UNIT_TESTS += <name>,
# <name>_SRCS := test file, hypervisor sources under test, host helpers.
UNIT_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -O1 -g -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-Itests/unit/host -Ihv/include -idirafter hv/arch/x86/include -DLAMINA_HOST_TEST -DLAMINA_VERSION=\"$(VERSION)\"
UNIT_TESTS :=
include $(wildcard tests/unit/*.mk)

define unit_test
$(BUILD)/unit/$(1): $$($(1)_SRCS) $$(wildcard hv/include/lamina/*.h tests/unit/host/*.h tests/unit/host/asm/*.h)
	@mkdir -p $$(dir $$@)
	@echo "  HOSTCC  $$@"
	$(Q)$$(CC) $$(UNIT_CFLAGS) -o $$@ $$($(1)_SRCS) -lcmocka
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_test,$(t))))

UNIT_BINS := $(addprefix $(BUILD)/unit/,$(UNIT_TESTS))
unit: deps-check $(UNIT_BINS)
	@scripts/run-unit.sh $(UNIT_BINS)

# ---------------------------------------------------------------- system
systest: deps-check all guests
	$(HOSTPY) -m pytest -v --durations=15 tests/system $(PYTEST_ARGS)

test: unit systest

QEMU_ARGS = -accel tcg -cpu max -smp $(SMP) -m $(RAM) -nographic -no-reboot \
	-serial mon:stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04
# make run LINUX=1: Debian's kernel with an interactive busybox (scripts/linux-kit.sh).
ifeq ($(LINUX),1)
LINUX_KIT := $(BUILD)/linux-kit/out
GUEST     := $(LINUX_KIT)/vmlinux
RAMDISK   := $(LINUX_KIT)/initrd-interactive.cpio.gz
CMDLINE   ?= console=hvc0
MEMORY    ?= 256
VCPUS     ?= 2
endif
.PHONY: linux-kit
linux-kit:
	scripts/linux-kit.sh $(BUILD)/linux-kit/out

# make run GUEST=<elf> boots Lamina with one PVH domain described on the fly.
MEMORY ?= 64
VCPUS  ?= 1
comma := ,
# With no GUEST: dom0, Debian's kernel with Debian's Xen 4.17 toolstack (dom0/mkimage.sh).
DOM0_KIT := $(BUILD)/dom0/out
RUN_MODULES = $(if $(GUEST),-initrd "$(abspath $(GUEST))$(comma)$(if $(RAMDISK),$(abspath $(RAMDISK))$(comma))$(BUILD)/run-guest.cfg",\
	-initrd "$(abspath $(DOM0_KIT))/vmlinux console=hvc0$(comma)$(abspath $(DOM0_KIT))/initrd-dom0.cpio.gz")
.PHONY: dom0-kit
dom0-kit: $(DOM0_KIT)/initrd-dom0.cpio.gz
# Rebuilt when its recipe changes (the packages are cached under build/).
$(DOM0_KIT)/initrd-dom0.cpio.gz: dom0/mkimage.sh dom0/lib.sh dom0/init scripts/linux-kit.sh \
		scripts/debfetch.sh scripts/initramfs/init-interactive
	dom0/mkimage.sh $(DOM0_KIT) && touch $@
run: deps-check all $(if $(filter 1,$(LINUX)),linux-kit) $(if $(GUEST),$(BUILD)/run-guest.cfg,dom0-kit)
	@echo "Booting Lamina in QEMU (SMP=$(SMP) RAM=$(RAM)). Leave with Ctrl-A X."
	$(if $(GUEST),,@echo "dom0 comes up with a 'dom0 #' shell: try xl list, xl create -c /etc/xen/demo.cfg")
	qemu-system-x86_64 $(QEMU_ARGS) -kernel $(BUILD)/lamina32.elf \
		-append "console=com1 com1=115200,8n1 $(ARGS)" $(RUN_MODULES)

.PHONY: $(BUILD)/run-guest.cfg
$(BUILD)/run-guest.cfg:
	@test -f "$(GUEST)" || { echo "GUEST=$(GUEST): no such file" >&2; exit 1; }
	@mkdir -p $(BUILD)
	@{ echo 'name = "guest"'; echo 'type = "pvh"'; \
	   echo 'kernel = "$(notdir $(GUEST))"'; \
	   $(if $(RAMDISK),echo 'ramdisk = "$(notdir $(RAMDISK))"';) \
	   echo 'cmdline = "$(CMDLINE)"'; echo 'memory = $(MEMORY)'; echo 'vcpus = $(VCPUS)'; } > $@

iso: deps-check all
	scripts/mkiso.sh $(BUILD)/lamina.elf $(BUILD)/lamina.iso

bench: all
	@scripts/bench.sh

# ---------------------------------------------------------------- hygiene
LINT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
lint: deps-check
	@echo "  LINT    clang-format, cppcheck"
	$(Q)clang-format --dry-run --Werror $(LINT_FILES)
	$(Q)cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
		--suppress=missingIncludeSystem --inline-suppr -D__GNUC__ -D__x86_64__ \
		-Ihv/include -Ihv/arch/x86/include hv

format:
	clang-format -i $(LINT_FILES)

deps:
	scripts/deps.sh install
deps-check:
	@scripts/deps.sh check

clean:
	rm -rf $(BUILD)
.PHONY: deps-check
