/*
 * Domains as xenstored knows them: introduced or not, their SET_TARGET,
 * and what they use (nodes owned, watches) for the quotas.
 */
#ifndef XENON_XS_DOMAIN_H
#define XENON_XS_DOMAIN_H

#include <stdbool.h>
#include <stdint.h>

#define XS_DOMID_MAX 65535

struct domain {
	uint32_t domid;
	bool introduced;
	int64_t target; /* -1: none */
	unsigned nodes, watches;
};

/* The entry for domid, created on first use (NULL only when out of memory). */
struct domain *domain_get(uint32_t domid);
/* The entry if it exists. */
struct domain *domain_find(uint32_t domid);
int64_t domain_target(uint32_t domid);
/* Calls fn for every domain entry. */
void domain_foreach(void (*fn)(void *arg, struct domain *d), void *arg);
void domain_reset_all(void);

#endif
