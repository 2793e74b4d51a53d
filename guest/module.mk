# guest/: the Xenon guest kernel, guest/xenon-guest.elf. Freestanding: built
# with the host gcc but none of the host's libraries or startup files, and
# with rules of its own (the more specific guest/%.o patterns win over the
# generic host %.o rule of the top-level Makefile).
# gcc turns loops into calls to memset/memcpy (lib.c's own loops included)
# unless told not to; clang has no such flag and, with -ffreestanding, does
# not do it. The flag is given only to a compiler that takes it.
GUEST_NO_LOOP_CALLS := $(shell $(CC) -Werror -fno-tree-loop-distribute-patterns -x c -c -o /dev/null /dev/null \
	2>/dev/null && echo -fno-tree-loop-distribute-patterns)
GUEST_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -O2 -g -MMD -MP \
	-ffreestanding -nostdlib -fno-builtin-printf -fno-stack-protector \
	-fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only -mcmodel=small \
	-fno-asynchronous-unwind-tables $(GUEST_NO_LOOP_CALLS) \
	-Iguest -Iguest/include
GUEST_LDFLAGS := -nostdlib -static -Wl,-T,guest/xenon-guest.ld \
	-Wl,-z,max-page-size=4096 -Wl,--build-id=none -Wl,-z,noexecstack

GUEST_SRCS := $(sort $(wildcard guest/*.c guest/*.S))
GUEST_OBJS := $(patsubst %.S,%.o,$(GUEST_SRCS:.c=.o))

guest/%.o: guest/%.c
	$(CC) $(GUEST_CFLAGS) -c -o $@ $<
guest/%.o: guest/%.S
	$(CC) $(GUEST_CFLAGS) -D__ASSEMBLY__ -c -o $@ $<

guest/xenon-guest.elf: $(GUEST_OBJS) guest/xenon-guest.ld
	$(CC) $(GUEST_LDFLAGS) -o $@ $(GUEST_OBJS)

PROGRAMS += guest/xenon-guest.elf

.PHONY: install-guest
install: install-guest
# Where make install puts the guest kernel (the example configs name it there).
GUESTDIR ?= $(LIBDIR)/xenon/boot
install-guest: guest/xenon-guest.elf
	install -d $(DESTDIR)$(GUESTDIR)
	install -m 0644 guest/xenon-guest.elf $(DESTDIR)$(GUESTDIR)

# The IPv4 stack (net.c) is plain C on net.h and kernel.h's lib functions,
# so it is also built for the host: a unit test (tests/unit/guest_net-test)
# and a fuzzer of the receive path (tests/fuzz/guest-net-fuzz.c).
GUEST_HOST_INC := -Iguest -Iguest/include
tests/unit/guest_net-host.o: guest/net.c
	$(CC) $(XCFLAGS) $(CFLAGS) $(GUEST_HOST_INC) -c -o $@ $<
tests/unit/guest_net-host.san.o: guest/net.c
	$(CC) $(XCFLAGS) $(CFLAGS) $(SANFLAGS) $(GUEST_HOST_INC) -c -o $@ $<
tests/unit/guest_net-test.o tests/unit/guest_net-test.san.o: XCFLAGS += -Iguest
$(eval $(call unit_test,tests/unit/guest_net-test,tests/unit/guest_net-test.o tests/unit/guest_net-host.o))
guest/guest-net-fuzz: XCFLAGS += $(GUEST_HOST_INC)
$(eval $(call fuzzer,guest/guest-net-fuzz,tests/fuzz/guest-net-fuzz.c guest/net.c))

# The command line's virtio_mmio.device= parser, fuzzed on the host.
$(eval $(call fuzzer,guest/guest-mmio-arg-fuzz,tests/fuzz/guest-mmio-arg-fuzz.c guest/mmio_arg.c,))
tests/unit/guest_mmio_arg-host.o: guest/mmio_arg.c
	$(CC) $(XCFLAGS) $(CFLAGS) -c -o $@ $<
tests/unit/guest_mmio_arg-host.san.o: guest/mmio_arg.c
	$(CC) $(XCFLAGS) $(CFLAGS) $(SANFLAGS) -c -o $@ $<
$(eval $(call unit_test,tests/unit/guest_mmio_arg-test,tests/unit/guest_mmio_arg-test.o tests/unit/guest_mmio_arg-host.o))
