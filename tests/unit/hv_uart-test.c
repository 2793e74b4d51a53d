/* xenon-hv's 16550 UART model (a device on the I/O bus) and the console ring behind it. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hypervisor/hv.h"
#include "log.h"
#include "unit.h"

/* The IRQ line as the UART drives it (KVM_IRQ_LINE is stubbed here). */
static int irq_level, irq_rises;

int hv_kvm_irq_line(struct hv_vm *vm, unsigned pin, int level)
{
	(void)vm;
	CHECK_INT(pin, XENON_UART_IRQ);
	if (level && !irq_level)
		irq_rises++;
	irq_level = level;
	return 0;
}

/* The main loop is not part of this test: the UART is never started. */
int hv_loop_add(struct hv_vm *vm, int fd, short events, enum hv_loop_stage stage, hv_loop_fn fn,
		hv_loop_want_fn want, void *opaque)
{
	(void)vm, (void)fd, (void)events, (void)stage, (void)fn, (void)want, (void)opaque;
	return -ENOSYS;
}

void hv_loop_del(struct hv_vm *vm, int fd)
{
	(void)vm, (void)fd;
}

static struct hv_vm vm;
static struct hv_dev *uart;
static char out_path[] = "/tmp/hv_uart-test.XXXXXX";

static uint8_t rd(unsigned reg)
{
	uint8_t v = 0;

	CHECK_INT(hv_bus_access(&vm.bus[HV_BUS_PIO], XENON_UART_PORT + reg, 0, &v, 1, 1), 0);
	return v;
}

static void wr(unsigned reg, uint8_t v)
{
	CHECK_INT(hv_bus_access(&vm.bus[HV_BUS_PIO], XENON_UART_PORT + reg, 1, &v, 1, 1), 0);
}

static void setup(void)
{
	int fd = mkstemp(out_path);

	close(fd);
	memset(&vm, 0, sizeof(vm));
	irq_level = irq_rises = 0;
	hv_devices_setup(&vm);
	CHECK_INT(hv_uart_create(&vm, &uart), 0);
	CHECK_INT(hv_console_open(&vm, out_path), 0);
}

static void teardown(void)
{
	hv_devices_fini(&vm);
	CHECK_INT(vm.irqs.used, 0); /* the UART gave its line back */
	for (unsigned s = 0; s < HV_BUS_NR; s++)
		hv_bus_destroy(&vm.bus[s]);
	hv_console_destroy(&vm);
	unlink(out_path);
	strcpy(out_path, "/tmp/hv_uart-test.XXXXXX");
}

static void test_transmit_goes_to_console_and_ring(void)
{
	char buf[64] = "";
	FILE *fp;

	setup();
	CHECK_INT(rd(5) & 0x60, 0x60); /* LSR: THR empty, transmitter empty */
	for (const char *s = "hi\n"; *s; s++)
		wr(0, *s);
	CHECK_INT(hv_console_ring_copy(&vm, (uint8_t *)buf, sizeof(buf)), 3);
	CHECK(!memcmp(buf, "hi\n", 3));
	fp = fopen(out_path, "r");
	CHECK(fp && fgets(buf, sizeof(buf), fp));
	CHECK_STR(buf, "hi\n");
	if (fp)
		fclose(fp);
	teardown();
}

static void test_receive_raises_irq_until_drained(void)
{
	setup();
	CHECK_INT(hv_uart_receive(uart, (const uint8_t *)"ab", 2), 2);
	CHECK_INT(irq_level, 0); /* IER: no interrupts enabled yet */
	CHECK_INT(rd(5) & 1, 1); /* LSR: data ready */
	wr(1, 0x01);		 /* IER: received data available */
	CHECK_INT(irq_level, 1);
	CHECK_INT(rd(2) & 0x0f, 0x04); /* IIR: RDA */
	CHECK_INT(rd(0), 'a');
	CHECK_INT(irq_level, 1);
	CHECK_INT(rd(0), 'b');
	CHECK_INT(irq_level, 0);
	CHECK_INT(rd(5) & 1, 0);
	CHECK_INT(rd(2) & 0x0f, 0x01); /* IIR: nothing pending */
	/* New data while the line is up makes a fresh edge. */
	hv_uart_receive(uart, (const uint8_t *)"c", 1);
	hv_uart_receive(uart, (const uint8_t *)"d", 1);
	CHECK_INT(irq_rises, 3);
	teardown();
}

