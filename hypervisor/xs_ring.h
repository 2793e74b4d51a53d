/*
 * The byte copying of the guest xenstore channel (xenstore.c): guest
 * requests from the ring's req[] to the xenstored socket, replies and watch
 * events from the socket (or held over from a save) into rsp[]. The ring is
 * guest memory: every index in it is the guest's to write at any moment, so
 * each is read once per step and only ever used modulo the ring size, and a
 * request window larger than the ring stops the channel. Pure (a ring, a
 * file descriptor, the tracker): fuzzed without a domain
 * (tests/fuzz/hv-xs-ring-fuzz.c).
 */
#ifndef XENON_HV_XS_RING_H
#define XENON_HV_XS_RING_H

#include "guest/include/xenon-xs-ring.h"
#include "hypervisor/xs_track.h"

/*
 * Each returns 1 when bytes moved, 0 when none did; pump_requests adds
 * XS_RING_ROOM_MADE when the guest may be waiting for the room it made (the
 * ring was full). When the channel must
 * stop (the guest broke its indexes, xenstored went away), *why says why;
 * once it is set, replies are still delivered from what is held but nothing
 * more is read or written on fd.
 */
#define XS_RING_ROOM_MADE 2
int xs_ring_pump_requests(struct xenon_xs_ring *r, int fd, struct xs_track *t, const char **why);
int xs_ring_pump_replies(struct xenon_xs_ring *r, int fd, struct xs_track *t, const char **why);
/* For the main loop's poll: whether the reply ring has room, whether requests wait. */
int xs_ring_rsp_room(struct xenon_xs_ring *r);
int xs_ring_req_pending(struct xenon_xs_ring *r);

#endif
