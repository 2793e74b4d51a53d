/*
 * xl trigger <Domain> <nmi|reset|init|power|sleep|s3resume> [<VCPU>] and
 * xl button-press <Domain> <power|sleep> (Xen's older form of the same):
 * libxl_send_trigger; sleep and s3resume are refused with the reason.
 * xl sysrq <Domain> <letter>: libxl_send_sysrq.
 */
#include "xl/cmd_util.h"
#include "xl/xl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static int send(const char *cmd, const char *dom, const char *what, const char *vcpu_s)
{
	libxl_trigger trigger;
	unsigned long vcpu = 0;
	libxl_ctx *ctx;
	uint32_t domid;
	char *end;
	int rc;

	if (libxl_trigger_from_string(what, &trigger) < 0 || trigger == LIBXL_TRIGGER_UNKNOWN) {
		xl_usage_error(cmd, "unknown trigger '%s': expected nmi, reset, init, power, sleep or s3resume",
			       what);
		return 1;
	}
	if (vcpu_s) {
		errno = 0;
		vcpu = strtoul(vcpu_s, &end, 10);
		if (errno || end == vcpu_s || *end || vcpu > 4095) {
			xl_usage_error(cmd, "'%s' is not a vCPU number", vcpu_s);
			return 1;
		}
	}
	ctx = xl_ctx_open();
	if (!ctx)
		return 1;
	rc = xl_find_guest(ctx, cmd, dom, &domid, "Domain-0 is the host: use its own power button");
	if (rc == 0) {
		rc = libxl_send_trigger(ctx, domid, trigger, (uint32_t)vcpu);
		if (rc == -ETIMEDOUT)
			xl_say_not_answering(cmd, dom);
		else if (rc < 0 && rc != -EOPNOTSUPP)
			log_warnx("%s: %s could not be sent to domain '%s': %s", cmd, what, dom, log_strerror(rc));
	}
	libxl_ctx_free(ctx);
	return rc < 0;
}

int main_trigger(int argc, char **argv)
{
	int opt;

	SWITCH_FOREACH_OPT(opt, "", NULL, "trigger", 2)
	{
	}
	if (xl_too_many_args(argc, argv, "trigger", 3))
		return 1;
	return send("trigger", argv[optind], argv[optind + 1], optind + 2 < argc ? argv[optind + 2] : NULL);
}

int main_button_press(int argc, char **argv)
{
	int opt;

	SWITCH_FOREACH_OPT(opt, "", NULL, "button-press", 2)
	{
	}
	if (xl_too_many_args(argc, argv, "button-press", 2))
		return 1;
	if (strcmp(argv[optind + 1], "power") && strcmp(argv[optind + 1], "sleep")) {
		xl_usage_error("button-press", "unknown button '%s': expected power or sleep", argv[optind + 1]);
		return 1;
	}
	return send("button-press", argv[optind], argv[optind + 1], NULL);
}

int main_sysrq(int argc, char **argv)
{
	const char *key;
	libxl_ctx *ctx;
	uint32_t domid;
	int opt, rc;

	SWITCH_FOREACH_OPT(opt, "", NULL, "sysrq", 2)
	{
	}
	if (xl_too_many_args(argc, argv, "sysrq", 2))
		return 1;
	key = argv[optind + 1];
	if (key[0] == '\0' || key[1] != '\0' || key[0] <= ' ' || key[0] > '~') {
		xl_usage_error("sysrq", "'%s' is not one sysrq letter: give a single letter, e.g. h for help",
			       key);
		return 1;
	}
	ctx = xl_ctx_open();
	if (!ctx)
		return 1;
	rc = xl_find_guest(ctx, "sysrq", argv[optind], &domid,
			   "Domain-0 is the host: use its own /proc/sysrq-trigger");
	if (rc == 0) {
		rc = libxl_send_sysrq(ctx, domid, key[0]);
		if (rc < 0)
			log_warnx("sysrq: cannot send '%c' to domain '%s': %s", key[0], argv[optind],
				  log_strerror(rc));
	}
	libxl_ctx_free(ctx);
	return rc < 0;
}
