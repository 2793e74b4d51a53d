/*
 * xenstored enters its seccomp filter (xenstored(8), SANDBOX): its
 * allow-list is seccomp_rules.c's, compiled to BPF at build time
 * (common/seccomp_gen.c writes _seccomp_bpf.c); xsd_seccomp_prepare copies
 * it and patches in the daemon's pid (common/seccomp_bpf.c), and
 * xsd_seccomp_enter loads it (one seccomp(2) call). A forbidden call traps:
 * the SIGSYS handler logs which call and the daemon exits
 * XSD_EXIT_SECCOMP.
 */
#include <unistd.h>

#include "log.h"
#include "sandbox.h"
#include "seccomp_bpf.h"
#include "seccomp_rules.h"

static struct seccomp_prog prog;

int xsd_seccomp_prepare(void)
{
	const long vals[XSD_SECCOMP_NR_VALUES] = {[XSD_SECCOMP_PID] = getpid()};
	int rc = seccomp_bpf_patch(&xsd_seccomp_bpf, 0, vals, XSD_SECCOMP_NR_VALUES, &prog);

	if (!rc)
		rc = seccomp_bpf_trap("xenstored", "xenstored stops", XSD_EXIT_SECCOMP);
	if (rc)
		log_warnx("sandbox: cannot prepare the seccomp filter: %s", log_strerror(rc));
	return rc;
}

int xsd_seccomp_enter(int log_fd)
{
	int rc;

	seccomp_bpf_log_fd(log_fd);
	rc = seccomp_bpf_load(&prog, "main");
	if (rc)
		log_warnx("sandbox: cannot enter the seccomp filter: %s", log_strerror(rc));
	return rc;
}
