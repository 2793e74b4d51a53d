/*
 * xl dump-core (HVCTL_DUMP_CORE, hvctl.h): the guest's memory and vCPU
 * registers as an ELF core that gdb opens with the guest's kernel image.
 *
 * Layout: the ELF header, the program headers (one PT_NOTE, then one
 * PT_LOAD per RAM range: low RAM at 0, high RAM at HV_HIGH_RAM_GPA, with
 * vaddr = paddr as the guest maps RAM 1:1), the notes (an NT_PRSTATUS per
 * started vCPU in Linux's x86-64 layout, struct elf_prstatus, pr_pid =
 * vCPU + 1), then the RAM, page aligned (the memfd's holes as zeros, not
 * read through the mapping, which would back them). The registers are read as a save
 * reads them (hv_mig_get_state), after each vCPU's pending I/O is done; the
 * domain stays paused meanwhile. Only write(2) on the fd the toolstack
 * opened: nothing new for the sandbox or the main thread's seccomp list.
 */
#include "hypervisor/hv.h"
#include "hypervisor/hvctl.h"
#include "hypervisor/migstate.h"

#include <elf.h>
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/procfs.h>
#include <sys/user.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define PAGE	    4096u
#define MAX_RANGES  2
#define CHUNK	    (1u << 20)
#define NOTE_NAME   "CORE"
#define NOTE_NAMESZ 8 /* "CORE\0" padded to 4 bytes */

/* A note as the ELF file holds it: no padding between the name and the descriptor. */
struct prstatus_note {
	Elf64_Nhdr nhdr;
	char name[NOTE_NAMESZ];
	struct elf_prstatus pr;
} __attribute__((packed));
_Static_assert(sizeof(struct prstatus_note) == 12 + NOTE_NAMESZ + 336, "gdb's x86-64 NT_PRSTATUS note");

struct range {
	uint64_t gpa, len;
	const uint8_t *host;
};

static int write_all(int fd, const void *buf, size_t len, uint64_t *bytes)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len > CHUNK ? CHUNK : len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
		*bytes += (uint64_t)n;
	}
	return 0;
}

/*
 * RAM from memfd offset off, len bytes: what the memfd backs from the
 * mapping, its holes (never written, or given back by the balloon) as
 * zeros from a buffer, so that reading them does not back them now.
 */
static int write_ram(struct hv_vm *vm, int fd, uint64_t off, uint64_t len, uint64_t *bytes)
{
	static const uint8_t zeros[CHUNK];
	uint64_t end = off + len;
	int rc = 0;

	while (!rc && off < end) {
		uint64_t data, hole;

		if (hv_mem_next_backed(vm, off, end, &data, &hole) < 0)
			data = hole = end; /* holes to the end */
		for (; !rc && off < data; off += CHUNK < data - off ? CHUNK : data - off)
			rc = write_all(fd, zeros, CHUNK < data - off ? CHUNK : data - off, bytes);
		if (!rc && off < end)
			rc = write_all(fd, vm->ram + off, hole - off, bytes);
		off = hole;
	}
	return rc;
}

static unsigned ram_ranges(struct hv_vm *vm, struct range *r)
{
	uint64_t mem = vm->args.mem_bytes, low = mem < HV_LOW_RAM_MAX ? mem : HV_LOW_RAM_MAX;
	unsigned n = 0;

	r[n++] = (struct range){0, low, vm->ram};
	if (mem > low)
		r[n++] = (struct range){HV_HIGH_RAM_GPA, mem - low, vm->ram + low};
	return n;
}

/* Linux's user_regs_struct from KVM's registers. */
static void fill_regs(struct user_regs_struct *u, const struct kvm_regs *r, const struct kvm_sregs *s)
{
	*u = (struct user_regs_struct){.r15 = r->r15,
				       .r14 = r->r14,
				       .r13 = r->r13,
				       .r12 = r->r12,
				       .rbp = r->rbp,
				       .rbx = r->rbx,
				       .r11 = r->r11,
				       .r10 = r->r10,
				       .r9 = r->r9,
				       .r8 = r->r8,
				       .rax = r->rax,
				       .rcx = r->rcx,
				       .rdx = r->rdx,
				       .rsi = r->rsi,
				       .rdi = r->rdi,
				       .orig_rax = ~0ull,
				       .rip = r->rip,
				       .cs = s->cs.selector,
				       .eflags = r->rflags,
				       .rsp = r->rsp,
				       .ss = s->ss.selector,
				       .fs_base = s->fs.base,
				       .gs_base = s->gs.base,
				       .ds = s->ds.selector,
				       .es = s->es.selector,
				       .fs = s->fs.selector,
				       .gs = s->gs.selector};
}

