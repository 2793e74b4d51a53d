/*
 * A 16550-compatible UART at 0x3f8, interrupt on IOAPIC pin 4. Transmit is
 * instantaneous (the byte goes to the console at once, THR is always empty);
 * received bytes wait in a small FIFO. The interrupt line follows the
 * 16550 rules: data ready (IER bit 0) and THR empty (IER bit 1). A device
 * instance (bus.h): its ports on the I/O bus, its line claimed from irq.c;
 * once started it reads the console input (console.c) from the main loop.
 */
#include "hypervisor/hv.h"

#include <errno.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define UART_FIFO   256
#define INPUT_CHUNK 256
/* How soon to look again at input waiting for the guest to drain the FIFO. */
#define RX_FULL_RETRY_MS 20

enum { REG_DATA, REG_IER, REG_IIR_FCR, REG_LCR, REG_MCR, REG_LSR, REG_MSR, REG_SCR };
#define IER_RDA		0x01
#define IER_THRE	0x02
#define IIR_NONE	0x01
#define IIR_THRE	0x02
#define IIR_RDA		0x04
#define IIR_FIFO	0xc0
#define FCR_FIFO	0x01
#define FCR_CLEAR_RX	0x02
#define LCR_DLAB	0x80
#define LSR_DR		0x01
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define MSR_CTS_DSR_DCD 0xb0

struct hv_uart {
	struct hv_vm *vm;
	unsigned irq;
	int in_fd; /* the console input we watch, -1 if none */
	pthread_mutex_t lock;
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	int thre_pending; /* THR-empty interrupt not yet acknowledged */
	int irq_level;
	unsigned rx_head, rx_len;
	uint8_t rx[UART_FIFO];
};

static int uart_pending(const struct hv_uart *u)
{
	return ((u->ier & IER_RDA) && u->rx_len) || ((u->ier & IER_THRE) && u->thre_pending);
}

/* Called with u->lock held: move the IRQ line to match the state. */
static void uart_update_irq(struct hv_uart *u, int new_data)
{
	int level = uart_pending(u);

	/* New data while the line is already up: make a fresh edge for edge-triggered pins. */
	if (level && u->irq_level && new_data)
		hv_kvm_irq_line(u->vm, u->irq, 0);
	else if (level == u->irq_level)
		return;
	hv_kvm_irq_line(u->vm, u->irq, level);
	u->irq_level = level;
}

static uint8_t uart_iir(struct hv_uart *u)
{
	uint8_t fifo = (u->fcr & FCR_FIFO) ? IIR_FIFO : 0;

	if ((u->ier & IER_RDA) && u->rx_len)
		return IIR_RDA | fifo;
	if ((u->ier & IER_THRE) && u->thre_pending) {
		u->thre_pending = 0; /* reading IIR acknowledges THRE */
		return IIR_THRE | fifo;
	}
	return IIR_NONE | fifo;
}

static uint8_t uart_read(struct hv_uart *u, unsigned reg)
{
	uint8_t c;

	switch (reg) {
	case REG_DATA:
		if (u->lcr & LCR_DLAB)
			return u->dll;
		if (!u->rx_len)
			return 0;
		c = u->rx[u->rx_head];
		u->rx_head = (u->rx_head + 1) % UART_FIFO;
		u->rx_len--;
		return c;
	case REG_IER:
		return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
	case REG_IIR_FCR:
		return uart_iir(u);
	case REG_LCR:
		return u->lcr;
	case REG_MCR:
		return u->mcr;
	case REG_LSR:
		return LSR_THRE | LSR_TEMT | (u->rx_len ? LSR_DR : 0);
	case REG_MSR:
		return MSR_CTS_DSR_DCD;
	default:
		return u->scr;
	}
}

/* Returns 1 when val is a byte to transmit. */
static int uart_write(struct hv_uart *u, unsigned reg, uint8_t val)
{
	switch (reg) {
	case REG_DATA:
		if (u->lcr & LCR_DLAB) {
			u->dll = val;
			return 0;
		}
		u->thre_pending = 1;
		return 1;
	case REG_IER:
		if (u->lcr & LCR_DLAB) {
			u->dlm = val;
		} else {
			if ((val & IER_THRE) && !(u->ier & IER_THRE))
				u->thre_pending = 1;
			u->ier = val & 0x0f;
		}
		return 0;
	case REG_IIR_FCR:
		u->fcr = val;
		if (val & FCR_CLEAR_RX)
			u->rx_len = 0;
		return 0;
	case REG_LCR:
		u->lcr = val;
		return 0;
	case REG_MCR:
		u->mcr = val;
		return 0;
	case REG_SCR:
		u->scr = val;
		return 0;
	default:
		return 0; /* LSR, MSR: read-only */
	}
}

