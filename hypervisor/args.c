/* xenon-hv's command line: parsed and checked before anything is created. */
#include "hypervisor/hv.h"
#include "hypervisor/hvctl.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "hypervisor/vdev_spec.h"
#include "log.h"
#include "strutil.h"

#define HV_DEFAULT_MEM_MIB 64
#define HV_MIN_MEM_MIB	   4
#define HV_MAX_DOMID	   0x7fef /* below Xen's DOMID_FIRST_RESERVED */
#define HV_MAX_ARG_DEVICES 16	  /* --disk and --nic together (interrupt lines run out first) */

void hv_usage(FILE *fp)
{
	fprintf(fp,
		"usage: xenon-hv --kernel FILE [--memory MIB] [--vcpus N] [--cmdline STR]\n"
		"                [--name NAME] [--domid ID] [--console stdio|pty|FILE]\n"
		"                [--control SOCKET] [--paused] [--xenstore[=SOCKET]] [-v]\n"
		"                [--disk devid=N,target=PATH[,ro][,serial=S][,direct=off]]...\n"
		"                [--nic devid=N,tap=NAME[,mac=XX:XX:XX:XX:XX:XX][,mtu=N]]...\n"
		"       xenon-hv --restore FILE|FD [--name NAME] [--domid ID] [--console ...]\n"
		"                [--control SOCKET] [--paused] [--xenstore[=SOCKET]] [-v]\n"
		"                [--uid UID] [--gid GID] [--uid-shared] [--no-sandbox[=LIST]]\n"
		"                [--hold-on crash,poweroff,reboot] [--keeper FD] [--ready FD]\n"
		"                [--dmesg FD] [--memory-pool host|hugetlb]\n"
		"Runs one Xenon domain: boots the ELF64 kernel FILE with MIB MiB of RAM\n"
		"(default %d) and N vCPUs (default 1). See xenon-hv(8).\n",
		HV_DEFAULT_MEM_MIB);
}

enum {
	OPT_KERNEL = 256,
	OPT_MEMORY,
	OPT_VCPUS,
	OPT_CMDLINE,
	OPT_NAME,
	OPT_DOMID,
	OPT_CONSOLE,
	OPT_CONTROL,
	OPT_PAUSED,
	OPT_XENSTORE,
	OPT_DISK,
	OPT_NIC,
	OPT_RESTORE,
	OPT_UID,
	OPT_GID,
	OPT_UID_SHARED,
	OPT_NO_SANDBOX,
	OPT_HOLD_ON,
	OPT_KEEPER,
	OPT_READY,
	OPT_DMESG,
	OPT_MEMORY_POOL,
};

