/* A vbd's backing: open, checks, format probe, O_DIRECT detection, discard (blk_backing.h). */
#include "hypervisor/blk_backing.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

/* Image formats a raw disk must not be mistaken for: their magic, and where. */
static const struct {
	const char *name;
	bool at_end; /* in the footer (the last 512 bytes) rather than the header */
	unsigned off;
	const char *magic;
	unsigned len;
} image_magics[] = {
    {"qcow2", false, 0, "QFI\xfb", 4},
    {"vhd", false, 0, "conectix", 8}, /* a dynamic VHD's copy of its footer */
    {"vhd", true, 0, "conectix", 8},
    {"vmdk", false, 0, "KDMV", 4},
};

const char *blk_image_format(const uint8_t *head, size_t head_len, const uint8_t *tail, size_t tail_len)
{
	for (unsigned i = 0; i < sizeof(image_magics) / sizeof(image_magics[0]); i++) {
		const uint8_t *p = image_magics[i].at_end ? tail : head;
		size_t len = image_magics[i].at_end ? tail_len : head_len;

		if (p && image_magics[i].off + image_magics[i].len <= len &&
		    !memcmp(p + image_magics[i].off, image_magics[i].magic, image_magics[i].len))
			return image_magics[i].name;
	}
	return NULL;
}

static int read_at(int fd, void *buf, size_t len, uint64_t off)
{
	ssize_t n = pread(fd, buf, len, off);

	return n < 0 ? -errno : (int)n;
}

/* The format check on the buffered fd: header and footer. */
static int probe_format(struct blk_backing *b, const char *what, const char *path)
{
	uint8_t head[512], tail[512];
	int hn = read_at(b->bfd, head, sizeof(head), 0);
	int tn = read_at(b->bfd, tail, sizeof(tail), b->size - sizeof(tail));
	const char *fmt;

	if (hn < 0 || tn < 0) {
		log_warnx("%s: %s: cannot read it: %s", what, path, log_strerror(hn < 0 ? hn : tn));
		return hn < 0 ? hn : tn;
	}
	fmt = blk_image_format(head, hn, tail, tn);
	if (fmt) {
		log_warnx("%s: %s is a %s image; xenon-hv takes raw disks only: convert it "
			  "(qemu-img convert -O raw %s IMAGE.raw) and give the raw file",
			  what, path, fmt, path);
		return -EINVAL;
	}
	return 0;
}

static int size_of(struct blk_backing *b, const struct stat *st)
{
	uint64_t bytes;
	int lbs = 512;

	if (!b->blockdev) {
		b->size = st->st_size;
		b->logical_block = 512;
		return 0;
	}
	if (ioctl(b->bfd, BLKGETSIZE64, &bytes) < 0)
		return -errno;
	if (ioctl(b->bfd, BLKSSZGET, &lbs) < 0 || lbs < 512)
		lbs = 512;
	b->size = bytes;
	b->logical_block = lbs;
	return 0;
}

/* Can fd do O_DIRECT reads at this alignment? Tried at offset 0. */
static bool direct_works(int fd, unsigned align)
{
	void *buf = aligned_alloc(align, align);
	bool ok;

	if (!buf)
		return false;
	ok = pread(fd, buf, align, 0) >= 0;
	free(buf);
	return ok;
}

/* fd (O_DIRECT) for b's data when reads at an alignment work: true if taken. */
static bool use_direct(struct blk_backing *b, const char *path, int fd)
{
	static const unsigned aligns[] = {512, 4096};

	for (unsigned i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
		if (aligns[i] < b->logical_block || !direct_works(fd, aligns[i]))
			continue;
		b->fd = fd;
		b->direct = true;
		b->align = aligns[i];
		return true;
	}
	log_info("%s: O_DIRECT reads fail: buffered I/O", path);
	return false;
}

/* O_DIRECT when the backing takes it: else the buffered fd serves everything. */
static void open_direct(struct blk_backing *b, const char *path, int flags)
{
	int fd = open(path, flags | O_DIRECT);

	if (fd < 0)
		log_info("%s: no O_DIRECT (%s): buffered I/O", path, strerror(errno));
	else if (!use_direct(b, path, fd))
		close(fd);
}

