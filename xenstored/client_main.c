/* xenstore: the multi-call client (client.h): option parsing and the mode table. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "log.h"
#include "strutil.h"

enum tx_policy { TX_NEVER, TX_ALWAYS, TX_MULTI_READ, TX_MULTI_WRITE };

static const struct mode {
	const char *name;
	int (*fn)(struct client *c);
	const char *opts;  /* getopt letters this mode takes */
	const char *usage; /* after "Usage: <prog> " */
	enum tx_policy tx;
	int min_args;
} modes[] = {
    {"read", mode_read, "hpsRf", "[-h] [-p] [-s] [-R] key [...]", TX_MULTI_READ, 1},
    {"write", mode_write, "hsR", "[-h] [-s] [-R] key value [...]", TX_MULTI_WRITE, 2},
    {"rm", mode_rm, "hst", "[-h] [-s] [-t] key [...]", TX_ALWAYS, 1},
    {"exists", mode_exists, "hps", "[-h] [-p] [-s] key [...]", TX_ALWAYS, 1},
    {"list", mode_list, "hpsf", "[-h] [-p] [-s] key [...]", TX_ALWAYS, 1},
    {"ls", mode_ls, "hfpsj", "[-h] [-f] [-p] [-s] [-j] [path]", TX_NEVER, 0},
    {"chmod", mode_chmod, "hurs", "[-h] [-u] [-r] [-s] key <mode [modes...]>", TX_ALWAYS, 2},
    {"watch", mode_watch, "hn:s", "[-h] [-n NR] key", TX_NEVER, 1},
    {"control", mode_control, "hs", "[-h] [-s] command [arguments...]", TX_NEVER, 1},
};

static const struct mode *find_mode(const char *name)
{
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(modes[i].name, name))
			return &modes[i];
	return NULL;
}

static void __attribute__((noreturn)) usage(const struct mode *m, const char *prog, bool with_mode)
{
	fatalx("Usage: %s %s%s%s", prog, with_mode ? m->name : "", with_mode ? " " : "", m->usage);
}

static void parse_opts(struct client *c, const struct mode *m, int argc, char **argv, bool with_mode)
{
	static const struct option longs[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"socket", no_argument, NULL, 's'},
	    {"prefix", no_argument, NULL, 'p'},
	    {"tidy", no_argument, NULL, 't'},
	    {"upto", no_argument, NULL, 'u'},
	    {"recurse", no_argument, NULL, 'r'},
	    {"raw", no_argument, NULL, 'R'},
	    {"json", no_argument, NULL, 'j'},
	    {NULL, 0, NULL, 0},
	};
	uint64_t nr;
	int ch;

	while ((ch = getopt_long(argc, argv, m->opts, longs, NULL)) != -1) {
		if (ch == '?' || !strchr(m->opts, ch) || ch == 'h')
			usage(m, c->progname, with_mode);
		switch (ch) {
		case 'p':
			c->prefix = true;
			break;
		case 't':
			c->tidy = true;
			break;
		case 'u':
			c->upto = true;
			break;
		case 'r':
			c->recurse = true;
			break;
		case 'R':
			c->raw = true;
			break;
		case 'f':
			c->full = true;
			break;
		case 'j':
			c->json = true;
			break;
		case 'n':
			if (parse_u64(optarg, 1000000000, &nr) || !nr)
				fatalx("-n %s: give the number of events to wait for (1 or more)", optarg);
			c->watch_nr = nr;
			break;
		}
	}
	c->argc = argc - optind;
	c->argv = argv + optind;
	if (c->argc < m->min_args)
		usage(m, c->progname, with_mode);
	if (m->tx == TX_MULTI_WRITE && c->argc % 2)
		usage(m, c->progname, with_mode);
}

static bool wants_tx(const struct mode *m, const struct client *c)
{
	switch (m->tx) {
	case TX_ALWAYS:
		return true;
	case TX_MULTI_READ:
		return c->argc > 1;
	case TX_MULTI_WRITE:
		return c->argc > 2;
	default:
		return false;
	}
}

/* Run the mode, inside a transaction when Xen's client would, retrying on EAGAIN. */
static int run(struct client *c, const struct mode *m)
{
	bool tx = wants_tx(m, c);
	char *buf;
	size_t len;
	bool ended;
	int ret;

	for (;;) {
		c->out = open_memstream(&buf, &len);
		if (!c->out)
			fatal("open_memstream");
		c->tx = XBT_NULL;
		if (tx && (c->tx = xs_transaction_start(c->xs)) == XBT_NULL)
			fatalx("couldn't start transaction");
		ret = m->fn(c);
		ended = !tx || xs_transaction_end(c->xs, c->tx, ret != 0);
		fclose(c->out);
		if (!ended && errno == EAGAIN && ret == 0) {
			free(buf);
			continue;
		}
		if (!ended && !(ret && errno == ENOENT))
			fatalx("couldn't end transaction");
		fwrite(buf, 1, len, stdout);
		free(buf);
		return ret;
	}
}

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	struct client c = {.progname = argv[0]};
	const struct mode *m;
	bool with_mode = false;
	int rc;

	base = base ? base + 1 : argv[0];
	log_init(base);
	if (!strncmp(base, "xenstore-", 9)) {
		c.mode = base + 9;
	} else if (argc >= 2) {
		c.mode = argv[1];
		with_mode = true;
		argc--;
		argv++;
	} else {
		fatalx("Usage: %s <mode> [-h] [...]", c.progname);
	}
	m = find_mode(c.mode);
	if (!m)
		fatalx("unknown mode %s: use read, write, rm, exists, list, ls, chmod, watch or "
		       "control",
		       c.mode);
	parse_opts(&c, m, argc, argv, with_mode);
	c.xs = xs_open(0);
	if (!c.xs)
		fatalx("cannot connect to xenstored at %s: %s (is it running? XENSTORED_PATH "
		       "names another socket)",
		       xs_daemon_socket(), strerror(errno));
	rc = run(&c, m);
	xs_close(c.xs);
	return rc;
}
