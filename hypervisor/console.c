/*
 * Where the guest console goes: stdio (input from stdin), a pty (for
 * `xl console`; input from it too) or a file (output only). Every byte is
 * also kept in a bounded ring, so that a late reader sees recent output
 * (HVCTL_CONSOLE_RING).
 */
#include "hypervisor/hv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "log.h"

#define RING_SIZE (16 * 1024)

struct hv_console {
	pthread_mutex_t lock;
	int out_fd, in_fd;
	int pty_slave_fd; /* held open so the master never sees a hang-up */
	int out_broken;	  /* stop writing after a hard error (reader gone) */
	char pty[108];
	struct termios saved_tty;
	int restore_tty;
	size_t ring_head, ring_len;
	uint8_t ring[RING_SIZE];
};

/* An interactive terminal: characters go to the guest as typed; ^C still ends xenon-hv. */
static void stdin_raw(struct hv_console *c)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &c->saved_tty))
		return;
	t = c->saved_tty;
	t.c_lflag &= ~(ICANON | ECHO | IEXTEN);
	t.c_iflag &= ~(ICRNL | IXON);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (!tcsetattr(STDIN_FILENO, TCSANOW, &t))
		c->restore_tty = 1;
}

static int open_pty(struct hv_console *c)
{
	struct termios t;
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (m < 0 || grantpt(m) || unlockpt(m) || ptsname_r(m, c->pty, sizeof(c->pty))) {
		log_warn("creating the console pty");
		if (m >= 0)
			close(m);
		return -errno;
	}
	c->pty_slave_fd = open(c->pty, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (c->pty_slave_fd >= 0 && !tcgetattr(c->pty_slave_fd, &t)) {
		cfmakeraw(&t);
		tcsetattr(c->pty_slave_fd, TCSANOW, &t);
	}
	fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
	c->out_fd = c->in_fd = m;
	log_info("console on %s", c->pty);
	return 0;
}

int hv_console_open(struct hv_vm *vm, const char *spec)
{
	struct hv_console *c = calloc(1, sizeof(*c));
	int rc = 0;

	if (!c)
		return -ENOMEM;
	pthread_mutex_init(&c->lock, NULL);
	c->in_fd = c->pty_slave_fd = -1;
	if (!strcmp(spec, "stdio")) {
		c->out_fd = STDOUT_FILENO;
		/* A background job reading its terminal would be stopped (SIGTTIN). */
		if (!isatty(STDIN_FILENO) || tcgetpgrp(STDIN_FILENO) == getpgrp()) {
			c->in_fd = STDIN_FILENO;
			stdin_raw(c);
		}
	} else if (!strcmp(spec, "pty")) {
		rc = open_pty(c);
	} else {
		c->out_fd = open(spec, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
		if (c->out_fd < 0) {
			rc = -errno;
			log_warn("--console %s: cannot open the file for writing", spec);
		}
	}
	if (rc) {
		free(c);
		return rc;
	}
	vm->console = c;
	return 0;
}

/*
 * At exit: give the terminal back. The console itself stays: vCPU threads
 * may still be writing to it until the process is gone.
 */
void hv_console_close(struct hv_vm *vm)
{
	struct hv_console *c = vm->console;

	if (c && c->restore_tty) {
		tcsetattr(STDIN_FILENO, TCSANOW, &c->saved_tty);
		c->restore_tty = 0;
	}
}

/* Close and free it all; only once no vCPU thread can write any more. */
void hv_console_destroy(struct hv_vm *vm)
{
	struct hv_console *c = vm->console;

	if (!c)
		return;
	hv_console_close(vm);
	if (c->out_fd > STDERR_FILENO)
		close(c->out_fd);
	if (c->pty_slave_fd >= 0)
		close(c->pty_slave_fd);
	vm->console = NULL;
	free(c);
}

static void ring_put(struct hv_console *c, const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		c->ring[(c->ring_head + c->ring_len) % RING_SIZE] = buf[i];
		if (c->ring_len < RING_SIZE)
			c->ring_len++;
		else
			c->ring_head = (c->ring_head + 1) % RING_SIZE;
	}
}

void hv_console_write(struct hv_vm *vm, const uint8_t *buf, size_t len)
{
	struct hv_console *c = vm->console;

	pthread_mutex_lock(&c->lock);
	ring_put(c, buf, len);
	while (len && !c->out_broken) {
		ssize_t n = write(c->out_fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break; /* nobody reads the pty: the ring keeps it */
		if (n < 0) {
			c->out_broken = 1;
			break;
		}
		buf += n;
		len -= n;
	}
	pthread_mutex_unlock(&c->lock);
}

int hv_console_input_fd(struct hv_vm *vm)
{
	return vm->console ? vm->console->in_fd : -1;
}

/* The main loop drops input on EOF. */
void hv_console_input_eof(struct hv_vm *vm)
{
	vm->console->in_fd = -1;
}

const char *hv_console_pty(struct hv_vm *vm)
{
	return vm->console ? vm->console->pty : "";
}

/* Our own end of the console pty (-1 without one): what hv_console_ring_flush_copy flushes for a reader. */
int hv_console_pty_fd(struct hv_vm *vm)
{
	return vm->console ? vm->console->pty_slave_fd : -1;
}

size_t hv_console_ring_copy(struct hv_vm *vm, uint8_t *buf, size_t len)
{
	size_t n = 0;

	hv_console_ring_flush_copy(vm, -1, buf, len, &n);
	return n;
}

/*
 * Under the lock hv_console_write holds: what is queued on the pty for its
 * reader (flush_fd: any fd of that pty, hv_console_pty_fd) is dropped and
 * the ring copied at the same instant, so that the reader prints the ring,
 * then everything its pty gives after, each byte once (flushing first and
 * reading the ring after, the reader got what came in between twice).
 */
int hv_console_ring_flush_copy(struct hv_vm *vm, int flush_fd, uint8_t *buf, size_t len, size_t *out)
{
	struct hv_console *c = vm->console;
	size_t n, skip;

	pthread_mutex_lock(&c->lock);
	if (flush_fd >= 0 && tcflush(flush_fd, TCIFLUSH) < 0) {
		int rc = -errno;

		pthread_mutex_unlock(&c->lock);
		return rc;
	}
	n = c->ring_len < len ? c->ring_len : len;
	skip = c->ring_len - n;
	for (size_t i = 0; i < n; i++)
		buf[i] = c->ring[(c->ring_head + skip + i) % RING_SIZE];
	pthread_mutex_unlock(&c->lock);
	*out = n;
	return 0;
}

void hv_console_ring_restore(struct hv_vm *vm, const uint8_t *buf, size_t len)
{
	struct hv_console *c = vm->console;

	pthread_mutex_lock(&c->lock);
	ring_put(c, buf, len);
	pthread_mutex_unlock(&c->lock);
}

/* Line i of buf (from *pos): into line made safe; false at the end of buf. */
static bool next_line(const uint8_t *buf, size_t len, size_t *pos, char line[HV_CONSOLE_LOG_LINE_MAX + 1])
{
	size_t k = 0, i = *pos;

	if (i >= len)
		return false;
	for (; i < len && buf[i] != '\n'; i++)
		if (buf[i] != '\r' && k < HV_CONSOLE_LOG_LINE_MAX)
			line[k++] = buf[i] >= ' ' && buf[i] < 0x7f ? (char)buf[i] : '?';
	line[k] = 0;
	*pos = i + 1;
	return true;
}

unsigned hv_console_tail_lines(const uint8_t *buf, size_t len, unsigned max_lines,
			       void (*emit)(void *arg, const char *line), void *arg)
{
	char line[HV_CONSOLE_LOG_LINE_MAX + 1];
	unsigned total = 0, seen = 0, emitted = 0;
	size_t pos = 0;

	while (next_line(buf, len, &pos, line))
		total += line[0] != 0;
	for (pos = 0; next_line(buf, len, &pos, line);)
		if (line[0] && seen++ >= (total > max_lines ? total - max_lines : 0)) {
			emit(arg, line);
			emitted++;
		}
	return emitted;
}

static void log_console_line(void *arg, const char *line)
{
	(void)arg;
	log_warnx("console: %s", line);
}

void hv_console_log_tail(struct hv_vm *vm, unsigned max_lines)
{
	uint8_t *buf;
	size_t n;

	if (!vm->console || !(buf = malloc(RING_SIZE)))
		return;
	n = hv_console_ring_copy(vm, buf, RING_SIZE);
	if (hv_console_tail_lines(buf, n, max_lines, log_console_line, NULL))
		log_warnx("(the guest console's last lines above, as the guest wrote them: not checked)");
	free(buf);
}