static int check_type(const char *what, const char *path, const struct stat *st)
{
	if (S_ISDIR(st->st_mode))
		log_warnx("%s: %s is a directory: give a raw image file or a block device", what, path);
	else if (!S_ISREG(st->st_mode) && !S_ISBLK(st->st_mode))
		log_warnx("%s: %s is neither a regular file nor a block device", what, path);
	else if (st->st_size < (off_t)BLK_SECTOR && S_ISREG(st->st_mode))
		log_warnx("%s: %s is smaller than one 512-byte sector (%lld bytes): give a disk image", what,
			  path, (long long)st->st_size);
	else
		return 0;
	return S_ISDIR(st->st_mode) ? -EISDIR : -EINVAL;
}

static bool blockdev_readonly(int fd)
{
	int ro = 0;

	return ioctl(fd, BLKROGET, &ro) == 0 && ro;
}

static int open_failed(const char *what, const char *path, int flags, int rc)
{
	if (rc == -EISDIR)
		log_warnx("%s: %s is a directory: give a raw image file or a block device", what, path);
	else if ((rc == -EROFS || rc == -EACCES) && (flags & O_ACCMODE) == O_RDWR)
		log_warnx("%s: cannot open %s for writing: %s (attach it read-only with ro)", what, path,
			  log_strerror(rc));
	else
		log_warnx("%s: cannot open %s: %s", what, path, log_strerror(rc));
	return rc;
}

/* b->bfd is open (with flags' access mode): what it is, and its size. */
static int check_opened(struct blk_backing *b, const char *what, const char *path, int flags)
{
	struct stat st;
	int rc;

	if (fstat(b->bfd, &st) < 0)
		return -errno;
	rc = check_type(what, path, &st);
	if (rc)
		return rc;
	b->blockdev = S_ISBLK(st.st_mode);
	if (b->blockdev && (flags & O_ACCMODE) == O_RDWR && blockdev_readonly(b->bfd)) {
		/* Linux opens it for writing all the same; its writes would fail. */
		log_warnx("%s: cannot open %s for writing: %s (attach it read-only with ro)", what, path,
			  strerror(EROFS));
		return -EROFS;
	}
	rc = size_of(b, &st);
	if (rc)
		log_warnx("%s: %s: cannot find its size: %s", what, path, log_strerror(rc));
	else if (b->size < BLK_SECTOR) {
		log_warnx("%s: %s is smaller than one 512-byte sector", what, path);
		rc = -EINVAL;
	}
	return rc;
}

static int open_checked(struct blk_backing *b, const char *what, const char *path, int flags)
{
	b->bfd = open(path, flags);
	if (b->bfd < 0)
		return open_failed(what, path, flags, -errno);
	return check_opened(b, what, path, flags);
}

/*
 * One writer or any number of readers, across every xenon-hv on the host
 * (and within one: locks belong to open files): a disk attached twice for
 * writing would be corrupted by two caches.
 */
int blk_backing_lock(struct blk_backing *b, const char *what, const char *path)
{
	if (b->locked)
		return 0;
	if (!flock(b->bfd, (b->readonly ? LOCK_SH : LOCK_EX) | LOCK_NB) || errno != EWOULDBLOCK) {
		b->locked = true; /* taken, or a filesystem without locks: nothing to check with */
		return 0;
	}
	if (b->readonly)
		log_warnx("%s: %s is attached for writing elsewhere (a disk of this or another xenon-hv): "
			  "detach it there first",
			  what, path);
	else
		log_warnx(
		    "%s: %s is attached elsewhere (a disk of this or another xenon-hv): detach it there, "
		    "or attach every one read-only (ro)",
		    what, path);
	return -EBUSY;
}

