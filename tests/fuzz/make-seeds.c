/*
 * The seed corpora that are binary structures, written from the real
 * headers (so they follow struct changes): tests/fuzz/make-seeds runs it.
 *   hv-elf-fuzz/       small ELF64 x86-64 kernels xenon-hv accepts
 *   hvctl-reply-fuzz/  xenon-hv replies and events as libhvctl reads them
 * The other corpora in tests/fuzz/<target>/ are written by hand (text) or
 * by their fuzzer's own comment.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	return 0;
}
