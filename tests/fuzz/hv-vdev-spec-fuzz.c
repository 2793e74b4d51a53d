/* libFuzzer target: the KEY=VALUE disk and NIC specs of --disk, --nic and hvctl device-add. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor/vdev_spec.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	struct hvctl_device_spec spec;
	char *s = malloc(size + 1);

	if (!null) {
		null = fopen("/dev/null", "w");
		log_set_file(null); /* refusals are the normal case here */
	}
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	for (uint32_t kind = 0; kind <= 3; kind++)
		if (!hv_vdev_spec_parse_str(kind, "fuzz", s, &spec)) {
			/* What a parse accepts is always terminated and within its fields. */
			if (!memchr(spec.target, '\0', sizeof(spec.target)) ||
			    !memchr(spec.serial, '\0', sizeof(spec.serial)))
				abort();
		}
	free(s);
	return 0;
}
