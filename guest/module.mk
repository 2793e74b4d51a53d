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
install-guest: guest/xenon-guest.elf
	install -d $(DESTDIR)$(LIBDIR)/xenon/boot
	install -m 0644 guest/xenon-guest.elf $(DESTDIR)$(LIBDIR)/xenon/boot