/* Any width: the registers are bytes, the rest of a wider read is zero. */
static int uart_dev_read(struct hv_dev *d, unsigned region, uint64_t off, void *data, unsigned size)
{
	struct hv_uart *u = d->priv;
	uint8_t *p = data;

	(void)region;
	pthread_mutex_lock(&u->lock);
	p[0] = uart_read(u, off);
	uart_update_irq(u, 0);
	pthread_mutex_unlock(&u->lock);
	memset(p + 1, 0, size - 1);
	return 0;
}

static int uart_dev_write(struct hv_dev *d, unsigned region, uint64_t off, const void *data, unsigned size)
{
	struct hv_uart *u = d->priv;
	int tx;

	(void)region;
	(void)size;
	pthread_mutex_lock(&u->lock);
	tx = uart_write(u, off, *(const uint8_t *)data);
	uart_update_irq(u, 0);
	pthread_mutex_unlock(&u->lock);
	if (tx)
		hv_console_write(u->vm, data, 1);
	return 0;
}

/* `rep outsb` to THR: the whole string goes to the console in one write. */
static int uart_dev_write_string(struct hv_dev *d, unsigned region, uint64_t off, const void *data,
				 unsigned size, unsigned count)
{
	struct hv_uart *u = d->priv;
	const uint8_t *p = data;
	int thr;

	pthread_mutex_lock(&u->lock);
	thr = off == REG_DATA && !(u->lcr & LCR_DLAB) && size == 1;
	if (thr) {
		u->thre_pending = 1;
		uart_update_irq(u, 0);
	}
	pthread_mutex_unlock(&u->lock);
	if (thr) {
		hv_console_write(u->vm, p, count);
		return 0;
	}
	for (unsigned i = 0; i < count; i++, p += size)
		uart_dev_write(d, region, off, p, size);
	return 0;
}

size_t hv_uart_rx_space(struct hv_dev *d)
{
	struct hv_uart *u = d->priv;
	size_t space;

	pthread_mutex_lock(&u->lock);
	space = UART_FIFO - u->rx_len;
	pthread_mutex_unlock(&u->lock);
	return space;
}

size_t hv_uart_receive(struct hv_dev *d, const uint8_t *buf, size_t len)
{
	struct hv_uart *u = d->priv;
	size_t n = 0;

	pthread_mutex_lock(&u->lock);
	for (; n < len && u->rx_len < UART_FIFO; n++)
		u->rx[(u->rx_head + u->rx_len++) % UART_FIFO] = buf[n];
	if (n)
		uart_update_irq(u, 1);
	pthread_mutex_unlock(&u->lock);
	return n;
}

/* Main loop: read console input only while the FIFO has room for it. */
static short input_want(struct hv_vm *vm, void *opaque, int fd, int *timeout_ms)
{
	(void)vm;
	(void)fd;
	if (hv_uart_rx_space(opaque))
		return POLLIN;
	if (*timeout_ms < 0 || *timeout_ms > RX_FULL_RETRY_MS)
		*timeout_ms = RX_FULL_RETRY_MS;
	return 0;
}

static void input_ready(struct hv_vm *vm, void *opaque, int fd, short revents)
{
	struct hv_uart *u = ((struct hv_dev *)opaque)->priv;
	uint8_t buf[INPUT_CHUNK];
	size_t space = hv_uart_rx_space(opaque);
	ssize_t n = read(fd, buf, space < sizeof(buf) ? space : sizeof(buf));

	(void)revents;
	if (n > 0) {
		hv_uart_receive(opaque, buf, n);
	} else if (n == 0 || (errno != EAGAIN && errno != EINTR && errno != EIO)) {
		hv_loop_del(vm, fd);
		u->in_fd = -1;
		hv_console_input_eof(vm);
	}
}

