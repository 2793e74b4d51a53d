# bench/: programs the benchmark scripts run (not installed).
# bench/sandbox-setup: entering xenon-hv's and xenstored's sandboxes, no KVM needed (bench/sandbox-host).
$(eval $(call program,bench/sandbox-setup,bench/sandbox-setup.o hypervisor/sandbox.o $(HV_SECCOMP_OBJS) hypervisor/vcpu_state.o hypervisor/stats.o $(filter-out $(SECCOMP_BPF_OBJS),$(XSD_SANDBOX_OBJS)) $(COMMON_OBJS),-pthread -lseccomp))
# bench/seccomp-cost: what xenon-hv's seccomp filters cost per system call on the hot paths (no KVM, no root).
$(eval $(call program,bench/seccomp-cost,bench/seccomp-cost.o $(HV_SECCOMP_OBJS) $(COMMON_OBJS),-lseccomp))
# bench/xenstored-deep: what ~1000-level paths cost xenstored per request, in process (no socket).
$(eval $(call program,bench/xenstored-deep,bench/xenstored-deep.o $(XSD_CORE_OBJS) $(COMMON_OBJS)))
# bench/save-relay: xl save's stream through libxl's pipe into the file vs written into it directly (no KVM).
$(eval $(call program,bench/save-relay,bench/save-relay.o libxl/libxenlight.a $(LIBXL_DEPLIBS),-pthread $(LIBXL_LDLIBS)))
