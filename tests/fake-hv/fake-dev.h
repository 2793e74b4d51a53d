/* fake-hv's disks and NICs and the guest frontends it plays (fake-dev.c). */
#ifndef FAKE_DEV_H
#define FAKE_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "hypervisor/hvctl.h"

typedef void fake_reply_fn(int fd, uint32_t type, int32_t status, const void *buf, uint32_t len);

/* The domain and xenstored (NULL: no frontends are played). */
void fake_dev_setup(uint32_t domid, const char *xenstore);
/* The fds passed with the next request (the previous ones not taken are closed). */
void fake_dev_passed(const int *fds, unsigned n);
/* The first fd passed with the request being served, now the caller's; -1 if none. */
int fake_dev_take_fd(void);
/* A device request (ADD, REMOVE, LIST) answered through reply: true; else false. */
bool fake_dev_request(int fd, const struct hvctl_hdr *hdr, const uint8_t *payload, fake_reply_fn *reply);
/* The fd to poll for xenstore events, -1 while there is none. */
int fake_dev_fd(void);
/* The domain's memory/target (KiB), read as dom0: 0 or -errno. */
int fake_dev_read_target(uint64_t *kib);
/* Take the xenstore events and answer the backends (only while running). */
void fake_dev_frontend(bool running);

#endif