int blk_backing_open(struct blk_backing *b, const char *what, const char *path, bool readonly, bool direct)
{
	int flags = (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC;
	int rc;

	memset(b, 0, sizeof(*b));
	b->fd = b->bfd = -1;
	b->readonly = readonly;
	b->align = 1;
	if (path[0] != '/') {
		log_warnx("%s: target '%s' is not an absolute path", what, path);
		return -EINVAL;
	}
	rc = open_checked(b, what, path, flags);
	if (!rc)
		rc = probe_format(b, what, path);
	if (rc) {
		blk_backing_close(b);
		return rc;
	}
	if (direct)
		open_direct(b, path, flags);
	if (!b->direct)
		b->fd = b->bfd;
	log_info("%s: %s, %llu bytes, %s%s", what, path, (unsigned long long)b->size,
		 b->direct ? "O_DIRECT" : "buffered", readonly ? ", read-only" : "");
	return 0;
}

/* The passed fd's access mode fits readonly; the O_DIRECT one is that file, with O_DIRECT. */
static int check_passed(const char *what, const char *path, int fd, int dfd, bool readonly)
{
	int fl = fcntl(fd, F_GETFL), dfl = dfd >= 0 ? fcntl(dfd, F_GETFL) : 0;
	struct stat a, d;

	if (fl < 0 || dfl < 0)
		return -errno;
	if ((fl & O_ACCMODE) != (readonly ? O_RDONLY : O_RDWR) ||
	    (dfd >= 0 && (dfl & O_ACCMODE) != (fl & O_ACCMODE))) {
		log_warnx("%s: the file passed for %s is open %s; the disk is %s", what, path,
			  (fl & O_ACCMODE) == O_RDWR ? "read-write" : "read-only", readonly ? "ro" : "rw");
		return -EBADF;
	}
	if (dfd >= 0 && (!(dfl & O_DIRECT) || fstat(fd, &a) < 0 || fstat(dfd, &d) < 0 ||
			 a.st_dev != d.st_dev || a.st_ino != d.st_ino)) {
		log_warnx("%s: the second file passed for %s is not that file opened with O_DIRECT", what,
			  path);
		return -EINVAL;
	}
	return 0;
}

int blk_backing_adopt(struct blk_backing *b, const char *what, const char *path, int fd, int dfd,
		      bool readonly, bool direct)
{
	int rc;

	memset(b, 0, sizeof(*b));
	b->fd = b->bfd = -1;
	b->readonly = readonly;
	b->align = 1;
	rc = check_passed(what, path, fd, dfd, readonly);
	if (rc)
		return rc;
	b->bfd = fd;
	rc = check_opened(b, what, path, readonly ? O_RDONLY : O_RDWR);
	if (!rc)
		rc = probe_format(b, what, path);
	if (rc) {
		b->bfd = -1; /* still the caller's */
		return rc;
	}
	if (direct && dfd >= 0)
		use_direct(b, path, dfd);
	if (!b->direct)
		b->fd = b->bfd;
	log_info("%s: %s (passed), %llu bytes, %s%s", what, path, (unsigned long long)b->size,
		 b->direct ? "O_DIRECT" : "buffered", readonly ? ", read-only" : "");
	return 0;
}

/* The data written reaches the file (a page cache another host may not
 * share: NFS), then the lock goes, for the domain's copy on another host. */
int blk_backing_unlock(struct blk_backing *b)
{
	int rc = 0;

	if (!b->locked)
		return 0;
	if (!b->readonly && fdatasync(b->bfd) < 0)
		rc = -errno;
	if (!rc && flock(b->bfd, LOCK_UN) < 0)
		rc = -errno;
	if (!rc)
		b->locked = false;
	return rc;
}

void blk_backing_close(struct blk_backing *b)
{
	if (b->fd >= 0 && b->fd != b->bfd)
		close(b->fd);
	if (b->bfd >= 0)
		close(b->bfd);
	b->fd = b->bfd = -1;
}

int blk_backing_discard(struct blk_backing *b, uint64_t off, uint64_t len)
{
	uint64_t range[2] = {off, len};

	if (b->blockdev)
		return ioctl(b->bfd, BLKDISCARD, range) < 0 ? -errno : 0;
	return fallocate(b->bfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len) < 0 ? -errno : 0;
}
