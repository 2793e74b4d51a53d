/* The domain table (domain.h): one slot per possible domid. */
#include "domain.h"

#include <stdlib.h>

static struct domain *domains[XS_DOMID_MAX + 1];
static unsigned ndomains;

struct domain *domain_find(uint32_t domid)
{
	return domid <= XS_DOMID_MAX ? domains[domid] : NULL;
}

struct domain *domain_get(uint32_t domid)
{
	struct domain *d;

	if (domid > XS_DOMID_MAX)
		return NULL;
	d = domains[domid];
	if (d)
		return d;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->domid = domid;
	d->target = -1;
	domains[domid] = d;
	ndomains++;
	return d;
}

int64_t domain_target(uint32_t domid)
{
	struct domain *d = domain_find(domid);

	return d ? d->target : -1;
}

void domain_foreach(void (*fn)(void *arg, struct domain *d), void *arg)
{
	for (unsigned i = 0; i <= XS_DOMID_MAX; i++)
		if (domains[i])
			fn(arg, domains[i]);
}

void domain_reset_all(void)
{
	for (unsigned i = 0; i <= XS_DOMID_MAX && ndomains; i++) {
		if (domains[i]) {
			free(domains[i]);
			domains[i] = NULL;
			ndomains--;
		}
	}
}
