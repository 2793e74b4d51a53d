/*
 * CONTROL messages: "<command>\0<arg>\0...". Ours:
 *   become <domid>          this connection becomes domain <domid>'s (one way)
 *   quota                   list the quota settings
 *   quota set <name> <value> set one (Xen's form; "quota <name> <value>" too)
 *   quota <domid>           what a domain uses
 *   journal [compact|sync]  journal size, or compact / sync it now
 *   check, log, logfile, print, memreport  accepted as Xen's (no effect)
 *   help                    the commands
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "domain.h"
#include "handlers.h"
#include "journal.h"
#include "log.h"
#include "quota.h"
#include "ratelimit.h"

#define CONTROL_ARGS 8

static int ctl_become(struct req *r, int argc, const char **argv)
{
	struct conn *c = r->conn;
	uint32_t domid;

	if (argc != 2 || parse_domid(argv[1], &domid))
		return -EINVAL;
	if (c->txs)
		return -EBUSY;
	reply_ok(r);
	if (domid != 0) {
		c->who.domid = domid;
		c->who.priv = false;
		c->who.target = domain_target(domid);
	}
	log_info("connection %u is now domain %u's", c->id, domid);
	return 0;
}

static int ctl_quota(struct req *r, int argc, const char **argv)
{
	char out[XS_PAYLOAD_MAX];
	int rc;

	if (argc == 1) {
		rc = quota_format(out, sizeof(out));
		return rc < 0 ? rc : reply(r, out, rc + 1);
	}
	if (argc == 2) {
		uint32_t domid;
		struct domain *d;

		if (parse_domid(argv[1], &domid))
			return -EINVAL;
		d = domain_find(domid);
		rc = snprintf(out, sizeof(out),
			      "Domain %u:\n%-17s: %8u (max %8u)\n%-17s: %8u (max %8u)\n%-17s: %8u (max %8u)\n",
			      domid, "nodes", d ? d->nodes : 0, quota_limit[QUOTA_NODES], "watches",
			      d ? d->watches : 0, quota_limit[QUOTA_WATCHES], "outstanding",
			      conn_outstanding_of(domid), quota_limit[QUOTA_OUTSTANDING]);
		return reply(r, out, rc + 1);
	}
	if (argc == 4 && !strcmp(argv[1], "set")) { /* Xen's form */
		argc--;
		argv++;
	}
	if (argc != 3)
		return -EINVAL;
	rc = quota_set(argv[1], argv[2]);
	return rc ? rc : reply_ok(r);
}

static int ctl_journal(struct req *r, int argc, const char **argv)
{
	char out[128];
	int rc = 0;

	if (!journal_enabled())
		return -ENOSYS;
	if (argc == 2 && !strcmp(argv[1], "compact"))
		rc = journal_compact();
	else if (argc == 2 && !strcmp(argv[1], "sync"))
		rc = journal_flush();
	else if (argc != 1)
		return -EINVAL;
	if (rc)
		return -EIO;
	rc = snprintf(out, sizeof(out), "journal %llu bytes\n", (unsigned long long)journal_size());
	return reply(r, out, rc + 1);
}

static int ctl_print(struct req *r, int argc, const char **argv)
{
	static struct log_rate print_rate = LOG_RATE("control print");

	if (argc >= 2)
		log_rate(&print_rate, LOG_WARNX, "control print: %s", argv[1]);
	return reply_ok(r);
}

static int ctl_ok(struct req *r, int argc, const char **argv)
{
	(void)argc;
	(void)argv;
	return reply_ok(r);
}

static int ctl_help(struct req *r, int argc, const char **argv);

static const struct control_cmd {
	const char *name;
	int (*fn)(struct req *r, int argc, const char **argv);
	const char *usage;
} control_cmds[] = {
    {"become", ctl_become, "become <domid>"},
    {"quota", ctl_quota, "quota [set <name> <val>|<domid>]"},
    {"journal", ctl_journal, "journal [compact|sync]"},
    {"print", ctl_print, "print <string>"},
    {"check", ctl_ok, "check"},
    {"log", ctl_ok, "log on|off"},
    {"logfile", ctl_ok, "logfile <file>"},
    {"memreport", ctl_ok, "memreport [<file>]"},
    {"help", ctl_help, "help"},
};

static int ctl_help(struct req *r, int argc, const char **argv)
{
	char out[XS_PAYLOAD_MAX];
	size_t len = 0;

	(void)argc;
	(void)argv;
	for (size_t i = 0; i < sizeof(control_cmds) / sizeof(control_cmds[0]); i++)
		len += snprintf(out + len, sizeof(out) - len, "%s\n", control_cmds[i].usage);
	return reply(r, out, len + 1);
}

int do_control(struct req *r)
{
	const char *argv[CONTROL_ARGS];
	int argc = req_args(r, argv, CONTROL_ARGS);

	if (argc < 1)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(control_cmds) / sizeof(control_cmds[0]); i++)
		if (!strcmp(control_cmds[i].name, argv[0]))
			return control_cmds[i].fn(r, argc, argv);
	return -EINVAL;
}
