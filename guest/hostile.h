/*
 * The hostile-guest cases (hostile.c, hostile_vq.c): `hostile <case>` in
 * the shell does on purpose what a compromised guest kernel could do to
 * its xenon-hv and to dom0, and prints what came of each attempt, one line
 * each, "hostile <case>: <what>: <outcome>", then "hostile <case>: done".
 * tests/hostile.bats reads those lines and xenon-hv's log.
 */
#ifndef GUEST_HOSTILE_H
#define GUEST_HOSTILE_H

#include <stdbool.h>
#include <stdint.h>

struct device;
struct virtq;
struct virtq_desc;

/* The case being run: its name starts every line it prints. */
extern const char *hostile_case;
/* A xorshift generator, seeded once per run (the seed is printed). */
uint64_t hostile_rand(void);
/* Print "hostile <case>: " and then the format. */
void hostile_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Take dev away from its driver (detach, reset) for raw register work; give it back (reset, attach). */
void hostile_take(struct device *dev);
int hostile_give_back(struct device *dev);

/* hostile_vq.c: raw queue work on a device taken from its driver. Queues
 * have HOSTILE_QSIZE entries; a wait for an outcome lasts HOSTILE_WAIT_MS. */
#define HOSTILE_QSIZE	8
#define HOSTILE_WAIT_MS 300
uint64_t hostile_ram_end(void);
/* Reset, features, queues 0 .. nr_queues - 1, DRIVER_OK: queue 0 (the rest follow it), or NULL. */
struct virtq *hostile_raw_up(struct device *dev, uint64_t features, unsigned int nr_queues);
void hostile_put_desc(volatile struct virtq_desc *t, unsigned int i, uint64_t addr, uint32_t len,
		      uint16_t flags, uint16_t next);
/* Offer head (any number: the guest's to choose), the avail index moved by idx_step; ring. */
void hostile_offer(struct device *dev, struct virtq *q, uint16_t head, uint16_t idx_step);
/* The device's status register (each read an exit to xenon-hv) read afresh
 * into *status once now reaches *next, which then moves on by
 * HOSTILE_STATUS_EVERY_NS; true if it asks for a reset. The wait loops
 * check the used ring, which is memory, on every turn and the register
 * only that often: a nested run's emulated AMD-V now and then corrupts a
 * vCPU's state (tests/nested-kvm), and a register read on every turn made
 * the hostile net case by far the suite's largest source of exits, which
 * are chances for it. */
#define HOSTILE_STATUS_EVERY_NS 1000000ULL
bool hostile_needs_reset(struct device *dev, uint64_t now, uint64_t *next, uint32_t *status);
/* Wait up to ms for q's used index to move past q->last_used (1), the device to need a reset
 * (0), or -ETIMEDOUT; *status is the device status last read. q NULL: only the reset. */
int hostile_wait(struct device *dev, struct virtq *q, uint64_t ms, uint32_t *status);
/* "<dev>: <what>: <done>" (rc 1), "needs-reset" (0), "no answer (status S)" (-ETIMEDOUT). */
void hostile_say_outcome(struct device *dev, const char *what, int rc, uint32_t status, const char *done);

/* hostile_vq.c: the cases */
int hostile_vdev_regs(void);
int hostile_vdev_widths(void);
int hostile_desc_outside(void);
int hostile_desc_loop(void);

/* hostile_net.c */
int hostile_net(void);

#endif
