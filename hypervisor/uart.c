/*
 * A 16550-compatible UART at 0x3f8, interrupt on IOAPIC pin 4. Transmit is
 * instantaneous (the byte goes to the console at once, THR is always empty);
 * received bytes wait in a small FIFO. The interrupt line follows the
 * 16550 rules: data ready (IER bit 0) and THR empty (IER bit 1).
 */
#include "hypervisor/hv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define UART_FIFO 256

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
static void uart_update_irq(struct hv_vm *vm, struct hv_uart *u, int new_data)
{
	int level = uart_pending(u);

	/* New data while the line is already up: make a fresh edge for edge-triggered pins. */
	if (level && u->irq_level && new_data)
		hv_kvm_irq_line(vm, XENON_UART_IRQ, 0);
	else if (level == u->irq_level)
		return;
	hv_kvm_irq_line(vm, XENON_UART_IRQ, level);
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

static int uart_io(struct hv_vcpu *v, uint16_t port, int is_write, uint8_t *data, unsigned size)
{
	struct hv_vm *vm = v->vm;
	struct hv_uart *u = vm->uart;
	unsigned reg = port - XENON_UART_PORT;
	int tx = 0;

	pthread_mutex_lock(&u->lock);
	if (is_write)
		tx = uart_write(u, reg, data[0]);
	else
		data[0] = uart_read(u, reg);
	uart_update_irq(vm, u, 0);
	pthread_mutex_unlock(&u->lock);
	if (!is_write && size > 1)
		memset(data + 1, 0, size - 1);
	if (tx)
		hv_console_write(vm, data, 1);
	return 0;
}

/* `rep outsb` to THR: the whole string goes to the console in one write. */
static int uart_out_string(struct hv_vcpu *v, uint16_t port, const uint8_t *data, unsigned size,
			   unsigned count)
{
	struct hv_vm *vm = v->vm;
	struct hv_uart *u = vm->uart;
	int thr;

	pthread_mutex_lock(&u->lock);
	thr = port == XENON_UART_PORT + REG_DATA && !(u->lcr & LCR_DLAB) && size == 1;
	if (thr) {
		u->thre_pending = 1;
		uart_update_irq(vm, u, 0);
	}
	pthread_mutex_unlock(&u->lock);
	if (thr) {
		hv_console_write(vm, data, count);
		return 0;
	}
	for (unsigned i = 0; i < count; i++, data += size)
		uart_io(v, port, 1, (uint8_t *)data, size);
	return 0;
}

size_t hv_uart_rx_space(struct hv_vm *vm)
{
	struct hv_uart *u = vm->uart;
	size_t space;

	pthread_mutex_lock(&u->lock);
	space = UART_FIFO - u->rx_len;
	pthread_mutex_unlock(&u->lock);
	return space;
}

size_t hv_uart_receive(struct hv_vm *vm, const uint8_t *buf, size_t len)
{
	struct hv_uart *u = vm->uart;
	size_t n = 0;

	pthread_mutex_lock(&u->lock);
	for (; n < len && u->rx_len < UART_FIFO; n++)
		u->rx[(u->rx_head + u->rx_len++) % UART_FIFO] = buf[n];
	if (n)
		uart_update_irq(vm, u, 1);
	pthread_mutex_unlock(&u->lock);
	return n;
}

static int uart_init(struct hv_vm *vm)
{
	struct hv_uart *u = calloc(1, sizeof(*u));

	if (!u)
		return -ENOMEM;
	pthread_mutex_init(&u->lock, NULL);
	vm->uart = u;
	return 0;
}

static void uart_fini(struct hv_vm *vm)
{
	free(vm->uart);
	vm->uart = NULL;
}

static const struct hv_ioport uart_ports[] = {
    {XENON_UART_PORT, 8, uart_io, uart_out_string},
};

const struct hv_device hv_uart_device = {
    .name = "uart",
    .init = uart_init,
    .fini = uart_fini,
    .ports = uart_ports,
    .nr_ports = 1,
};