static const struct option hv_options[] = {
    {"kernel", required_argument, NULL, OPT_KERNEL},
    {"memory", required_argument, NULL, OPT_MEMORY},
    {"vcpus", required_argument, NULL, OPT_VCPUS},
    {"cmdline", required_argument, NULL, OPT_CMDLINE},
    {"name", required_argument, NULL, OPT_NAME},
    {"domid", required_argument, NULL, OPT_DOMID},
    {"console", required_argument, NULL, OPT_CONSOLE},
    {"control", required_argument, NULL, OPT_CONTROL},
    {"paused", no_argument, NULL, OPT_PAUSED},
    {"xenstore", optional_argument, NULL, OPT_XENSTORE},
    {"disk", required_argument, NULL, OPT_DISK},
    {"nic", required_argument, NULL, OPT_NIC},
    {"restore", required_argument, NULL, OPT_RESTORE},
    {"uid", required_argument, NULL, OPT_UID},
    {"gid", required_argument, NULL, OPT_GID},
    {"uid-shared", no_argument, NULL, OPT_UID_SHARED},
    {"no-sandbox", optional_argument, NULL, OPT_NO_SANDBOX},
    {"hold-on", required_argument, NULL, OPT_HOLD_ON},
    {"keeper", required_argument, NULL, OPT_KEEPER},
    {"ready", required_argument, NULL, OPT_READY},
    {"dmesg", required_argument, NULL, OPT_DMESG},
    {"memory-pool", required_argument, NULL, OPT_MEMORY_POOL},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int parse_number(const char *opt, const char *s, uint64_t max, uint64_t *out)
{
	int rc = parse_u64(s, max, out);

	if (rc == -ERANGE)
		log_warnx("%s %s: too large (at most %llu)", opt, s, (unsigned long long)max);
	else if (rc)
		log_warnx("%s '%s': not a number", opt, s);
	return rc;
}

/* --memory-pool: where guest RAM comes from (memory.c). */
static int parse_memory_pool(const char *val, uint32_t *pool)
{
	static const char *const names[] = HVCTL_MEMORY_POOL_NAMES;

	for (uint32_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(val, names[i])) {
			*pool = i;
			return 0;
		}
	log_warnx("--memory-pool '%s': give host (the host's memory) or hugetlb (its pool of 2 MiB pages)",
		  val);
	return -EINVAL;
}

/* --disk/--nic VALUE: one more device, checked for syntax and duplicates
 * here; the target itself is opened before the domain is built. */
static int add_device(struct hv_args *a, uint32_t kind, const char *opt, const char *val)
{
	static struct hvctl_device_spec specs[HV_MAX_ARG_DEVICES];
	static char labels[HV_MAX_ARG_DEVICES][300];
	static const char *label_ptrs[HV_MAX_ARG_DEVICES];
	struct hvctl_device_spec *s = &specs[a->nr_devices % HV_MAX_ARG_DEVICES];
	char what[300];
	int rc;

	snprintf(what, sizeof(what), "%s %s", opt, val);
	if (a->nr_devices == HV_MAX_ARG_DEVICES) {
		log_warnx("%s: too many devices (at most %d --disk and --nic)", what, HV_MAX_ARG_DEVICES);
		return -EINVAL;
	}
	rc = hv_vdev_spec_parse_str(kind, what, val, s);
	if (!rc)
		rc = hv_vdev_spec_absolute(s, what);
	if (rc)
		return rc;
	for (unsigned i = 0; i < a->nr_devices; i++)
		if (specs[i].kind == kind && specs[i].devid == s->devid) {
			log_warnx("%s: devid %u is given twice", what, s->devid);
			return -EINVAL;
		}
	snprintf(labels[a->nr_devices], sizeof(labels[0]), "%s", what);
	label_ptrs[a->nr_devices] = labels[a->nr_devices];
	a->devices = specs;
	a->device_labels = label_ptrs;
	a->nr_devices++;
	return 0;
}

/*
 * --hold-on LIST: the ends after which xenon-hv keeps the domain, paused,
 * until HVCTL_DESTROY (for the toolstack's on_*=coredump-*).
 */
static int parse_hold_on(const char *list, uint32_t *mask)
{
	static const char *const names[] = {"crash", "poweroff", "reboot"};
	static const int status[] = {HV_EXIT_CRASH, HV_EXIT_POWEROFF, HV_EXIT_REBOOT};
	uint32_t words = 0;
	char bad[64];
	int rc = str_word_bits(list, names, 3, &words, bad, sizeof(bad));

	if (rc == -E2BIG) {
		log_warnx("--hold-on %s: too long", list);
		return -EINVAL;
	}
	if (rc) {
		log_warnx("--hold-on %s: unknown end '%s' (crash, poweroff, reboot)", list, bad);
		return -EINVAL;
	}
	for (unsigned i = 0; i < 3; i++)
		if (words & (1U << i))
			*mask |= 1U << status[i];
	if (!*mask) {
		log_warnx("--hold-on '%s': give one or more of crash, poweroff, reboot", list);
		return -EINVAL;
	}
	return 0;
}

/*
 * --keeper FD (an inherited socket to hand the VM to at the end, kvm.c) and
 * --ready FD (an inherited pipe to say "the control socket answers" on,
 * main.c): an open file of that type, close-on-exec from here on.
 */
static int parse_inherited(const char *opt, const char *val, mode_t type, const char *what, int *fd)
{
	struct stat st;
	uint64_t v;

	if (parse_number(opt, val, INT_MAX, &v))
		return -EINVAL;
	if (fstat((int)v, &st) < 0 || (st.st_mode & S_IFMT) != type) {
		log_warnx("%s %s: not an open %s", opt, val, what);
		return -EINVAL;
	}
	*fd = (int)v;
	return fcntl(*fd, F_SETFD, FD_CLOEXEC) < 0 ? -errno : 0;
}

static int set_option(struct hv_args *a, int opt, const char *val)
{
	uint64_t v;

	switch (opt) {
	case OPT_DISK:
		return add_device(a, HVCTL_DEV_VBD, "--disk", val);
	case OPT_NIC:
		return add_device(a, HVCTL_DEV_VIF, "--nic", val);
	case OPT_KERNEL:
		a->kernel = val;
		return 0;
	case OPT_RESTORE:
		a->restore = val;
		return 0;
	case OPT_CMDLINE:
		a->cmdline = val;
		return 0;
	case OPT_NAME:
		a->name = val;
		return 0;
	case OPT_CONSOLE:
		a->console = val;
		return 0;
	case OPT_CONTROL:
		a->control = val;
		return 0;
	case OPT_PAUSED:
		a->paused = 1;
		return 0;
	case OPT_XENSTORE:
		a->xenstore = 1;
		a->xenstored_socket = val;
		return 0;
	case 'v':
		a->verbose++;
		return 0;
	case OPT_MEMORY:
		if (parse_number("--memory", val, UINT32_MAX, &v))
			return -EINVAL;
		a->mem_bytes = v * HV_MIB;
		return 0;
	case OPT_VCPUS:
		if (parse_number("--vcpus", val, UINT32_MAX, &v))
			return -EINVAL;
		a->nr_vcpus = v;
		return 0;
	case OPT_DOMID:
		if (parse_number("--domid", val, HV_MAX_DOMID, &v))
			return -EINVAL;
		a->domid = v;
		return 0;
	case OPT_UID:
	case OPT_GID:
		if (parse_number(opt == OPT_UID ? "--uid" : "--gid", val, UINT32_MAX - 1, &v))
			return -EINVAL;
		if (!v) {
			log_warnx("%s 0: that is root's; give another (or --no-sandbox=user)",
				  opt == OPT_UID ? "--uid" : "--gid");
			return -EINVAL;
		}
		*(opt == OPT_UID ? &a->uid : &a->gid) = v;
		return 0;
	case OPT_UID_SHARED:
		a->uid_shared = 1;
		return 0;
	case OPT_NO_SANDBOX:
		return hv_sandbox_parse_off(val, &a->sandbox_off);
	case OPT_HOLD_ON:
		return parse_hold_on(val, &a->hold_on);
	case OPT_KEEPER:
		return parse_inherited("--keeper", val, S_IFSOCK,
				       "socket (libxl passes the keeper's; see xenon-hv(8), NOTES)", &a->keeper_fd);
	case OPT_READY:
		return parse_inherited("--ready", val, S_IFIFO, "pipe (libxl passes one; see xenon-hv(8))",
				       &a->ready_fd);
	case OPT_DMESG:
		return parse_inherited("--dmesg", val, S_IFREG,
				       "file (libxl passes the host's message ring; see xenon-hv(8))", &a->dmesg_fd);
	case OPT_MEMORY_POOL:
		return parse_memory_pool(val, &a->memory_pool);
	}
	return -EINVAL;
}

/* The checks that need no host resources (the kernel and memory come later). */
static int check_args(const struct hv_args *a)
{
	if (a->restore && (a->kernel || a->nr_devices)) {
		log_warnx(
		    "--restore: the saved domain brings its kernel, memory and vCPUs; give no --kernel, "
		    "and no --disk or --nic (its disks and NICs are added with HVCTL_DEVICE_ADD while it is "
		    "paused)");
		return -EINVAL;
	}
	if (!a->kernel && !a->restore) {
		log_warnx("no kernel given: use --kernel FILE (an ELF64 x86-64 image)");
		return -EINVAL;
	}
	if (a->nr_vcpus < 1) {
		log_warnx("--vcpus 0: a domain needs at least 1 vCPU");
		return -EINVAL;
	}
	if (a->nr_vcpus > XENON_MAX_VCPUS) {
		log_warnx("--vcpus %u: too many vCPUs (at most %d)", a->nr_vcpus, XENON_MAX_VCPUS);
		return -EINVAL;
	}
	if (a->mem_bytes < HV_MIN_MEM_MIB * HV_MIB) {
		log_warnx("--memory %llu: too little memory (at least %d MiB)",
			  (unsigned long long)(a->mem_bytes / HV_MIB), HV_MIN_MEM_MIB);
		return -EINVAL;
	}
	if (a->cmdline && strlen(a->cmdline) >= 4096) {
		log_warnx("--cmdline: too long (%zu bytes, at most 4095)", strlen(a->cmdline));
		return -EINVAL;
	}
	if (strlen(a->name) >= 64 || !a->name[0]) {
		log_warnx("--name '%s': must be 1 to 63 characters", a->name);
		return -EINVAL;
	}
	if (strlen(a->control) >= 108) {
		log_warnx("--control %s: socket path too long (at most 107 bytes)", a->control);
		return -EINVAL;
	}
	if (!a->console[0]) {
		log_warnx("--console: give stdio, pty or a file name");
		return -EINVAL;
	}
	return 0;
}

int hv_parse_args(int argc, char **argv, struct hv_args *a)
{
	static char default_name[32], default_control[108];
	int opt;

	memset(a, 0, sizeof(*a));
	a->mem_bytes = HV_DEFAULT_MEM_MIB * HV_MIB;
	a->nr_vcpus = 1;
	a->domid = 1;
	a->console = "stdio";
	a->cmdline = "";
	a->keeper_fd = -1;
	a->ready_fd = -1;
	a->dmesg_fd = -1;
	while ((opt = getopt_long(argc, argv, "vh", hv_options, NULL)) != -1) {
		if (opt == 'h') {
			hv_usage(stdout);
			return 1;
		}
		if (opt == '?' || set_option(a, opt, optarg)) {
			hv_usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		log_warnx("unexpected argument '%s' (options start with --)", argv[optind]);
		hv_usage(stderr);
		return -EINVAL;
	}
	if (!a->name) {
		snprintf(default_name, sizeof(default_name), "domain-%u", a->domid);
		a->name = default_name;
	}
	if (!a->control)
		a->control = hvctl_default_socket(a->domid, default_control, sizeof(default_control));
	if (!a->uid)
		a->uid = HV_SANDBOX_UID_BASE + a->domid;
	if (!a->gid)
		a->gid = a->uid;
	return check_args(a);
}
