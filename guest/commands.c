/*
 * The shell commands, and their one table.
 */
#include "arch.h"
#include "kernel.h"
#include "shell.h"
#include "devices.h"
#include "net.h"

#define TICKER_PERIOD_NS 100000000ULL
#define BENCH_MIN_MS	 100
#define BENCH_RUNS	 3

static struct {
	bool on;
	uint64_t count;
	uint64_t next_ns;
} ticker;

/* "12.345": seconds with milliseconds */
static void fmt_seconds(char *buf, size_t size, uint64_t ns)
{
	snprintf(buf, size, "%lu.%03lu", (unsigned long)(ns / 1000000000ULL),
		 (unsigned long)(ns / 1000000ULL % 1000));
}

void ticker_poll(void)
{
	uint64_t now;
	char t[32];

	if (!ticker.on)
		return;
	now = clock_ns();
	if (now < ticker.next_ns)
		return;
	/* After a pause, carry on from now rather than catch up in a burst. */
	ticker.next_ns = now - ticker.next_ns < TICKER_PERIOD_NS ? ticker.next_ns + TICKER_PERIOD_NS
								 : now + TICKER_PERIOD_NS;
	fmt_seconds(t, sizeof(t), now);
	/* on a line of its own, even when the prompt is showing */
	printf("%stick %lu %s s\n", console_at_line_start() ? "" : "\n", (unsigned long)++ticker.count, t);
}

static int cmd_help(int argc, char **argv)
{
	const struct command *c;

	(void)argc, (void)argv;
	for (c = commands; c->name; c++) {
		char usage[40];

		snprintf(usage, sizeof(usage), "%s%s%s", c->name, c->usage[0] ? " " : "", c->usage);
		printf("  %-20s %s\n", usage, c->help);
	}
	return 0;
}

static const char *memtype(uint32_t type)
{
	return type == XENON_MEM_RAM ? "ram" : "reserved";
}

static int cmd_info(int argc, char **argv)
{
	struct xenon_boot_info *bi = boot.info;
	uint32_t i;

	(void)argc, (void)argv;
	printf("version:  xenon-guest %s\n", GUEST_VERSION);
	printf("platform: %s, booted by %s\n", platform_name(),
	       boot.path == BOOT_XENON_HV ? "xenon-hv" : "a PVH loader (QEMU)");
	printf("domain:   %s (domid %u)\n", bi->name[0] ? bi->name : "-", bi->domid);
	printf("vcpus:    %u (%u online)\n", bi->nr_vcpus, nr_cpus_online());
	printf("memory:   %lu MiB\n", (unsigned long)(bi->mem_bytes >> 20));
	for (i = 0; i < bi->nr_memmap && i < XENON_MAX_MEMMAP; i++)
		printf("  %016lx-%016lx %s\n", (unsigned long)bi->memmap[i].addr,
		       (unsigned long)(bi->memmap[i].addr + bi->memmap[i].size - 1),
		       memtype(bi->memmap[i].type));
	printf("tsc:      %lu kHz\n", (unsigned long)tsc_khz);
	printf("cmdline:  %s\n", boot.cmdline);
	if (bi->xenstore_ring_gpa)
		printf("xenstore: ring at %#lx, irq %u\n", (unsigned long)bi->xenstore_ring_gpa,
		       bi->xenstore_irq);
	else
		printf("xenstore: none\n");
	return 0;
}

static int cmd_uptime(int argc, char **argv)
{
	char t[32];

	(void)argc, (void)argv;
	fmt_seconds(t, sizeof(t), clock_ns());
	printf("up %s s, %lu timer ticks\n", t, (unsigned long)cpus[0].ticks);
	return 0;
}

static int cmd_cpus(int argc, char **argv)
{
	(void)argc, (void)argv;
	cpus_report();
	return 0;
}

static int cmd_ticker(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "on") && strcmp(argv[1], "off"))) {
		printf("usage: ticker on|off\n");
		return -EINVAL;
	}
	ticker.on = !strcmp(argv[1], "on");
	ticker.next_ns = clock_ns() + TICKER_PERIOD_NS;
	printf("ticker %s\n", ticker.on ? "on" : "off");
	return 0;
}

static uint64_t loop_cycles(uint64_t n)
{
	uint64_t t0 = rdtsc();

	/* aligned: a loop split across a 32-byte boundary runs at half speed */
	__asm__ volatile(".p2align 6\n1: dec %0; jnz 1b" : "+r"(n));
	return rdtsc() - t0;
}

/*
 * Grow the iteration count until one run lasts BENCH_MIN_MS, then report the
 * best of BENCH_RUNS such runs (the host may steal time from any one of them),
 * and how many iterations ran in all: a test compares that count with KVM's
 * count of instructions it emulated meanwhile (an emulated loop has every
 * iteration's instructions emulated), which no wall-clock rate can tell.
 */
