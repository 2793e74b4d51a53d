# bench/: programs the benchmark scripts run (not installed).
# bench/sandbox-setup: entering xenon-hv's and xenstored's sandboxes, no KVM needed (bench/sandbox-host).
$(eval $(call program,bench/sandbox-setup,bench/sandbox-setup.o hypervisor/sandbox.o hypervisor/sandbox_seccomp.o $(SECCOMP_TABLE_OBJS) hypervisor/vcpu_state.o hypervisor/stats.o xenstored/sandbox.o xenstored/sandbox_seccomp.o $(COMMON_OBJS),-pthread -lseccomp))
