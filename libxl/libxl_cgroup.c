/*
 * libxl_cgroup: one cgroup per domain (see libxl_cgroup.h).
 */
#include "libxl/libxl_cgroup.h"

#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define DEFAULT_PARENT "xenon"
#define REMOVE_WAIT_MS 2000
#define MOUNTINFO      "/proc/self/mountinfo"
#define KILL_MAX       256 /* processes of a cgroup killed per round (libxl__cg_kill) */

static int write_file(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int rc = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, value, strlen(value));
	if (n < 0)
		rc = -errno;
	else if ((size_t)n != strlen(value))
		rc = -EIO;
	close(fd);
	return rc;
}

/* The first len - 1 bytes of path, NUL-ended; -errno. */
static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* Is word one of the items of list (separated by any of seps)? */
static int has_word(const char *list, const char *word, const char *seps)
{
	size_t n = strlen(word);

	for (const char *p = list; *p; p += strcspn(p, seps), p += strspn(p, seps))
		if (strspn(p, seps) == 0 && !strncmp(p, word, n) && (p[n] == '\0' || strchr(seps, p[n])))
			return 1;
	return 0;
}

/*
 * One mountinfo line: "id parent maj:min root mountpoint opts [tags] - type
 * source superopts". A v1 hierarchy with controller ctl, or v2 offering it,
 * at its root.
 */
enum libxl__cg_version libxl__cg_mount_kind_of(char *line, const char *ctlname, char *mnt, size_t len)
{
	char *f[5], *save = NULL, *rest, *type, *super, ctl[512];
	int i;

	rest = strstr(line, " - ");
	if (!rest)
		return LIBXL__CG_NONE;
	*rest = '\0';
	rest += 3;
	for (i = 0; i < 5 && (f[i] = strtok_r(i ? NULL : line, " ", &save)); i++)
		;
	type = strtok_r(rest, " ", &save);
	strtok_r(NULL, " ", &save); /* source */
	super = strtok_r(NULL, " \n", &save);
	if (i < 5 || !type || !super || strcmp(f[3], "/") || strchr(f[4], '\\'))
		return LIBXL__CG_NONE;
	if (snprintf(mnt, len, "%s", f[4]) >= (int)len)
		return LIBXL__CG_NONE;
	if (!strcmp(type, "cgroup") && has_word(super, ctlname, ","))
		return LIBXL__CG_V1;
	if (strcmp(type, "cgroup2"))
		return LIBXL__CG_NONE;
	if (snprintf(ctl, sizeof(ctl), "%s/cgroup.controllers", mnt) >= (int)sizeof(ctl) ||
	    read_file(ctl, ctl, sizeof(ctl)) < 0 || !has_word(ctl, ctlname, " \n"))
		return LIBXL__CG_NONE;
	return LIBXL__CG_V2;
}

enum libxl__cg_version libxl__cg_mount_kind(char *line, char *mnt, size_t len)
{
	return libxl__cg_mount_kind_of(line, "cpu", mnt, len);
}

int libxl__cg_detect_of(struct libxl__cg_host *h, const char *ctl)
{
	char line[1024], mnt[LIBXL__CG_PATH_MAX];
	FILE *f = fopen(MOUNTINFO, "re");

	memset(h, 0, sizeof(*h));
	if (!f)
		return -errno;
	/* v1's hierarchy wins: where it is mounted, v2 cannot have the controller anyway. */
	while (fgets(line, sizeof(line), f)) {
		enum libxl__cg_version v = libxl__cg_mount_kind_of(line, ctl, mnt, sizeof(mnt));

		if (v != LIBXL__CG_NONE && (h->version == LIBXL__CG_NONE || v == LIBXL__CG_V1)) {
			h->version = v;
			memcpy(h->mount, mnt, sizeof(mnt));
		}
	}
	fclose(f);
	return h->version == LIBXL__CG_NONE ? -ENOENT : 0;
}