static int cmd_bench_loop(int argc, char **argv)
{
	uint64_t target = tsc_khz * BENCH_MIN_MS, n = 1000, c, best = 0, total = 0;
	int i;

	(void)argc, (void)argv;
	for (;;) {
		c = loop_cycles(n);
		total += n;
		if (c >= target)
			break;
		if (c < target / 8)
			n *= 8;
		else
			n = n * target / c * 11 / 10 + 1;
	}
	for (i = 0; i < BENCH_RUNS; i++) {
		uint64_t rate;

		if (i) {
			c = loop_cycles(n);
			total += n;
		}
		rate = n * tsc_khz * 1000 / c;
		if (rate > best)
			best = rate;
	}
	printf("loop: %lu iterations/s, %lu iterations in all\n", (unsigned long)best, (unsigned long)total);
	return 0;
}

static int cmd_poweroff(int argc, char **argv)
{
	(void)argc, (void)argv;
	kernel_shutdown(XENON_SHUTDOWN_POWEROFF, "shell command");
}

static int cmd_reboot(int argc, char **argv)
{
	(void)argc, (void)argv;
	kernel_shutdown(XENON_SHUTDOWN_REBOOT, "shell command");
}

/* Unmapped: the page tables map [0, 4 GiB) and RAM only (PML4 slot 32 is empty). */
#define UNMAPPED_ADDR 0x100000000000ULL

static int cmd_crash(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "ud";

	if (argc > 2 || (strcmp(how, "ud") && strcmp(how, "pf") && strcmp(how, "de"))) {
		printf("usage: crash [ud|pf|de]\n");
		return -EINVAL;
	}
	printf("crashing on purpose (%s)\n", how);
	if (!strcmp(how, "ud"))
		__asm__ volatile("ud2");
	else if (!strcmp(how, "pf"))
		*(volatile uint64_t *)UNMAPPED_ADDR = 0xdead;
	else
		__asm__ volatile("xor %%ecx, %%ecx; div %%ecx" ::: "eax", "ecx", "edx");
	return 0; /* not reached: the fault ends the domain */
}

/* Idle for MS milliseconds, still serving the ticker and shutdown requests. */
static int cmd_sleep(int argc, char **argv)
{
	uint64_t ms, end;

	if (argc != 2 || parse_dec_u64(argv[1], &ms) || ms > 3600000) {
		printf("usage: sleep MILLISECONDS (at most 3600000)\n");
		return -EINVAL;
	}
	end = clock_ns() + ms * 1000000;
	while (clock_ns() < end) {
		shell_poll();
		shell_idle(false);
	}
	return 0;
}

static int cmd_echo(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		printf("%s%s", argv[i], i + 1 < argc ? " " : "");
	printf("\n");
	return 0;
}

const struct command commands[] = {
    {"help", "", "list the commands", cmd_help},
    {"info", "", "platform, vCPUs, memory, clock, command line", cmd_info},
    {"uptime", "", "time since boot and timer ticks", cmd_uptime},
    {"cpus", "", "every online vCPU reports in", cmd_cpus},
    {"ticker", "on|off", "print a counter and the clock every 100 ms", cmd_ticker},
    {"bench-loop", "", "measure a calibrated integer loop (iterations/s)", cmd_bench_loop},
    {"xs-read", "PATH", "read a xenstore node (relative: in this domain's home)", cmd_xs_read},
    {"xs-write", "PATH VALUE", "write a xenstore node", cmd_xs_write},
    {"xs-ls", "PATH", "list a xenstore node's children", cmd_xs_ls},
    {"xs-rm", "PATH", "remove a xenstore node", cmd_xs_rm},
    {"disks", "", "list the disks (virtio-blk)", cmd_disks},
    {"blk", "read|write|bench|iops ...",
     "blk read DISK SECTOR [N]; blk write DISK SECTOR TEXT; blk bench|iops DISK MIB [QD]", cmd_blk},
    {"nics", "", "list the NICs: MAC, MTU, address, counters; UDP sinks", cmd_nics},
    {"ip", "NIC ADDR/PREFIX", "give a NIC its IPv4 address (ip eth0 10.0.0.2/24)", cmd_ip},
    {"ping", "ADDR [COUNT]", "ICMP echo: each reply's round trip, then a summary", cmd_ping},
    {"net", "bench|sink|beat ...",
     "net bench ADDR PORT MIB (UDP send, MiB/s); net sink [PORT] (count UDP); net beat ADDR PORT US SECONDS (a datagram every US us)",
     cmd_net},
    {"sleep", "MS", "idle for MS milliseconds (the ticker keeps going)", cmd_sleep},
    {"echo", "WORDS...", "print the words", cmd_echo},
    {"dirty", "[MIB_PER_S [MIB] | check]",
     "keep writing MIB MiB (16) at MIB_PER_S MiB/s in the background; 0: stop; check: each page holds its last write",
     cmd_dirty},
    {"mem", "[fill|check]", "memory held and balloon target; fill free memory with a pattern; check it", cmd_mem},
    {"poweroff", "", "power the domain off", cmd_poweroff},
    {"reboot", "", "reboot the domain", cmd_reboot},
    {"crash", "[ud|pf|de]", "fault on purpose (invalid opcode, page fault, divide)", cmd_crash},
    {"hostile", "CASE [SEED]", "attack xenon-hv and dom0 on purpose (alone: list the cases)", cmd_hostile},
    {NULL, NULL, NULL, NULL},
};
