/*
 * xenstored's sandbox (xenstored(8), SANDBOX), entered once the socket
 * listens and the journal is open:
 *   user     --user NAME or UID[:GID]: that uid and gid, no supplementary
 *            groups; the state directory (and its files) and the socket's
 *            directory, when it is xenstored's own (/run/xenstored), are
 *            given to it so that compaction and the socket's removal at exit
 *            still work. The socket itself stays root's, mode 0600: dom0's
 *            tools (root) connect as before. A user that does not exist: a
 *            log line, and the daemon stays root.
 *   caps     every capability dropped (effective, permitted, inheritable,
 *            ambient, the bounding set), as root too: root without
 *            capabilities can still use root's files, nothing more
 *   nnp      no_new_privs
 *   seccomp  the allow-list in seccomp_rules.c (compiled at build time;
 *            sandbox_seccomp.c loads it)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"
#include "strutil.h"

/* The socket directory xenstored may own: the system one (libxs's default). */
#define XSD_RUN_DIR "/run/xenstored"

/* NAME, or UID[:GID] (numeric, no passwd entry needed): 0, or -ENOENT. */
static int lookup_user(const char *spec, uid_t *uid, gid_t *gid)
{
	const struct passwd *pw = getpwnam(spec);
	uint64_t u, g;
	const char *colon = strchr(spec, ':');
	char num[32];

	if (pw) {
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
		return 0;
	}
	if (strlen(spec) >= sizeof(num))
		return -ENOENT;
	strcpy(num, spec);
	if (colon)
		num[colon - spec] = '\0';
	if (parse_u64(num, 0xfffffffeu, &u) || (colon && parse_u64(colon + 1, 0xfffffffeu, &g)))
		return -ENOENT;
	*uid = (uid_t)u;
	*gid = colon ? (gid_t)g : (gid_t)u;
	return 0;
}

/* Give dir and the files in it (the journal, the snapshot, the lock) to uid:gid. */
static int chown_tree(const char *dir, uid_t uid, gid_t gid)
{
	DIR *d = opendir(dir);
	const struct dirent *e;
	int rc = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (!rc && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    fchownat(dirfd(d), e->d_name, uid, gid, AT_SYMLINK_NOFOLLOW))
			rc = -errno;
	if (!rc && fchown(dirfd(d), uid, gid))
		rc = -errno;
	closedir(d);
	if (rc)
		log_warnx("sandbox: cannot give %s to uid %u: %s", dir, uid, log_strerror(rc));
	return rc;
}

static int socket_dir_own(const char *socket, uid_t uid, gid_t gid)
{
	size_t n = strlen(XSD_RUN_DIR);

	if (!socket || strncmp(socket, XSD_RUN_DIR "/", n + 1) || strchr(socket + n + 1, '/'))
		return 0; /* someone else's directory: the socket stays at exit */
	if (chown(XSD_RUN_DIR, uid, gid)) {
		int rc = -errno;

		log_warn("sandbox: cannot give %s to uid %u", XSD_RUN_DIR, uid);
		return rc;
	}
	return 0;
}

/* Can uid:gid use dir? Asked as them (effective ids only, then back to root). */
static int user_can_use(const char *dir, uid_t uid, gid_t gid)
{
	int rc = 0;

	if (setgroups(0, NULL) || setresgid(-1, gid, -1) || setresuid(-1, uid, -1))
		rc = -errno;
	if (!rc && faccessat(AT_FDCWD, dir, R_OK | W_OK | X_OK, AT_EACCESS))
		rc = -errno;
	if (setresuid(-1, 0, -1) || setresgid(-1, 0, -1))
		return -errno;
	return rc;
}

static int become(const struct xsd_sandbox *sb, uid_t uid, gid_t gid)
{
	int rc = sb->state_dir ? chown_tree(sb->state_dir, uid, gid) : 0;

	/* Compaction writes there later: fail now (the socket still removable), not then. */
	if (!rc && sb->state_dir && (rc = user_can_use(sb->state_dir, uid, gid)))
		log_warnx("sandbox: uid %u cannot use the state directory %s (each directory above it must "
			  "let it through): %s",
			  uid, sb->state_dir, log_strerror(rc));

	if (!rc)
		rc = socket_dir_own(sb->socket, uid, gid);
	if (!rc && (setgroups(0, NULL) || setresgid(gid, gid, gid) || setresuid(uid, uid, uid))) {
		rc = -errno;
		log_warn("sandbox: cannot become uid %u gid %u", uid, gid);
	}
	if (!rc && (getuid() != uid || geteuid() != uid || getgid() != gid)) {
		log_warnx("sandbox: still uid %u after setresuid(%u)", geteuid(), uid);
		rc = -EPERM;
	}
	return rc;
}

/* The bounding and ambient sets emptied (while root: it takes CAP_SETPCAP). */
static int drop_bounding(void)
{
	for (int cap = 0; prctl(PR_CAPBSET_READ, cap) >= 0; cap++)
		if (prctl(PR_CAPBSET_DROP, cap) < 0 && errno != EINVAL && !(errno == EPERM && geteuid())) {
			log_warn("sandbox: cannot drop capability %d from the bounding set", cap);
			return -errno;
		}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	return 0;
}

/* Effective, permitted and inheritable all empty (as root too). */
static int drop_caps(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2] = {{0}};

	if (syscall(SYS_capset, &h, d)) {
		log_warn("sandbox: cannot drop the capabilities");
		return -errno;
	}
	return 0;
}

/* The user to become, or none (stays who it is, with a log line saying why). */
static bool want_user(const struct xsd_sandbox *sb, uid_t *uid, gid_t *gid)
{
	if (!sb->user)
		return false;
	if (lookup_user(sb->user, uid, gid)) {
		log_warnx("sandbox: no user '%s' (create it: useradd --system --no-create-home "
			  "--shell /usr/sbin/nologin %s; or give --user UID:GID): xenstored stays uid %u, "
			  "without capabilities (xenstored(8), SANDBOX)",
			  sb->user, sb->user, geteuid());
		return false;
	}
	if (geteuid() != 0 && geteuid() != *uid) {
		log_warnx("sandbox: --user %s: not root, xenstored stays uid %u", sb->user, geteuid());
		return false;
	}
	return geteuid() != *uid;
}

int xsd_sandbox_enter(const struct xsd_sandbox *sb)
{
	uid_t uid;
	gid_t gid;
	int rc;

	if (sb->off) {
		log_warnx("WARNING: --no-sandbox: xenstored keeps its capabilities and runs without "
			  "no_new_privs or seccomp (xenstored(8), SANDBOX)");
		return 0;
	}
	rc = drop_bounding();
	if (!rc && want_user(sb, &uid, &gid))
		rc = become(sb, uid, gid);
	if (!rc)
		rc = drop_caps();
	if (!rc && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		rc = -errno;
		log_warn("sandbox: no_new_privs");
	}
	if (!rc)
		rc = xsd_seccomp_enter(sb->log_fd);
	if (rc)
		log_warnx("sandbox: not entered (%s): not serving; --no-sandbox runs without it "
			  "(xenstored(8))",
			  log_strerror(rc));
	else
		log_info("sandbox: uid %u gid %u, no capabilities, no_new_privs, seccomp", getuid(),
			 getgid());
	return rc;
}
