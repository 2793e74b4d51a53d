# hypervisor/: xenon-hv (one process per domain), libhvctl.a (the control
# protocol's client library, hvctl.h) and hvctl (a small CLI over it).
HVCTL_LIB_OBJS := hypervisor/libhvctl.o hypervisor/hvctl_open.o
hypervisor/libhvctl.a: $(HVCTL_LIB_OBJS)
	$(AR) rcs $@ $^
LIBRARIES += hypervisor/libhvctl.a

# seccomp_rules.c (the tables) is compiled at build time into _seccomp_bpf.c (generated): xenon-hv links the latter.
HV_SRCS := $(filter-out hypervisor/libhvctl.c hypervisor/hvctl_open.c hypervisor/hvctl_cli.c hypervisor/seccomp_rules.c \
	hypervisor/_seccomp_bpf.c,$(sort $(wildcard hypervisor/*.c)))
HV_OBJS := $(HV_SRCS:.c=.o) hypervisor/_seccomp_bpf.o
HV_SECCOMP_OBJS := hypervisor/sandbox_seccomp.o hypervisor/_seccomp_bpf.o $(SECCOMP_BPF_OBJS)
ifneq ($(HV_SRCS),)
# liburing and libseccomp (Debian liburing-dev, libseccomp-dev) have static archives: xenon-hv stays -static.
$(eval $(call program,hypervisor/xenon-hv,$(HV_OBJS) $(SECCOMP_BPF_OBJS) hypervisor/libhvctl.a xenstored/libxs.a common/libcommon.a,-pthread -static -luring -lseccomp))
INSTALL_SBIN += hypervisor/xenon-hv
endif

ifneq ($(wildcard hypervisor/hvctl_cli.c),)
$(eval $(call program,hypervisor/hvctl,hypervisor/hvctl_cli.o hypervisor/vdev_spec.o hypervisor/libhvctl.a common/libcommon.a,))
INSTALL_SBIN += hypervisor/hvctl
endif

# Unit tests of xenon-hv's pieces (tests/unit/hv_*-test.c).
$(eval $(call unit_test,tests/unit/hv_elf-test,tests/unit/hv_elf-test.o hypervisor/elf.o hypervisor/memory.o hypervisor/boot.o $(COMMON_OBJS),))
$(eval $(call unit_test,tests/unit/hv_vcpu_state-test,tests/unit/hv_vcpu_state-test.o hypervisor/vcpu_state.o hypervisor/stats.o $(COMMON_OBJS),-pthread))
$(eval $(call unit_test,tests/unit/hv_stats-test,tests/unit/hv_stats-test.o hypervisor/stats.o $(COMMON_OBJS),))
$(eval $(call unit_test,tests/unit/hv_ratelimit-test,tests/unit/hv_ratelimit-test.o hypervisor/ratelimit.o $(COMMON_OBJS),))
$(eval $(call unit_test,tests/unit/hv_loglimit-test,tests/unit/hv_loglimit-test.o hypervisor/loglimit.o $(COMMON_OBJS),))
$(eval $(call unit_test,tests/unit/hv_uart-test,tests/unit/hv_uart-test.o hypervisor/uart.o hypervisor/console.o hypervisor/bus.o hypervisor/irq.o hypervisor/devices.o $(COMMON_OBJS),-pthread))
$(eval $(call unit_test,tests/unit/hv_virtio_dev-test,tests/unit/hv_virtio_dev-test.o hypervisor/virtio_dev.o hypervisor/bus.o hypervisor/irq.o hypervisor/devices.o hypervisor/virtio_mmio.o hypervisor/loglimit.o hypervisor/virtq.o $(COMMON_OBJS),-pthread))
$(eval $(call unit_test,tests/unit/hv_bus-test,tests/unit/hv_bus-test.o hypervisor/bus.o hypervisor/irq.o $(COMMON_OBJS),-pthread))

# The guest console's last lines for the crash log (guest bytes into xenon-hv's log).
$(eval $(call fuzzer,hypervisor/hv-console-tail-fuzz,tests/fuzz/hv-console-tail-fuzz.c hypervisor/console.c common/log.c common/strutil.c,-pthread))
# Fuzzing the ELF checks (tests/fuzz/hv-elf-fuzz.c; seeds in tests/fuzz/hv-elf-fuzz/, from tests/fuzz/make-seeds).
$(eval $(call fuzzer,hypervisor/hv-elf-fuzz,tests/fuzz/hv-elf-fuzz.c hypervisor/elf.c hypervisor/memory.c hypervisor/boot.c common/log.c common/strutil.c,))
$(eval $(call unit_test,tests/unit/hv_virtq-test,tests/unit/hv_virtq-test.o hypervisor/virtq.o $(COMMON_OBJS),-pthread))
$(eval $(call unit_test,tests/unit/hv_virtio_mmio-test,tests/unit/hv_virtio_mmio-test.o hypervisor/virtio_mmio.o hypervisor/loglimit.o hypervisor/virtq.o $(COMMON_OBJS),-pthread))
$(eval $(call fuzzer,hypervisor/hv-virtq-fuzz,tests/fuzz/hv-virtq-fuzz.c hypervisor/virtq.c common/log.c common/strutil.c,))
$(eval $(call fuzzer,hypervisor/hv-virtio-mmio-fuzz,tests/fuzz/hv-virtio-mmio-fuzz.c hypervisor/virtio_mmio.c hypervisor/loglimit.c hypervisor/virtq.c common/log.c common/strutil.c,-pthread))
# virtio-blk: a guest driver (good and hostile) over a temporary raw file; the disk and NIC specs.
MIGSTREAM_OBJS := hypervisor/migstream.o hypervisor/migstream_vdev.o hypervisor/migstream_write.o
HV_BLK_OBJS := hypervisor/virtio_blk.o hypervisor/blk_backing.o hypervisor/blk_io.o hypervisor/vdev.o hypervisor/vdev_spec.o \
	hypervisor/virtio_dev.o hypervisor/bus.o hypervisor/irq.o hypervisor/devices.o hypervisor/virtio_mmio.o hypervisor/loglimit.o hypervisor/virtq.o \
	hypervisor/migvdev.o $(MIGSTREAM_OBJS)
$(eval $(call unit_test,tests/unit/hv_blk-test,tests/unit/hv_blk-test.o $(HV_BLK_OBJS) $(COMMON_OBJS),-pthread -luring -Xlinker --wrap=blk_io_run))
$(eval $(call fuzzer,hypervisor/hv-vdev-spec-fuzz,tests/fuzz/hv-vdev-spec-fuzz.c hypervisor/vdev_spec.c common/log.c common/strutil.c,))
$(eval $(call fuzzer,hypervisor/hv-blk-fuzz,tests/fuzz/hv-blk-fuzz.c $(HV_BLK_OBJS:.o=.c) common/buf.c common/iov.c common/log.c common/strutil.c,-pthread -luring))

# virtio-net over a real tap (tests/unit/hv_net-test.c: a network namespace of its own, or the tap it is given).
HV_NET_TEST_OBJS := tests/unit/hv_net-test.o hypervisor/virtio_net.o hypervisor/virtio_net_tx.o hypervisor/virtio_net_rx.o hypervisor/ratelimit.o hypervisor/tap.o hypervisor/virtio_dev.o hypervisor/bus.o hypervisor/irq.o hypervisor/devices.o hypervisor/virtio_mmio.o hypervisor/loglimit.o hypervisor/virtq.o hypervisor/hvctl_open.o
$(eval $(call unit_test,tests/unit/hv_net-test,$(HV_NET_TEST_OBJS) $(COMMON_OBJS),-pthread))
$(eval $(call fuzzer,hypervisor/hv-net-fuzz,tests/fuzz/hv-net-fuzz.c hypervisor/virtio_net.c hypervisor/virtio_net_tx.c hypervisor/virtio_net_rx.c hypervisor/ratelimit.c hypervisor/virtio_mmio.c hypervisor/loglimit.c hypervisor/virtq.c common/log.c common/strutil.c,-pthread))

# A restore's RAM backed ahead of its stream: the plan, and the threads over a memfd.
$(eval $(call unit_test,tests/unit/hv_ram_fill-test,tests/unit/hv_ram_fill-test.o hypervisor/ram_fill.o $(COMMON_OBJS),-pthread))
# The migration stream (migstream*.c: reader, writer, VDEV checks): its unit test and a fuzzer of the reader.
$(eval $(call unit_test,tests/unit/hv_migstream-test,tests/unit/hv_migstream-test.o $(MIGSTREAM_OBJS) $(COMMON_OBJS),))
$(eval $(call unit_test,tests/unit/hv_control_file-test,tests/unit/hv_control_file-test.o hypervisor/control_file.o hypervisor/libhvctl.o $(COMMON_OBJS),))
$(eval $(call unit_test,tests/unit/hv_xs_track-test,tests/unit/hv_xs_track-test.o hypervisor/xs_track.o $(COMMON_OBJS),))
$(eval $(call unit_test,tests/unit/hv_xs_ring-test,tests/unit/hv_xs_ring-test.o hypervisor/xs_ring.o hypervisor/xs_track.o $(COMMON_OBJS),))
$(eval $(call fuzzer,hypervisor/hv-xs-track-fuzz,tests/fuzz/hv-xs-track-fuzz.c hypervisor/xs_track.c,))
$(eval $(call fuzzer,hypervisor/hv-xs-ring-fuzz,tests/fuzz/hv-xs-ring-fuzz.c hypervisor/xs_ring.c hypervisor/xs_track.c,))
$(eval $(call fuzzer,hypervisor/hv-migstream-fuzz,tests/fuzz/hv-migstream-fuzz.c $(MIGSTREAM_OBJS:.o=.c) common/buf.c common/iov.c common/log.c common/strutil.c,))
# The replies and events libhvctl reads from a (possibly taken-over) xenon-hv; seeds from tests/fuzz/make-seeds.
$(eval $(call fuzzer,hypervisor/hvctl-reply-fuzz,tests/fuzz/hvctl-reply-fuzz.c hypervisor/libhvctl.c common/log.c common/strutil.c common/fdpass.c,))
# The sandbox, entered for real in a child process (root; no KVM needed).
$(eval $(call unit_test,tests/unit/hv_sandbox-test,tests/unit/hv_sandbox-test.o hypervisor/sandbox.o $(HV_SECCOMP_OBJS) hypervisor/vcpu_state.o hypervisor/stats.o $(COMMON_OBJS),-pthread -lseccomp))
# The seccomp filters of each thread kind, installed in a child that then tries execve, open, socket, ptrace;
# the build-time ones, patched, byte for byte those libseccomp builds from the tables at run time.
$(eval $(call unit_test,tests/unit/hv_seccomp-test,tests/unit/hv_seccomp-test.o $(HV_SECCOMP_OBJS) hypervisor/seccomp_rules.o $(SECCOMP_TABLE_OBJS) $(COMMON_OBJS),-lseccomp))
# The balloon's checks of a guest's frames and of a saved state (balloon_core.c).
$(eval $(call unit_test,tests/unit/hv_balloon-test,tests/unit/hv_balloon-test.o hypervisor/balloon_core.o $(MIGSTREAM_OBJS) $(COMMON_OBJS),))
$(eval $(call fuzzer,hypervisor/hv-balloon-fuzz,tests/fuzz/hv-balloon-fuzz.c hypervisor/balloon_core.c $(MIGSTREAM_OBJS:.o=.c) common/buf.c common/iov.c common/log.c common/strutil.c,))
