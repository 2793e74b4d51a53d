/*
 * The kernel command line's virtio_mmio.device=<size>@<base>:<irq>[:<id>]
 * arguments (Linux's syntax: size in bytes or with a K, M or G suffix, base
 * and irq as C integers, 0x for hex). Freestanding and host-buildable: the
 * guest uses it at boot, tests/fuzz/guest-mmio-arg-fuzz.c on the host.
 */
#ifndef GUEST_MMIO_ARG_H
#define GUEST_MMIO_ARG_H

#include <stddef.h>
#include <stdint.h>

#define MMIO_ARG_PREFIX	  "virtio_mmio.device="
#define MMIO_ARG_MAX_SIZE 0x100000ULL	 /* a window is at most 1 MiB */
#define MMIO_ARG_LIMIT	  0x100000000ULL /* and below 4 GiB (mapped 1:1) */

struct mmio_arg {
	uint64_t base;
	uint64_t size;
	uint32_t irq;
};

/*
 * Find the next virtio_mmio.device= word of the command line from *pos
 * (an offset into cmdline, updated); words are separated by spaces, and a
 * double-quoted run (run="a; b") is part of its word. Returns 1 with *arg
 * filled, 0 at the end, or -22 (EINVAL) for a malformed one, with *why
 * saying what is wrong and *word, *word_len where it is (*pos moves past it,
 * so the caller may go on).
 */
int mmio_arg_next(const char *cmdline, size_t *pos, struct mmio_arg *arg, const char **why, const char **word,
		  size_t *word_len);

/* Parse one value (the text after the '='), len bytes: 0 or -22 with *why. */
int mmio_arg_parse(const char *s, size_t len, struct mmio_arg *arg, const char **why);

#endif
