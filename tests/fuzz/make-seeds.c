/*
 * The seed corpora that are binary structures, written from the real
 * headers (so they follow struct changes): tests/fuzz/make-seeds runs it.
 *   hv-elf-fuzz/       small ELF64 x86-64 kernels xenon-hv accepts
 *   hvctl-reply-fuzz/  xenon-hv replies and events as libhvctl reads them
 *   hv-balloon-fuzz/   a guest's balloon requests, and saved balloon states
 *   msgring-fuzz/      message rings (xl dmesg): empty, some lines, wrapped
 * The other corpora in tests/fuzz/<target>/ are written by hand (text) or
 * by their fuzzer's own comment.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/msgring.h"
#include "hypervisor/balloon_core.h"
#include "hypervisor/hvctl.h"

static const char *dir;

static void put(const char *target, const char *name, const void *buf, size_t len)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s/%s", dir, target, name);
	fp = fopen(path, "wb");
	if (!fp || fwrite(buf, 1, len, fp) != len || fclose(fp)) {
		perror(path);
		exit(1);
	}
}

/* An ELF64 with nseg PT_LOAD segments of 16 code bytes (hlt) at 1 MiB + n * 4 KiB; bss extra memsz. */
static void elf(const char *name, unsigned nseg, uint64_t bss)
{
	unsigned char buf[1024] = {0};
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
	size_t code = sizeof(*eh) + nseg * sizeof(Elf64_Phdr);

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = 0x100000;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = nseg;
	for (unsigned i = 0; i < nseg; i++) {
		Elf64_Phdr *ph = (Elf64_Phdr *)(buf + sizeof(*eh)) + i;

		ph->p_type = PT_LOAD;
		ph->p_flags = PF_R | PF_X;
		ph->p_offset = code + 16 * i;
		ph->p_vaddr = ph->p_paddr = 0x100000 + 0x1000 * i;
		ph->p_filesz = 16;
		ph->p_memsz = 16 + (i == nseg - 1 ? bss : 0);
		ph->p_align = 16;
		memset(buf + ph->p_offset, 0xf4, 16); /* hlt */
	}
	put("hv-elf-fuzz", name, buf, code + 16 * nseg);
}

/* A packet: <u16 length><hvctl_hdr + payload>, after the selector byte the caller wrote. */
static size_t packet(unsigned char *out, uint32_t type, int32_t status, const void *payload, uint32_t len)
{
	struct hvctl_hdr hdr = {.type = type, .status = status, .len = len};
	size_t n = sizeof(hdr) + len;

	out[0] = n & 0xff;
	out[1] = n >> 8;
	memcpy(out + 2, &hdr, sizeof(hdr));
	memcpy(out + 2 + sizeof(hdr), payload, len);
	return 2 + n;
}

static unsigned char seed[1 << 17];

static void reply(const char *name, unsigned char sel, uint32_t type, int32_t status, const void *p, uint32_t len)
{
	seed[0] = sel;
	put("hvctl-reply-fuzz", name, seed, 1 + packet(seed + 1, type, status, p, len));
}

static void replies(void)
{
	static struct hvctl_info info;
	struct hvctl_device devs[2] = {{.kind = 1, .devid = 51712, .sectors = 2048, .target = "/dev/loop0"},
				       {.kind = 2, .devid = 0, .mtu = 1500, .target = "vif1.0"}};
	struct hvctl_vcpu vcpus[2] = {{0}};
	struct hvctl_event ev = {.kind = HVCTL_EV_CRASH, .detail = "the vCPU thread made a forbidden system call"};
	struct hvctl_save_result res = {.bytes = 1 << 20, .frames = 256, .rounds = 1};
	size_t n;

	info.state = HVCTL_STATE_RUNNING;
	strcpy(info.name, "seed");
	strcpy(info.console_pty, "/dev/pts/3");
	reply("info", 0, HVCTL_INFO, 0, &info, sizeof(info));
	reply("info-error", 0, HVCTL_INFO, -ENOENT, NULL, 0);
	reply("device-list", 1, HVCTL_DEVICE_LIST, 0, devs, sizeof(devs));
	reply("vcpu-info", 2, HVCTL_VCPU_INFO, 0, vcpus, sizeof(vcpus));
	reply("event", 3, HVCTL_EVENT, 0, &ev, sizeof(ev));
	reply("device-add", 4, HVCTL_DEVICE_ADD, 0, &devs[0], sizeof(devs[0]));
	reply("save", 5, HVCTL_SAVE, 0, &res, sizeof(res));
	reply("console-ring", 7, HVCTL_CONSOLE_RING, 0, "login: ", 7);
	/* pause, unpause, subscribe, device remove: four replies in a row */
	seed[0] = 6;
	n = 1 + packet(seed + 1, HVCTL_PAUSE, 0, NULL, 0);
	n += packet(seed + n, HVCTL_UNPAUSE, 0, NULL, 0);
	n += packet(seed + n, HVCTL_SUBSCRIBE, 0, NULL, 0);
	n += packet(seed + n, HVCTL_DEVICE_REMOVE, -EBUSY, NULL, 0);
	put("hvctl-reply-fuzz", "simple", seed, n);
}

