/*
 * The console: a 16550 UART at 0x3f8. Output is polled, 16 bytes per
 * "transmitter empty" check (each port access is an exit to the VMM, so
 * the FIFO saves most of them); input arrives on IRQ 4 into a ring that
 * the shell reads (line editing is in shell.c).
 */
#include "arch.h"
#include "kernel.h"

#define UART	  XENON_UART_PORT
#define UART_RBR  0
#define UART_THR  0
#define UART_IER  1
#define UART_FCR  2
#define UART_LCR  3
#define UART_MCR  4
#define UART_LSR  5
#define LSR_DR	  0x01
#define LSR_THRE  0x20
#define FIFO_SIZE 16

static spinlock_t console_lock;
static bool panic_mode;
static bool line_start = true;
static char rx_ring[256];
static volatile unsigned int rx_head, rx_tail;

void console_init(void)
{
	/*
	 * Every port access is an exit to the VMM (~30 us on PVM) and this runs
	 * before the first console line: the baud rate means nothing to a
	 * virtual UART, so only the line format, the FIFOs and the IRQ gate.
	 */
	outb(UART + UART_IER, 0);
	outb(UART + UART_LCR, 0x03); /* 8N1, divisor latch off */
	outb(UART + UART_FCR, 0x07); /* FIFOs on and cleared */
	outb(UART + UART_MCR, 0x0b); /* DTR, RTS, OUT2 (the IRQ gate) */
}

static void uart_rx_irq(struct regs *r)
{
	(void)r;
	while (inb(UART + UART_LSR) & LSR_DR) {
		char c = (char)inb(UART + UART_RBR);
		unsigned int next = (rx_head + 1) % sizeof(rx_ring);

		if (next != rx_tail) { /* full: drop */
			rx_ring[rx_head] = c;
			rx_head = next;
		}
	}
}

int console_input_init(void)
{
	int rc = ioapic_route(XENON_UART_IRQ, uart_rx_irq);

	if (rc)
		return rc;
	outb(UART + UART_IER, 0x01); /* received data available */
	uart_rx_irq(NULL);	     /* anything typed before now */
	return 0;
}

bool console_input_pending(void)
{
	return rx_tail != rx_head;
}

int console_getc(void)
{
	unsigned long flags = irq_save();
	int c = -1;

	if (rx_tail != rx_head) {
		c = (unsigned char)rx_ring[rx_tail];
		rx_tail = (rx_tail + 1) % sizeof(rx_ring);
	}
	irq_restore(flags);
	return c;
}

/*
 * One FIFO's worth with one string instruction: KVM hands the VMM the whole
 * "rep outsb" in one exit instead of one exit per byte.
 */
static void uart_put_fifo(const char *s, size_t n)
{
	while (!(inb(UART + UART_LSR) & LSR_THRE))
		cpu_relax();
	__asm__ volatile("rep outsb" : "+S"(s), "+c"(n) : "d"((uint16_t)(UART + UART_THR)) : "memory");
}

/* '\n' goes out as "\r\n", as terminals want. */
static void uart_write(const char *s, size_t n)
{
	char chunk[FIFO_SIZE];
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			chunk[k++] = '\r';
		chunk[k++] = s[i];
		if (k >= FIFO_SIZE - 1) {
			uart_put_fifo(chunk, k);
			k = 0;
		}
	}
	if (k)
		uart_put_fifo(chunk, k);
	if (n)
		line_start = s[n - 1] == '\n';
}

/* Is the cursor at the start of a line (nothing written since the last '\n')? */
bool console_at_line_start(void)
{
	return line_start;
}

void console_write(const char *s, size_t n)
{
	unsigned long flags;

	if (panic_mode) {
		uart_write(s, n);
		return;
	}
	flags = irq_save();
	spin_lock(&console_lock);
	uart_write(s, n);
	spin_unlock(&console_lock);
	irq_restore(flags);
}

/* From now on write without the lock: the crash path may hold it already. */
void console_panic_mode(void)
{
	panic_mode = true;
}
