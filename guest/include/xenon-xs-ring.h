/*
 * The guest xenstore channel (shared by xenon-hv and the guest kernel).
 *
 * One 4 KiB page of guest RAM at boot_info.xenstore_ring_gpa carries the
 * xenstore wire protocol (xs_wire.h framing: 16-byte header + payload) as
 * two byte rings, as on Xen: the guest produces requests into req[] and
 * consumes replies and watch events from rsp[]. Indexes are free-running
 * uint32_t counters; the index into the array is counter % XENON_XS_RING_SIZE.
 *
 * Notifications: the guest writes any byte to XENON_PORT_XS_NOTIFY (outb)
 * after producing requests (once per request will do) and after consuming
 * replies from a ring that was full; the VMM raises IOAPIC pin
 * boot_info.xenstore_irq after producing replies and after consuming
 * requests from a ring that was full. "Was full" is Xen's consumer rule:
 * with the new consumer index written, read the producer's index again
 * (after a full barrier); full if it is a ring's size past the old one. A
 * producer that finds the ring full notifies, then waits for the other's.
 * The VMM connects to xenstored, makes the connection the domain's own
 * (XS_CONTROL "become"), and copies bytes both ways.
 */
#ifndef XENON_XS_RING_H
#define XENON_XS_RING_H

#include <stdint.h>

#define XENON_XS_RING_SIZE 1024
#define XENON_PORT_XS_NOTIFY 0x5fc
#define XENON_XS_RING_GPA 0x4000ULL /* where xenon-hv puts it */
#define XENON_XS_IRQ 10

struct xenon_xs_ring {
	char req[XENON_XS_RING_SIZE]; /* guest -> xenstored */
	char rsp[XENON_XS_RING_SIZE]; /* xenstored -> guest */
	volatile uint32_t req_cons, req_prod;
	volatile uint32_t rsp_cons, rsp_prod;
};

#endif