static int uart_start(struct hv_dev *d)
{
	struct hv_uart *u = d->priv;
	int fd = hv_console_input_fd(d->vm), rc;

	if (fd < 0)
		return 0;
	rc = hv_loop_add(d->vm, fd, POLLIN, HV_LOOP_DEVICE, input_ready, input_want, d);
	if (rc) /* the guest still has its output */
		log_warnx("console input (fd %d) not read: %s", fd, log_strerror(rc));
	else
		u->in_fd = fd;
	return 0;
}

static void uart_stop(struct hv_dev *d)
{
	struct hv_uart *u = d->priv;

	hv_loop_del(d->vm, u->in_fd);
	u->in_fd = -1;
}

static void uart_destroy(struct hv_dev *d)
{
	struct hv_uart *u = d->priv;

	hv_irq_free(&d->vm->irqs, u->irq);
	pthread_mutex_destroy(&u->lock);
	free(u);
}

/* The saved state (man/xenon-migration.7, device "uart"): registers, then the receive FIFO oldest first. */
struct uart_saved {
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm, thre_pending, irq_level, pad[3];
	uint32_t rx_len;
	uint8_t rx[UART_FIFO];
};

static int uart_save(struct hv_dev *d, void *buf, size_t *len)
{
	struct hv_uart *u = d->priv;
	struct uart_saved s = {0};

	if (*len < sizeof(s))
		return -ENOSPC;
	pthread_mutex_lock(&u->lock);
	s = (struct uart_saved){u->ier,
				u->lcr,
				u->mcr,
				u->scr,
				u->fcr,
				u->dll,
				u->dlm,
				(uint8_t)u->thre_pending,
				(uint8_t)u->irq_level,
				{0},
				u->rx_len,
				{0}};
	for (unsigned i = 0; i < u->rx_len; i++)
		s.rx[i] = u->rx[(u->rx_head + i) % UART_FIFO];
	pthread_mutex_unlock(&u->lock);
	memcpy(buf, &s, sizeof(s));
	*len = sizeof(s);
	return 0;
}

/* From a stream: checked (the IRQ line itself comes back with the irqchip). */
static int uart_restore(struct hv_dev *d, const void *buf, size_t len)
{
	struct hv_uart *u = d->priv;
	struct uart_saved s;

	if (len != sizeof(s))
		return -EBADMSG;
	memcpy(&s, buf, sizeof(s));
	if (s.rx_len > UART_FIFO || (s.ier & ~0x0f) || s.thre_pending > 1 || s.irq_level > 1)
		return -EBADMSG;
	pthread_mutex_lock(&u->lock);
	u->ier = s.ier, u->lcr = s.lcr, u->mcr = s.mcr, u->scr = s.scr, u->fcr = s.fcr;
	u->dll = s.dll, u->dlm = s.dlm, u->thre_pending = s.thre_pending, u->irq_level = s.irq_level;
	u->rx_head = 0;
	u->rx_len = s.rx_len;
	memcpy(u->rx, s.rx, sizeof(u->rx));
	pthread_mutex_unlock(&u->lock);
	return 0;
}

static const struct hv_dev_ops uart_ops = {
    .save = uart_save,
    .restore = uart_restore,
    .name = "uart",
    .read = uart_dev_read,
    .write = uart_dev_write,
    .write_string = uart_dev_write_string,
    .start = uart_start,
    .stop = uart_stop,
    .destroy = uart_destroy,
};

int hv_uart_create(struct hv_vm *vm, struct hv_dev **out)
{
	struct hv_uart *u = calloc(1, sizeof(*u));
	int rc;

	if (!u)
		return -ENOMEM;
	u->vm = vm;
	u->in_fd = -1;
	u->irq = XENON_UART_IRQ; /* the guest ABI's COM1 line */
	pthread_mutex_init(&u->lock, NULL);
	rc = hv_irq_claim(&vm->irqs, u->irq, "uart");
	if (rc) {
		free(u);
		return rc;
	}
	rc = hv_dev_add(vm, &uart_ops, u, out);
	if (rc) {
		uart_destroy(&(struct hv_dev){.vm = vm, .priv = u});
		return rc;
	}
	rc = hv_bus_register(&vm->bus[HV_BUS_PIO], *out, 0, XENON_UART_PORT, 8, 0);
	if (rc)
		hv_dev_remove(*out);
	return rc;
}
