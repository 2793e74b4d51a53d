/* libFuzzer target: xenon-hv's ELF64 kernel checks on arbitrary images. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hypervisor/hv.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;

	if (!null) {
		null = fopen("/dev/null", "w");
		log_set_file(null); /* refusals are the normal case here */
	}
	/* Two RAM sizes: the segment-fits-in-RAM checks see both sides. */
	hv_elf_validate("fuzz", data, size, 4ULL << 20);
	hv_elf_validate("fuzz", data, size, 8ULL << 30);
	return 0;
}