static void test_thre_interrupt_acknowledged_by_iir(void)
{
	setup();
	wr(1, 0x02); /* IER: THR empty */
	CHECK_INT(irq_level, 1);
	CHECK_INT(rd(2) & 0x0f, 0x02);
	CHECK_INT(irq_level, 0);
	wr(0, 'x'); /* transmitting empties THR again */
	CHECK_INT(irq_level, 1);
	teardown();
}

static void test_fifo_is_bounded_and_dlab_hides_data(void)
{
	uint8_t many[300];

	setup();
	memset(many, 'z', sizeof(many));
	CHECK_INT(hv_uart_receive(uart, many, sizeof(many)), 256);
	CHECK_INT(hv_uart_rx_space(uart), 0);
	wr(3, 0x80); /* LCR: DLAB */
	wr(0, 0x01); /* divisor latch, not a byte to send */
	CHECK_INT(rd(0), 0x01);
	wr(3, 0x03);
	CHECK_INT(rd(0), 'z');
	CHECK_INT(hv_uart_rx_space(uart), 1);
	wr(2, 0x02); /* FCR: clear the receive FIFO */
	CHECK_INT(hv_uart_rx_space(uart), 256);
	CHECK_INT(hv_console_ring_copy(&vm, many, sizeof(many)), 0);
	teardown();
}

static void test_ring_keeps_the_latest_output(void)
{
	static uint8_t big[40000], got[20000];
	size_t n;

	setup();
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = 'a' + i % 26;
	hv_console_write(&vm, big, sizeof(big));
	n = hv_console_ring_copy(&vm, got, sizeof(got));
	CHECK_INT(n, 16 * 1024);
	CHECK(!memcmp(got, big + sizeof(big) - n, n));
	CHECK_INT(hv_console_ring_copy(&vm, got, 10), 10);
	CHECK(!memcmp(got, big + sizeof(big) - 10, 10));
	teardown();
}

/* `rep outsb` in one exit; wider reads; an access running past the UART's 8 ports. */
/* A reader's pty: what it has queued is dropped as the ring is copied, so
 * ring + what the pty gives after shows each byte once. */
