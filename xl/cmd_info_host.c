/*
 * Host facts for xl info that Linux keeps in sysfs and in the binary
 * itself: the CPU / device / NUMA topology (-n) and the build-id.
 */
#include "xl/cmd_info.h"

#include <dirent.h>
#include <elf.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libxl/libxl.h"

#define SYS_NODE "/sys/devices/system/node"

static char build_id_hex[2 * 64 + 1];

/* The first program header of xl's own image holding an NT_GNU_BUILD_ID. */
static int find_build_id(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr), *end = p + ph->p_memsz;

		if (ph->p_type != PT_NOTE)
			continue;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
			const unsigned char *desc =
			    (const unsigned char *)(n + 1) + ((n->n_namesz + 3) & ~3u);

			if (n->n_type == NT_GNU_BUILD_ID && n->n_descsz <= 64) {
				for (unsigned j = 0; j < n->n_descsz; j++)
					sprintf(build_id_hex + 2 * j, "%02x", desc[j]);
				return 1;
			}
			p = (const char *)desc + ((n->n_descsz + 3) & ~3u);
		}
	}
	return 1; /* only the main program (the first object) */
}

const char *xl_build_id(void)
{
	if (!build_id_hex[0])
		dl_iterate_phdr(find_build_id, NULL);
	return build_id_hex;
}

static void print_cpu_topology(void)
{
	int n = 0;
	libxl_cputopology *t = libxl_get_cpu_topology(NULL, &n);

	printf("cpu_topology           :\n");
	printf("cpu:    core    socket     node\n");
	for (int cpu = 0; t && cpu < n; cpu++)
		if (t[cpu].core != LIBXL_CPUTOPOLOGY_INVALID_ENTRY) /* offline CPUs have no topology */
			printf("%3d:    %4u     %4u     %4u\n", cpu, t[cpu].core, t[cpu].socket, t[cpu].node);
	libxl_cputopology_list_free(t, n);
}

/* PCI devices that know their node (numa_node >= 0). */
static void print_device_topology(void)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	unsigned seg, bus, dev, fn;
	struct dirent *e;
	int shown = 0;

	printf("device topology        :\n");
	printf("device           node\n");
	while (d && (e = readdir(d))) {
		char path[320];
		long node;
		FILE *f;

		if (sscanf(e->d_name, "%x:%x:%x.%x", &seg, &bus, &dev, &fn) != 4)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/numa_node", e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fscanf(f, "%ld", &node) == 1 && node >= 0) {
			printf("%04x:%02x:%02x.%01x      %ld\n", seg, bus, dev, fn, node);
			shown++;
		}
		fclose(f);
	}
	if (d)
		closedir(d);
	if (!shown)
		printf("No device topology data available\n");
}

/* "Node 0 MemTotal:  123 kB" from nodeN/meminfo, in MiB. */
static unsigned long long node_mem_mib(unsigned node, const char *key)
{
	char path[64], line[256], k[64];
	unsigned long long kib = 0, v;
	FILE *f;

	snprintf(path, sizeof(path), SYS_NODE "/node%u/meminfo", node);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Node %*u %63[^:]: %llu", k, &v) == 2 && !strcmp(k, key))
			kib = v;
	fclose(f);
	return kib / 1024;
}

static void print_numa(void)
{
	printf("numa_info              :\n");
	printf("node:    memsize    memfree    distances\n");
	for (unsigned node = 0; node < 1024; node++) {
		char path[64], dist[1024];
		FILE *f;

		snprintf(path, sizeof(path), SYS_NODE "/node%u/distance", node);
		f = fopen(path, "re");
		if (!f)
			break;
		if (!fgets(dist, sizeof(dist), f))
			dist[0] = 0;
		fclose(f);
		dist[strcspn(dist, "\n")] = 0;
		for (char *s = dist; (s = strchr(s, ' '));)
			*s = ','; /* Xen's "10,20" */
		printf("%4u:    %6llu     %6llu      %s\n", node, node_mem_mib(node, "MemTotal"),
		       node_mem_mib(node, "MemFree"), dist);
	}
}

void xl_print_topology(void)
{
	print_cpu_topology();
	print_device_topology();
	print_numa();
}
