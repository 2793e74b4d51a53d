/* Quota limits and their names (quota.h). */
#include "quota.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strutil.h"

unsigned quota_limit[QUOTA_COUNT] = {
    [QUOTA_NODES] = 1000,     [QUOTA_WATCHES] = 128, [QUOTA_TRANSACTIONS] = 10, [QUOTA_OUTSTANDING] = 20,
    [QUOTA_NODE_SIZE] = 2048, [QUOTA_PERMS] = 5,     [QUOTA_PATH_MAX] = 2048,	[QUOTA_TX_NODES] = 1024,
};

/* Each quota's name (for -Q and CONTROL quota) and its line in the listing. */
static const struct {
	const char *name, *descr;
} quota_info[QUOTA_COUNT] = {
    [QUOTA_NODES] = {"nodes", "Nodes per domain"},
    [QUOTA_WATCHES] = {"watches", "Watches per domain"},
    [QUOTA_TRANSACTIONS] = {"transactions", "Open transactions per connection"},
    [QUOTA_OUTSTANDING] = {"outstanding", "Outstanding requests per domain"},
    [QUOTA_NODE_SIZE] = {"node-size", "Max. size of a node"},
    [QUOTA_PERMS] = {"permissions", "Max. number of permissions per node"},
    [QUOTA_PATH_MAX] = {"path-max", "Max. length of a node path"},
    [QUOTA_TX_NODES] = {"transaction-nodes", "Max. number of accessed nodes per transaction"},
};

static int quota_by_name(const char *name)
{
	for (int i = 0; i < QUOTA_COUNT; i++)
		if (!strcmp(quota_info[i].name, name))
			return i;
	return -EINVAL;
}

int quota_set(const char *name, const char *value)
{
	char buf[64];
	uint64_t v;
	int k;

	if (!value) {
		const char *eq = strchr(name, '=');

		if (!eq || (size_t)(eq - name) >= sizeof(buf))
			return -EINVAL;
		memcpy(buf, name, eq - name);
		buf[eq - name] = 0;
		name = buf;
		value = eq + 1;
	}
	k = quota_by_name(name);
	if (k < 0)
		return k;
	if (parse_u64(value, 0x7fffffff, &v))
		return -EINVAL;
	quota_limit[k] = v;
	return 0;
}

/* As Xen's xenstored lists them. */
int quota_format(char *buf, size_t len)
{
	int off = snprintf(buf, len, "Quota settings:\n");

	for (int i = 0; i < QUOTA_COUNT; i++) {
		int n = snprintf(buf + off, len - off, "%-17s: %8u %s\n", quota_info[i].name, quota_limit[i],
				 quota_info[i].descr);

		if (n < 0 || (size_t)n >= len - off)
			return -E2BIG;
		off += n;
	}
	return off;
}
