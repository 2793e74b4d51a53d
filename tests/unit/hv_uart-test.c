/* xenon-hv's 16550 UART model and the console ring behind it. */
#include <errno.h>
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

static struct hv_vm vm;
static struct hv_vcpu vcpu = {.vm = &vm};
static char out_path[] = "/tmp/hv_uart-test.XXXXXX";

static uint8_t rd(unsigned reg)
{
	uint8_t v = 0;

	hv_uart_device.ports[0].io(&vcpu, XENON_UART_PORT + reg, 0, &v, 1);
	return v;
}

static void wr(unsigned reg, uint8_t v)
{
	hv_uart_device.ports[0].io(&vcpu, XENON_UART_PORT + reg, 1, &v, 1);
}

static void setup(void)
{
	int fd = mkstemp(out_path);

	close(fd);
	memset(&vm, 0, sizeof(vm));
	irq_level = irq_rises = 0;
	CHECK_INT(hv_uart_device.init(&vm), 0);
	CHECK_INT(hv_console_open(&vm, out_path), 0);
}

static void teardown(void)
{
	hv_uart_device.fini(&vm);
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
	CHECK_INT(hv_uart_receive(&vm, (const uint8_t *)"ab", 2), 2);
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
	hv_uart_receive(&vm, (const uint8_t *)"c", 1);
	hv_uart_receive(&vm, (const uint8_t *)"d", 1);
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
	CHECK_INT(hv_uart_receive(&vm, many, sizeof(many)), 256);
	CHECK_INT(hv_uart_rx_space(&vm), 0);
	wr(3, 0x80); /* LCR: DLAB */
	wr(0, 0x01); /* divisor latch, not a byte to send */
	CHECK_INT(rd(0), 0x01);
	wr(3, 0x03);
	CHECK_INT(rd(0), 'z');
	CHECK_INT(hv_uart_rx_space(&vm), 1);
	wr(2, 0x02); /* FCR: clear the receive FIFO */
	CHECK_INT(hv_uart_rx_space(&vm), 256);
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

int main(void)
{
	log_init("hv_uart-test");
	RUN(test_transmit_goes_to_console_and_ring);
	RUN(test_receive_raises_irq_until_drained);
	RUN(test_thre_interrupt_acknowledged_by_iir);
	RUN(test_fifo_is_bounded_and_dlab_hides_data);
	RUN(test_ring_keeps_the_latest_output);
	return unit_done();
}