/*
 * hv-balloon-fuzz: a selector byte (odd: requests, even: a saved state), then
 * whole requests or the state. The fuzzer's RAM: 64 MiB, its floor 0x100.
 */
#define BALLOON_RAM (64ULL << 20)

static struct xenon_balloon_req reqs[3];

/* n frames from pfn, step apart, into req r */
static void balloon_req(unsigned r, uint32_t op, uint64_t pfn, uint32_t n, uint64_t step)
{
	reqs[r].op = op;
	reqs[r].count = n;
	for (uint32_t i = 0; i < n; i++)
		reqs[r].pfn[i] = pfn + i * step;
}

static void balloon_requests(const char *name, unsigned nreqs)
{
	seed[0] = 1;
	memcpy(seed + 1, reqs, nreqs * sizeof(reqs[0]));
	put("hv-balloon-fuzz", name, seed, 1 + nreqs * sizeof(reqs[0]));
	memset(reqs, 0, sizeof(reqs));
}

static int keep(void *ctx, uint64_t off, uint64_t len)
{
	(void)ctx, (void)off, (void)len;
	return 0;
}

/* The state hv_balloon_save writes after the given requests (taken whole). */
static void balloon_saved(const char *name, unsigned nreqs)
{
	struct hv_balloon b;
	size_t len = sizeof(seed) - 1;
	uint32_t done;

	if (hv_balloon_init(&b, BALLOON_RAM, 0x100))
		exit(1);
	for (unsigned r = 0; r < nreqs; r++)
		if (hv_balloon_apply(&b, &reqs[r], 0x200, keep, NULL, &done) || done != reqs[r].count) {
			fprintf(stderr, "make-seeds: balloon request %u of %s refused\n", r, name);
			exit(1);
		}
	seed[0] = 0;
	if (hv_balloon_save(&b, seed + 1, &len))
		exit(1);
	put("hv-balloon-fuzz", name, seed, 1 + len);
	hv_balloon_fini(&b);
	memset(reqs, 0, sizeof(reqs));
}

static void balloons(void)
{
	balloon_req(0, XENON_BALLOON_RELEASE, 0x300, 64, 1);
	balloon_requests("release-run", 1);
	balloon_req(0, XENON_BALLOON_RELEASE, 0x300, 32, 3);
	balloon_req(1, XENON_BALLOON_RECLAIM, 0x303, 8, 3);
	balloon_requests("release-reclaim", 2);
	balloon_req(0, XENON_BALLOON_RELEASE, 0xff, 2, 1);  /* below the floor */
	balloon_req(1, XENON_BALLOON_RELEASE, 0x200, 1, 1); /* the request page */
	balloon_req(2, XENON_BALLOON_RECLAIM, 0x400, 1, 1); /* never released */
	balloon_requests("refused", 3);
	balloon_saved("saved-empty", 0);
	balloon_req(0, XENON_BALLOON_RELEASE, 0x300, 64, 1);
	balloon_req(1, XENON_BALLOON_RELEASE, 0x1000, 100, 7);
	balloon_saved("saved-runs", 2);
}

/* Rings of the smallest size a reader takes: empty, two lines, and wrapped past its end. */
static void msgrings(void)
{
	static unsigned char img[sizeof(struct msgring_hdr) + 2 * MSGRING_LINE_MAX];
	uint32_t size = 2 * MSGRING_LINE_MAX;
	char line[80];

	msgring_init(img, size);
	put("msgring-fuzz", "empty", img, sizeof(img));
	msgring_put(img, size, "[2026-12-07 19:53:15.047] d1: domain 1 (g1) crashed", 51);
	msgring_put(img, size, "[2026-12-07 19:53:15.047] d1: vCPU 0: rip=ffffffff81000000", 59);
	put("msgring-fuzz", "two-lines", img, sizeof(img));
	for (int i = 0; i < 40; i++)
		msgring_put(img, size, line, (size_t)snprintf(line, sizeof(line), "[2026-12-07 19:53:16.000] d%d: line %d", i % 3, i));
	put("msgring-fuzz", "wrapped", img, sizeof(img));
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: make-seeds DIR (tests/fuzz)\n");
		return 2;
	}
	dir = argv[1];
	elf("one-segment", 1, 0);
	elf("bss", 1, 1 << 20);
	elf("three-segments", 3, 4096);
	replies();
	balloons();
	msgrings();
	return 0;
}