static void test_ring_flush_for_a_reader(void)
{
	uint8_t got[64];
	struct pollfd p;
	size_t n = 0;
	int con;

	setup();
	hv_console_destroy(&vm); /* the file console setup made: a pty one instead */
	CHECK_INT(hv_console_open(&vm, "pty"), 0);
	con = open(hv_console_pty(&vm), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	CHECK(con >= 0);
	if (con < 0) {
		teardown();
		return;
	}
	hv_console_write(&vm, (const uint8_t *)"old", 3);
	p = (struct pollfd){.fd = con, .events = POLLIN};
	CHECK_INT(poll(&p, 1, 2000), 1); /* queued on the reader's pty */
	CHECK_INT(hv_console_ring_flush_copy(&vm, con, got, sizeof(got), &n), 0);
	CHECK_INT(n, 3);
	CHECK(!memcmp(got, "old", 3));
	CHECK_INT(read(con, got, sizeof(got)), -1); /* dropped: the ring had it */
	hv_console_write(&vm, (const uint8_t *)"new", 3);
	CHECK_INT(poll(&p, 1, 2000), 1);
	CHECK_INT(read(con, got, sizeof(got)), 3);
	CHECK(!memcmp(got, "new", 3));
	CHECK_INT(hv_console_ring_flush_copy(&vm, -1, got, 2, &n), 0);
	CHECK_INT(n, 2); /* the latest 2 bytes of "oldnew" */
	CHECK(!memcmp(got, "ew", 2));
	close(con);
	con = open(out_path, O_RDONLY | O_CLOEXEC); /* not a tty: refused, nothing copied */
	n = 99;
	CHECK_INT(hv_console_ring_flush_copy(&vm, con, got, sizeof(got), &n), -ENOTTY);
	CHECK_INT(n, 99);
	close(con);
	teardown();
}

static void test_string_output_and_widths(void)
{
	char buf[16] = "";
	uint32_t v = 0;

	setup();
	CHECK_INT(hv_bus_access(&vm.bus[HV_BUS_PIO], XENON_UART_PORT, 1, "xyz", 1, 3), 0);
	CHECK_INT(hv_console_ring_copy(&vm, (uint8_t *)buf, sizeof(buf)), 3);
	CHECK(!memcmp(buf, "xyz", 3));
	CHECK_INT(hv_bus_access(&vm.bus[HV_BUS_PIO], XENON_UART_PORT + 5, 0, &v, 2, 1), 0);
	CHECK_INT(v, 0x60); /* LSR, and a zero high byte */
	CHECK_INT(hv_bus_access(&vm.bus[HV_BUS_PIO], XENON_UART_PORT + 6, 0, &v, 4, 1), -ENOENT);
	CHECK_INT(v, 0xffffffff);
	teardown();
}

/* Save, then restore into a new UART: registers and the waiting input come back; bad state is refused. */
static void test_save_restore(void)
{
	uint8_t buf[1024], bad[1024];
	size_t len = sizeof(buf);

	setup();
	wr(3, 0x03); /* LCR: 8 bits */
	wr(7, 0x5a); /* SCR */
	wr(1, 0x01); /* IER: RDA */
	CHECK_INT(hv_uart_receive(uart, (const uint8_t *)"xyz", 3), 3);
	CHECK_INT(rd(0), 'x'); /* the FIFO's head moves: the saved FIFO starts at 'y' */
	CHECK_INT(hv_dev_save(uart, buf, &len), 0);
	CHECK_INT(len, 272);
	teardown();

	setup();
	CHECK_INT(rd(7), 0);
	memcpy(bad, buf, len);
	bad[12] = 0; /* rx_len (bytes 12-15) made 512: more than the FIFO */
	bad[13] = 2;
	CHECK_INT(hv_dev_restore(uart, bad, len), -EBADMSG);
	CHECK_INT(hv_dev_restore(uart, buf, len - 1), -EBADMSG);
	CHECK_INT(rd(7), 0); /* nothing taken from refused state */
	CHECK_INT(hv_dev_restore(uart, buf, len), 0);
	CHECK_INT(rd(7), 0x5a);
	CHECK_INT(rd(3), 0x03);
	CHECK_INT(rd(1), 0x01);
	CHECK_INT(rd(5) & 1, 1);
	CHECK_INT(rd(0), 'y');
	CHECK_INT(rd(0), 'z');
	CHECK_INT(rd(5) & 1, 0);
	teardown();
}

/* The console's last lines for the crash log: collected here. */
static char tail[8][HV_CONSOLE_LOG_LINE_MAX + 1];
static unsigned ntail;

static void keep_line(void *arg, const char *line)
{
	CHECK(arg == tail);
	if (ntail < 8)
		snprintf(tail[ntail++], sizeof(tail[0]), "%s", line);
}

static unsigned tail_of(const char *text, size_t len, unsigned max)
{
	ntail = 0;
	return hv_console_tail_lines((const uint8_t *)text, len, max, keep_line, tail);
}

static void test_tail_lines_for_the_crash_log(void)
{
	static const char out[] = "boot\r\nxenon> mem fill\r\n\r\n\n*** crash\x1b[2J\x01\xff\r\nRIP 1234";
	char longline[400];

	CHECK_INT(tail_of(out, sizeof(out) - 1, 3), 3); /* blank lines do not count */
	CHECK_STR(tail[0], "xenon> mem fill");
	CHECK_STR(tail[1], "*** crash?[2J??"); /* escapes and non-ASCII made harmless */
	CHECK_STR(tail[2], "RIP 1234");		 /* a last line without its newline */
	CHECK_INT(tail_of(out, sizeof(out) - 1, 8), 4);
	CHECK_STR(tail[0], "boot");
	CHECK_INT(tail_of(out, sizeof(out) - 1, 0), 0);
	CHECK_INT(tail_of("", 0, 5), 0);
	CHECK_INT(tail_of("\n\r\n", 3, 5), 0);
	memset(longline, 'x', sizeof(longline));
	CHECK_INT(tail_of(longline, sizeof(longline), 2), 1); /* cut, not split */
	CHECK_INT((long)strlen(tail[0]), HV_CONSOLE_LOG_LINE_MAX);
}

int main(void)
{
	log_init("hv_uart-test");
	RUN(test_transmit_goes_to_console_and_ring);
	RUN(test_receive_raises_irq_until_drained);
	RUN(test_thre_interrupt_acknowledged_by_iir);
	RUN(test_fifo_is_bounded_and_dlab_hides_data);
	RUN(test_ring_keeps_the_latest_output);
	RUN(test_ring_flush_for_a_reader);
	RUN(test_string_output_and_widths);
	RUN(test_save_restore);
	RUN(test_tail_lines_for_the_crash_log);
	return unit_done();
}