int libxl__cg_detect(struct libxl__cg_host *h)
{
	return libxl__cg_detect_of(h, "cpu");
}

int libxl__cg_parent(const char *env, const char *conf, const char **parent)
{
	const char *p = env;
	const char *what = "$XENON_CGROUP_PARENT";

	if (!p) {
		p = conf ? conf : DEFAULT_PARENT;
		what = "cgroup_parent";
	}
	for (const char *s = p; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.:@-/", *s))
			goto bad;
	if (*p == '/' || strstr(p, "//") || !strcmp(p, ".") || !strncmp(p, "./", 2) || strstr(p, "/./") ||
	    strstr(p, "..") || (*p && p[strlen(p) - 1] == '/'))
		goto bad;
	*parent = p;
	return 0;
bad:
	log_warnx("%s=\"%s\" is not a valid cgroup parent: give a relative path such as \"xenon\" of "
		  "letters, digits and _.:@- (\"\" runs domains without a cgroup)",
		  what, p);
	return -EINVAL;
}

/* mkdir every component of path below the mount (mount itself exists). */
static int mkdir_below(const char *mount, const char *rel)
{
	char path[LIBXL__CG_PATH_MAX];
	size_t base = strlen(mount);

	if (snprintf(path, sizeof(path), "%s/%s", mount, rel) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	for (char *s = path + base + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			int rc = -errno;

			log_warnx("cannot create cgroup %s: %s", path, log_strerror(rc));
			return rc;
		}
		*s = c;
		if (!c)
			return 0;
	}
}

/* v2: controller ctl for the children of each level from the root to parent. */
static int v2_enable(const char *mount, const char *parent, const char *ctlname)
{
	char path[LIBXL__CG_PATH_MAX], ctl[LIBXL__CG_PATH_MAX + 32], buf[512];
	size_t i = 0, n = strlen(parent);
	int rc;

	for (;;) {
		if (snprintf(path, sizeof(path), "%s/%.*s", mount, (int)i, parent) >= (int)sizeof(path))
			return -ENAMETOOLONG;
		snprintf(ctl, sizeof(ctl), "%s/cgroup.subtree_control", path);
		rc = read_file(ctl, buf, sizeof(buf));
		if (rc == 0 && !has_word(buf, ctlname, " \n")) {
			char plus[32];

			snprintf(plus, sizeof(plus), "+%s", ctlname);
			rc = write_file(ctl, plus);
		}
		if (rc < 0) {
			log_warnx("cannot give the %s controller to the children of cgroup %s (%s): %s",
				  ctlname, path, ctl, log_strerror(rc));
			return rc;
		}
		if (i >= n)
			return 0;
		i += strcspn(parent + i + 1, "/") + 1;
	}
}

/* An existing cgroup: taken over when it holds no process, else -EBUSY. */
static int take_over(const char *path)
{
	char procs[LIBXL__CG_PATH_MAX + 16], buf[64];
	int rc;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
	rc = read_file(procs, buf, sizeof(buf));
	if (rc == 0 && buf[0]) {
		buf[strcspn(buf, "\n")] = '\0';
		log_warnx("cgroup %s already holds process %s: another domain (or Xenon installation) uses "
			  "it; give this one another cgroup_parent",
			  path, buf);
		return -EBUSY;
	}
	return rc;
}

int libxl__cg_create(const char *parent, uint32_t domid, char *path, size_t len, bool optional)
{
	struct libxl__cg_host h;
	char rel[LIBXL__CG_PATH_MAX];
	int rc;

	rc = libxl__cg_detect(&h);
	if (rc < 0 && optional)
		log_warnx("warning: no cgroup with the cpu controller is mounted here (neither a cgroup v1 "
			  "'cpu' hierarchy nor cgroup v2 offering 'cpu' in %s): domain %u runs without a "
			  "cgroup, so without weight and cap",
			  MOUNTINFO, domid);
	else if (rc < 0)
		log_warnx("no cgroup with the cpu controller is mounted here (neither a cgroup v1 'cpu' "
			  "hierarchy nor cgroup v2 offering 'cpu' in %s): cpu_weight= and cap= cannot be "
			  "honoured; mount one or remove them",
			  MOUNTINFO);
	if (rc < 0)
		return -ENOENT;
	if (snprintf(rel, sizeof(rel), "%s/dom%u", parent, domid) >= (int)sizeof(rel) ||
	    snprintf(path, len, "%s/%s", h.mount, rel) >= (int)len)
		return -ENAMETOOLONG;
	rc = mkdir_below(h.mount, parent);
	if (rc == 0 && h.version == LIBXL__CG_V2)
		rc = v2_enable(h.mount, parent, "cpu");
	if (rc < 0)
		return rc;
	if (mkdir(path, 0755) == 0)
		return 0;
	if (errno != EEXIST) {
		rc = -errno;
		log_warn("cannot create cgroup %s", path);
		return rc;
	}
	return take_over(path);
}

int libxl__cg_procs_fd(const char *path, int *fd)
{
	char procs[LIBXL__CG_PATH_MAX + 16];

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
	*fd = open(procs, O_WRONLY | O_CLOEXEC);
	if (*fd < 0) {
		int rc = -errno;

		log_warnx("cannot open %s: %s", procs, log_strerror(rc));
		return rc;
	}
	return 0;
}

unsigned long libxl__cg_v1_shares(int weight)
{
	return (unsigned long)weight * 4;
}

unsigned long libxl__cg_v2_weight(int weight)
{
	unsigned long w = ((unsigned long)weight * 10000 + 65535 / 2) / 65535;

	return w ? w : 1;
}

unsigned long libxl__cg_quota_us(int cap)
{
	return (unsigned long)cap * (LIBXL__CG_PERIOD_US / 100);
}

static int set_one(const char *dir, const char *file, const char *value)
{
	char path[LIBXL__CG_PATH_MAX + 32];
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	rc = write_file(path, value);
	if (rc < 0)
		log_warnx("cannot write \"%s\" into %s: %s", value, path, log_strerror(rc));
	return rc;
}

int libxl__cg_set_cpu(const char *path, int weight, int cap)
{
	char probe[LIBXL__CG_PATH_MAX + 32], v[64];
	bool v1;
	int rc = 0;

	snprintf(probe, sizeof(probe), "%s/cpu.shares", path);
	v1 = access(probe, F_OK) == 0;
	if (weight >= 0) {
		snprintf(v, sizeof(v), "%lu", v1 ? libxl__cg_v1_shares(weight) : libxl__cg_v2_weight(weight));
		rc = set_one(path, v1 ? "cpu.shares" : "cpu.weight", v);
	}
	if (rc < 0 || cap < 0)
		return rc;
	if (v1) {
		snprintf(v, sizeof(v), "%d", LIBXL__CG_PERIOD_US);
		rc = set_one(path, "cpu.cfs_period_us", v);
		snprintf(v, sizeof(v), "%ld", cap ? (long)libxl__cg_quota_us(cap) : -1L);
		return rc < 0 ? rc : set_one(path, "cpu.cfs_quota_us", v);
	}
	if (cap)
		snprintf(v, sizeof(v), "%lu %d", libxl__cg_quota_us(cap), LIBXL__CG_PERIOD_US);
	else
		snprintf(v, sizeof(v), "max %d", LIBXL__CG_PERIOD_US);
	return set_one(path, "cpu.max", v);
}

int libxl__cg_path_valid(const char *path)
{
	const char *last = strrchr(path, '/');

	if (path[0] != '/' || !last || strstr(path, "/.") || strncmp(last, "/dom", 4) || !last[4] ||
	    strspn(last + 4, "0123456789") != strlen(last + 4))
		return -EINVAL;
	return 0;
}

int libxl__cg_remove(const char *path)
{
	struct timespec ms = {0, 10 * 1000 * 1000};

	if (libxl__cg_path_valid(path) < 0)
		return -EINVAL;
	for (int waited = 0;; waited += 10) {
		if (rmdir(path) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY || waited >= REMOVE_WAIT_MS)
			break;
		nanosleep(&ms, NULL);
	}
	int rc = -errno;

	log_warnx("cannot remove cgroup %s: %s", path, log_strerror(rc));
	return rc;
}

/* The pids listed in <path>/cgroup.procs (at most max); -errno. */
static int read_procs(const char *path, int *pids, int max)
{
	char file[LIBXL__CG_PATH_MAX + 16];
	FILE *f;
	int n = 0, pid;

	snprintf(file, sizeof(file), "%s/cgroup.procs", path);
	f = fopen(file, "re");
	if (!f)
		return -errno;
	while (n < max && fscanf(f, "%d", &pid) == 1)
		pids[n++] = pid;
	fclose(f);
	return n;
}

static bool listed(const int *pids, int n, int pid)
{
	for (int i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/*
 * SIGKILL each process of the cgroup one by one (cgroup v1, or v2 without
 * cgroup.kill). A pid is signalled through a pidfd opened before the list
 * is read again, and only if still listed then and not ended: that pid is
 * this cgroup's member, never a process that took the number since.
 */
static int kill_each(const char *path)
{
	int before[KILL_MAX], after[KILL_MAX], pidfd[KILL_MAX];
	int n = read_procs(path, before, KILL_MAX), m;

	if (n <= 0)
		return n;
	for (int i = 0; i < n; i++)
		pidfd[i] = pidfd_open(before[i], 0);
	m = read_procs(path, after, KILL_MAX);
	for (int i = 0; i < n; i++) {
		struct pollfd p = {pidfd[i], POLLIN, 0};

		if (pidfd[i] < 0)
			continue;
		if (m > 0 && listed(after, m, before[i]) && poll(&p, 1, 0) == 0)
			pidfd_send_signal(pidfd[i], SIGKILL, NULL, 0);
		close(pidfd[i]);
	}
	return n;
}

int libxl__cg_kill(const char *path)
{
	struct timespec ms = {0, 10 * 1000 * 1000};
	char file[LIBXL__CG_PATH_MAX + 16];
	int pid, n;

	if (libxl__cg_path_valid(path) < 0)
		return -EINVAL;
	snprintf(file, sizeof(file), "%s/cgroup.kill", path);
	for (int waited = 0;; waited += 10) {
		/* v2: every member at once, by the kernel; else one by one. */
		if (write_file(file, "1") < 0)
			kill_each(path);
		n = read_procs(path, &pid, 1);
		/* empty, or no such cgroup, or one being removed (ENODEV: the domain's monitor cleaning up) */
		if (n == 0 || n == -ENOENT || n == -ENODEV)
			return 0;
		if (n < 0)
			return n;
		if (waited >= REMOVE_WAIT_MS)
			return -EBUSY;
		nanosleep(&ms, NULL);
	}
}

/* ---- cpusets (cpupools) ---- */

int libxl__cpus_parse(const char *s, struct libxl__cpus *c)
{
	memset(c, 0, sizeof(*c));
	while (*s && *s != '\n') {
		char *end;
		unsigned long a, b;

		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		a = b = strtoul(s, &end, 10);
		if (*end == '-') {
			if (!isdigit((unsigned char)end[1]))
				return -EINVAL;
			b = strtoul(end + 1, &end, 10);
		}
		if (b < a || b >= LIBXL__CPUS_MAX || (*end && *end != ',' && *end != '\n') ||
		    (*end == ',' && !isdigit((unsigned char)end[1])))
			return -EINVAL;
		for (; a <= b; a++)
			libxl__cpus_set(c, (unsigned)a);
		s = *end == ',' ? end + 1 : end;
	}
	return 0;
}

void libxl__cpus_format(const struct libxl__cpus *c, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < LIBXL__CPUS_MAX; i++) {
		unsigned j = i;

		if (!libxl__cpus_test(c, i))
			continue;
		while (j + 1 < LIBXL__CPUS_MAX && libxl__cpus_test(c, j + 1))
			j++;
		if (off < len)
			off += (size_t)snprintf(buf + off, len - off, j > i ? "%s%u-%u" : "%s%u",
						off ? "," : "", i, j);
		i = j;
	}
	if (off >= len && len)
		buf[0] = '\0'; /* never a truncated list */
}

unsigned libxl__cpus_count(const struct libxl__cpus *c)
{
	unsigned n = 0;

	for (unsigned i = 0; i < LIBXL__CPUS_MAX / 64; i++)
		n += (unsigned)__builtin_popcountll(c->w[i]);
	return n;
}

/*
 * v1: a new cpuset starts with no CPU and no memory node; each level from
 * the mount down to rel that has none gets its parent's.
 */
static int v1_cpuset_fill(const char *mount, const char *rel)
{
	static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
	char path[LIBXL__CG_PATH_MAX], up[LIBXL__CG_PATH_MAX + 16], f[LIBXL__CG_PATH_MAX + 16], v[4096];
	int rc = 0;

	for (size_t i = 0; rc == 0; i++) {
		if (rel[i] != '/' && rel[i] != '\0')
			continue;
		if (snprintf(path, sizeof(path), "%s/%.*s", mount, (int)i, rel) >= (int)sizeof(path))
			return -ENAMETOOLONG;
		for (size_t k = 0; rc == 0 && k < sizeof(files) / sizeof(files[0]); k++) {
			if (snprintf(f, sizeof(f), "%s/%s", path, files[k]) >= (int)sizeof(f))
				return -ENAMETOOLONG;
			rc = read_file(f, v, sizeof(v));
			if (rc < 0 || (v[0] && v[0] != '\n'))
				continue;
			snprintf(up, sizeof(up), "%s", path);
			*strrchr(up, '/') = '\0';
			snprintf(up + strlen(up), sizeof(up) - strlen(up), "/%s", files[k]);
			rc = read_file(up, v, sizeof(v));
			if (rc == 0)
				rc = write_file(f, v);
		}
		if (rc < 0)
			log_warnx("cannot give cpuset %s its parent's CPUs and memory nodes: %s", path,
				  log_strerror(rc));
		if (!rel[i])
			break;
	}
	return rc;
}

int libxl__cs_set_cpus(const char *path, const char *cpus)
{
	return set_one(path, "cpuset.cpus", cpus);
}

int libxl__cs_place(const char *parent, uint32_t domid, int pid, const char *cpus, char *path, size_t len)
{
	struct libxl__cg_host h;
	char rel[LIBXL__CG_PATH_MAX], v[32];
	int rc = libxl__cg_detect_of(&h, "cpuset");

	if (rc < 0) {
		log_warnx("no cgroup with the cpuset controller is mounted here (neither a cgroup v1 "
			  "'cpuset' hierarchy nor cgroup v2 offering 'cpuset' in %s): cpupools cannot keep "
			  "domain %u on its pool's CPUs; mount one",
			  MOUNTINFO, domid);
		return -ENOENT;
	}
	if (snprintf(rel, sizeof(rel), "%s/dom%u", parent, domid) >= (int)sizeof(rel) ||
	    snprintf(path, len, "%s/%s", h.mount, rel) >= (int)len)
		return -ENAMETOOLONG;
	rc = mkdir_below(h.mount, rel);
	if (rc == 0 && h.version == LIBXL__CG_V1)
		rc = v1_cpuset_fill(h.mount, rel);
	if (rc == 0 && h.version == LIBXL__CG_V2)
		rc = v2_enable(h.mount, parent, "cpuset");
	if (rc == 0)
		rc = libxl__cs_set_cpus(path, cpus);
	snprintf(v, sizeof(v), "%d", pid);
	if (rc == 0 && pid > 0)
		rc = set_one(path, "cgroup.procs", v);
	return rc;
}
