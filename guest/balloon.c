/*
 * The balloon driver (xenon-boot.h: XENON_PORT_BALLOON), as Xen's: it
 * watches its own memory/target (KiB, written by the toolstack) and gives
 * free pages back to the host until it holds that much, or takes pages back
 * again. Pages come from mem.c's pool (the top first); each batch of up to
 * XENON_BALLOON_MAX_PFNS frames goes to xenon-hv in one request page, whose
 * answer says how many it took. Driven from the shell's idle loop.
 * Shell: `mem` (current and target), `mem fill` and `mem check` (a pattern
 * over every free page, and whether the pages kept still hold it).
 */
#include "arch.h"
#include "kernel.h"
#include "shell.h"
#include "virtio.h"

#define PAGE_KIB     4
#define BATCHES_POLL 64 /* requests per idle-loop pass (128 MiB) */

static struct xenon_balloon_req req __attribute__((aligned(4096)));
static struct {
	bool on;	   /* xenon-hv and xenstore are there */
	bool changed;	   /* the watch fired: read the target again */
	bool stuck;	   /* cannot go on until the target changes */
	bool reported;	   /* said it reached the target */
	uint64_t total;	   /* pages of RAM the domain was built with */
	uint64_t target;   /* pages */
	uint64_t released; /* pages given back */
} bal;

static uint64_t current_pages(void)
{
	return bal.total - bal.released;
}

static void target_changed(const char *path, const char *token, void *arg)
{
	(void)path, (void)token, (void)arg;
	bal.changed = true;
}

static void read_target(void)
{
	char v[32];
	uint64_t kib, pages;

	bal.changed = false;
	if (xs_read("memory/target", v, sizeof(v)) || parse_dec_u64(v, &kib))
		return; /* none, or not a number: keep what we have */
	pages = kib / PAGE_KIB < bal.total ? kib / PAGE_KIB : bal.total;
	if (pages == bal.target)
		return; /* the same again: nothing to say */
	bal.target = pages;
	bal.stuck = bal.reported = false;
}

void balloon_init(void)
{
	int rc;

	bal.total = boot.info->mem_bytes / 4096;
	bal.target = bal.total;
	bal.reported = true; /* all of it: nothing to say */
	if (boot.path != BOOT_XENON_HV || !xs_available())
		return;
	bal.on = true;
	rc = xs_watch_add("memory/target", "balloon", target_changed, NULL);
	if (rc)
		printf("balloon: cannot watch memory/target: %s\n", xs_strerror(rc));
	read_target();
}

static int send(uint32_t op, unsigned long n)
{
	req.op = op;
	req.count = (uint32_t)n;
	req.status = -EIO;
	req.done = 0;
	/* xenon-hv reads and writes the page during the outl, which says nothing of memory to the compiler */
	__asm__ volatile("" ::: "memory");
	outl(XENON_PORT_BALLOON, (uint32_t)(uintptr_t)&req);
	__asm__ volatile("" ::: "memory");
	return req.done > n ? -EIO : req.status;
}

static void stop(const char *why, int rc)
{
	printf("%sballoon: %s at %lu MiB (target %lu MiB)", console_at_line_start() ? "" : "\n", why,
	       (unsigned long)(current_pages() / 256), (unsigned long)(bal.target / 256));
	if (rc)
		printf(": error %d", -rc);
	printf("\n");
	bal.stuck = true;
}

/* One request toward the target: 1 if it moved, 0 if there, -1 if stuck. */
static int step(void)
{
	uint64_t cur = current_pages(), want = bal.target > cur ? bal.target - cur : cur - bal.target;
	unsigned long n = want < XENON_BALLOON_MAX_PFNS ? want : XENON_BALLOON_MAX_PFNS, i;
	uint32_t op = bal.target < cur ? XENON_BALLOON_RELEASE : XENON_BALLOON_RECLAIM;
	int rc;

	if (!want)
		return 0;
	n = op == XENON_BALLOON_RELEASE ? mem_balloon_take(req.pfn, n) : mem_balloon_list(req.pfn, n);
	if (!n) {
		stop(op == XENON_BALLOON_RELEASE ? "no free memory left to give back"
						 : "nothing left to take back",
		     0);
		return -1;
	}
	for (i = 0; i < n; i++)
		req.pfn[i] /= 4096;
	rc = send(op, n);
	for (i = op == XENON_BALLOON_RELEASE ? req.done : 0; i < n; i++)
		if (op == XENON_BALLOON_RECLAIM ? i < req.done : true)
			mem_balloon_put(req.pfn[i] * 4096); /* not released after all, or taken back */
	bal.released = op == XENON_BALLOON_RELEASE ? bal.released + req.done : bal.released - req.done;
	if (rc) {
		stop(rc == -ENOSPC
			 ? "the host gives no more (the domain's maximum, mem-max, or its memory pool)"
			 : "xenon-hv refused the pages",
		     rc == -ENOSPC ? 0 : rc);
		return -1;
	}
	return 1;
}

void balloon_poll(void)
{
	int rc = 0;

	if (!bal.on)
		return;
	if (bal.changed)
		read_target();
	for (int b = 0; b < BATCHES_POLL && !bal.stuck && (rc = step()) > 0; b++)
		;
	if (!rc && !bal.reported) {
		bal.reported = true;
		printf("%sballoon: at %lu MiB (target %lu MiB)\n", console_at_line_start() ? "" : "\n",
		       (unsigned long)(current_pages() / 256), (unsigned long)(bal.target / 256));
	}
}

static int mem_report(void)
{
	printf("mem: current %lu KiB, target %lu KiB, released %lu KiB, free %lu KiB%s\n",
	       (unsigned long)(current_pages() * PAGE_KIB), (unsigned long)(bal.target * PAGE_KIB),
	       (unsigned long)(bal.released * PAGE_KIB), mem_free_pages() * PAGE_KIB,
	       bal.on ? "" : " (no balloon: needs xenon-hv and xenstore)");
	return 0;
}

static int mem_check_cmd(void)
{
	unsigned long bad = 0, n;
	uint64_t first = 0;

	n = mem_check(&bad, &first);
	if (bad) {
		printf("mem check: FAILED: %lu of %lu pages lost the pattern (first at %#lx)\n", bad, n,
		       (unsigned long)first);
		return -EIO;
	}
	printf("mem check: %lu MiB checked, all pages hold the pattern\n", n / 256);
	return 0;
}

int cmd_mem(int argc, char **argv)
{
	if (argc == 1)
		return mem_report();
	if (argc == 2 && !strcmp(argv[1], "fill")) {
		printf("mem fill: %lu MiB filled\n", mem_fill() / 256);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "check"))
		return mem_check_cmd();
	printf("usage: mem [fill|check]\n");
	return -EINVAL;
}