static int vcpu_note(struct hv_vcpu *v, struct prstatus_note *n)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	struct user_regs_struct u;
	int rc = hv_mig_get_state(v, MIG_REC_REGS, &r, sizeof(r));

	if (!rc)
		rc = hv_mig_get_state(v, MIG_REC_SREGS, &s, sizeof(s));
	if (rc)
		return rc;
	memset(n, 0, sizeof(*n));
	n->nhdr =
	    (Elf64_Nhdr){.n_namesz = sizeof(NOTE_NAME), .n_descsz = sizeof(n->pr), .n_type = NT_PRSTATUS};
	memcpy(n->name, NOTE_NAME, sizeof(NOTE_NAME));
	n->pr.pr_pid = (int)v->index + 1;
	fill_regs(&u, &r, &s);
	_Static_assert(sizeof(u) == sizeof(n->pr.pr_reg), "gdb's x86-64 register set");
	memcpy(&n->pr.pr_reg, &u, sizeof(u));
	return 0;
}

/* ELF header, program headers and notes in one buffer; *len its size (page aligned). */
static int build_head(struct hv_vm *vm, const struct range *rg, unsigned nr, uint8_t **out, size_t *len)
{
	unsigned nv = 0;
	size_t notes_off = sizeof(Elf64_Ehdr) + (1 + nr) * sizeof(Elf64_Phdr), off;
	uint8_t *b;
	int rc = 0;

	for (unsigned i = 0; i < vm->args.nr_vcpus; i++)
		nv += vm->vcpus[i].started;
	*len = (notes_off + nv * sizeof(struct prstatus_note) + PAGE - 1) / PAGE * PAGE;
	b = calloc(1, *len);
	if (!b)
		return -ENOMEM;
	Elf64_Ehdr *e = (Elf64_Ehdr *)b;
	Elf64_Phdr *ph = (Elf64_Phdr *)(b + sizeof(*e));

	memcpy(e->e_ident, ELFMAG, SELFMAG);
	e->e_ident[EI_CLASS] = ELFCLASS64;
	e->e_ident[EI_DATA] = ELFDATA2LSB;
	e->e_ident[EI_VERSION] = EV_CURRENT;
	e->e_type = ET_CORE;
	e->e_machine = EM_X86_64;
	e->e_version = EV_CURRENT;
	e->e_phoff = sizeof(*e);
	e->e_ehsize = sizeof(*e);
	e->e_phentsize = sizeof(*ph);
	e->e_phnum = (Elf64_Half)(1 + nr);
	ph[0] = (Elf64_Phdr){
	    .p_type = PT_NOTE, .p_offset = notes_off, .p_filesz = nv * sizeof(struct prstatus_note)};
	off = *len;
	for (unsigned i = 0; i < nr; i++, off += rg[i - 1].len)
		ph[1 + i] = (Elf64_Phdr){.p_type = PT_LOAD,
					 .p_flags = PF_R | PF_W | PF_X,
					 .p_offset = off,
					 .p_vaddr = rg[i].gpa,
					 .p_paddr = rg[i].gpa,
					 .p_filesz = rg[i].len,
					 .p_memsz = rg[i].len,
					 .p_align = PAGE};
	struct prstatus_note *n = (struct prstatus_note *)(b + notes_off);

	for (unsigned i = 0; i < vm->args.nr_vcpus && !rc; i++)
		if (vm->vcpus[i].started)
			rc = vcpu_note(&vm->vcpus[i], n++);
	if (rc)
		free(b);
	else
		*out = b;
	return rc;
}

static int write_core(struct hv_vm *vm, int fd, struct hvctl_save_result *res)
{
	struct range rg[MAX_RANGES];
	unsigned nr = ram_ranges(vm, rg);
	uint8_t *head = NULL;
	size_t len;
	int rc;

	hv_mig_complete_io(vm);
	rc = build_head(vm, rg, nr, &head, &len);
	if (!rc)
		rc = write_all(fd, head, len, &res->bytes);
	for (unsigned i = 0; i < nr && !rc; i++) {
		rc = write_ram(vm, fd, (uint64_t)(rg[i].host - vm->ram), rg[i].len, &res->bytes);
		res->frames += rg[i].len / PAGE;
	}
	free(head);
	return rc;
}

int hv_dump_core(struct hv_vm *vm, int fd, struct hvctl_save_result *res)
{
	uint64_t t0 = hv_now_ns(CLOCK_MONOTONIC);
	int was_paused = vm->paused, rc;

	memset(res, 0, sizeof(*res));
	if (!was_paused)
		hv_vm_pause(vm);
	rc = write_core(vm, fd, res);
	res->total_ns = res->downtime_ns = hv_now_ns(CLOCK_MONOTONIC) - t0;
	if (!was_paused)
		hv_vm_unpause(vm);
	if (rc)
		log_warnx("dump-core: writing the core failed after %llu bytes: %s",
			  (unsigned long long)res->bytes, log_strerror(rc));
	else
		log_info("domain %u (%s): core dumped, %llu bytes", vm->args.domid, vm->args.name,
			 (unsigned long long)res->bytes);
	return rc;
}
