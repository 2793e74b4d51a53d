/*
 * The hostile-guest cases (hostile.c, hostile_vq.c): `hostile <case>` in
 * the shell does on purpose what a compromised guest kernel could do to
 * its xenon-hv and to dom0, and prints what came of each attempt, one line
 * each, "hostile <case>: <what>: <outcome>", then "hostile <case>: done".
 * tests/hostile.bats reads those lines and xenon-hv's log.
 */
#ifndef GUEST_HOSTILE_H
#define GUEST_HOSTILE_H

#include <stdint.h>

struct device;

/* The case being run: its name starts every line it prints. */
extern const char *hostile_case;
/* A xorshift generator, seeded once per run (the seed is printed). */
uint64_t hostile_rand(void);
/* Print "hostile <case>: " and then the format. */
void hostile_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Take dev away from its driver (detach, reset) for raw register work; give it back (reset, attach). */
void hostile_take(struct device *dev);
int hostile_give_back(struct device *dev);

/* hostile_vq.c */
int hostile_vdev_regs(void);
int hostile_vdev_widths(void);
int hostile_desc_outside(void);
int hostile_desc_loop(void);

#endif
