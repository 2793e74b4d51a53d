/*
 * Disks and NICs in the migration stream (VDEV records, man/xenon-migration.7).
 *
 * Save: once the domain is paused, each device's I/O thread is stopped
 * (a disk's requests complete with their batch; a NIC gives back the rx
 * chains it held and a tx chain waiting for its rate), so nothing is in
 * flight; its transport and own state then go into a VDEV record. During a
 * live save the frames the devices write are tracked (KVM logs only the
 * guest's writes) and sent in the last round. If the domain runs on, the
 * threads start again and look at every queue once.
 *
 * Restore: the records are kept until the toolstack adds the domain's
 * disks and NICs (HVCTL_DEVICE_ADD, with the target's taps and disks); each
 * is matched by (kind, devid), placed at the saved window and interrupt
 * line and takes the saved state, so that the guest goes on using it
 * without probing it again. A device the stream lacks is refused, and the
 * domain cannot be unpaused while a saved one has not come.
 *
 * Hand-over (xl migrate): only one copy of the domain may hold a disk (its
 * lock, blk_backing.h). The source gives its locks up once the stream is
 * sent, its I/O stopped; the target takes them at its first unpause, and
 * the source too if it is unpaused instead (the migration failed): a copy
 * that cannot take them stays paused, so two never write one disk.
 */
#include "hypervisor/migstate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor/virtio_mmio.h"
#include "log.h"

/* ---- save ---- */

static int quiesce_one(void *arg, uint32_t kind, uint32_t devid, struct hv_dev *d)
{
	int *rc = arg, r = hv_virtio_quiesce(d);

	if (r && !*rc) {
		log_warnx("save: %s %u cannot be drained: %s", mig_vdev_kind_name(kind), devid, log_strerror(r));
		*rc = r;
	}
	return 0; /* every device stops, even after one failed */
}

int hv_mig_vdevs_quiesce(struct hv_vm *vm)
{
	int rc = 0;

	hv_vdev_foreach(vm, quiesce_one, &rc);
	return rc;
}

static int resume_one(void *arg, uint32_t kind, uint32_t devid, struct hv_dev *d)
{
	int r = hv_virtio_resume(d);

	(void)arg;
	if (r)
		log_warnx("%s %u: its I/O could not start again: %s", mig_vdev_kind_name(kind), devid,
			  log_strerror(r));
	return 0;
}

void hv_mig_vdevs_resume(struct hv_vm *vm)
{
	hv_vdev_foreach(vm, resume_one, NULL);
}

static int track_one(void *arg, uint32_t kind, uint32_t devid, struct hv_dev *d)
{
	(void)kind, (void)devid;
	hv_virtio_track(d, arg);
	return 0;
}

void hv_mig_vdevs_track(struct hv_vm *vm, uint64_t *bits)
{
	hv_vdev_foreach(vm, track_one, bits);
}

struct save_ctx {
	struct mig_writer *w;
	unsigned index;
};

static int save_one(void *arg, uint32_t kind, uint32_t devid, struct hv_dev *d)
{
	struct save_ctx *c = arg;
	struct mig_vdev v = {.kind = kind, .devid = devid};
	uint8_t state[sizeof(struct mig_vbd)] = {0};
	int rc;

	if (c->index == MIG_VDEV_MAX) {
		log_warnx("save: more than %d disks and NICs", MIG_VDEV_MAX);
		return -E2BIG;
	}
	rc = hv_virtio_save_state(d, &v, state, sizeof(state));
	if (rc) {
		log_warnx("save: %s %u cannot save its state: %s", mig_vdev_kind_name(kind), devid, log_strerror(rc));
		return rc;
	}
	return mig_write_record(c->w, MIG_REC_VDEV, c->index++, &v, sizeof(v), state, v.dev_len);
}

int hv_mig_vdevs_save(struct hv_vm *vm, struct mig_writer *w)
{
	struct save_ctx c = {.w = w};

	return hv_vdev_foreach(vm, save_one, &c);
}

struct plan_ctx {
	struct mig_vdev_place e[MIG_VDEV_MAX];
	unsigned n;
};

static int plan_one(void *arg, uint32_t kind, uint32_t devid, struct hv_dev *d)
{
	struct plan_ctx *c = arg;

	if (c->n == MIG_VDEV_MAX) {
		log_warnx("save: more than %d disks and NICs", MIG_VDEV_MAX);
		return -E2BIG;
	}
	c->e[c->n++] = (struct mig_vdev_place){
	    .kind = kind, .devid = devid, .base = hv_virtio_base(d), .irq = hv_virtio_irq(d)};
	return 0;
}

/* Where each device sits, first in the stream (the set cannot change during a save). */
int hv_mig_vdevs_plan(struct hv_vm *vm, struct mig_writer *w)
{
	struct plan_ctx c = {.n = 0};
	int rc = hv_vdev_foreach(vm, plan_one, &c);

	if (rc || !c.n)
		return rc;
	return mig_write_record(w, MIG_REC_VDEV_PLAN, 0, c.e, c.n * sizeof(c.e[0]), NULL, 0);
}

/* ---- hand-over ---- */

/*
 * Until the next unpause: the devices' I/O stopped with their locks given up
 * (a hand-over), or their state came from a stream. Either way each queue
 * is looked at once when the domain runs again: the guest may have made
 * requests and kicked the copy it was saved from, and it does not kick
 * again while that copy's used ring says not to (it was working then).
 */
static int look_again;

static int handover_one(void *arg, uint32_t kind, uint32_t devid, struct hv_dev *d)
{
	(void)arg, (void)kind, (void)devid;
	return hv_virtio_handover(d, *(const bool *)arg);
}

int hv_mig_vdevs_hand_over(struct hv_vm *vm)
{
	bool hold = false;

	look_again = 1; /* even if one failed: the unpause takes every one again */
	return hv_vdev_foreach(vm, handover_one, &hold);
}

int hv_mig_vdevs_claim(struct hv_vm *vm)
{
	bool hold = true;
	int rc = hv_vdev_foreach(vm, handover_one, &hold);

	if (rc) {
		log_warnx("domain %u stays paused: another copy of it (a migration) or another domain "
			  "holds its disk",
			  vm->args.domid);
		return rc;
	}
	if (look_again)
		hv_mig_vdevs_resume(vm);
	look_again = 0;
	return 0;
}

/* ---- restore ---- */

struct saved_vdev {
	struct mig_vdev v;
	uint8_t state[sizeof(struct mig_vbd)];
	int matched;
};

/* A device of the stream's plan, added while the stream is read (dev), its state still to come. */
struct planned_vdev {
	struct mig_vdev_place p;
	struct hv_dev *dev;
};

static struct {
	struct saved_vdev devs[MIG_VDEV_MAX];
	unsigned nr;
	struct planned_vdev plan[MIG_VDEV_MAX];
	unsigned nr_plan;
	int planned;   /* from the plan until the stream's end: planned devices may come */
	int restoring; /* from the end of the stream until the first unpause */
} saved;

/* The VDEV_PLAN record (checked by the reader: kinds, windows, each device once). */
int hv_mig_vdev_plan_keep(const void *payload, size_t len)
{
	const struct mig_vdev_place *e = payload;

	if (len % sizeof(*e) || len / sizeof(*e) > MIG_VDEV_MAX)
		return -EBADMSG;
	saved.nr_plan = (unsigned)(len / sizeof(*e));
	for (unsigned i = 0; i < saved.nr_plan; i++)
		saved.plan[i] = (struct planned_vdev){.p = e[i]};
	saved.planned = 1;
	return 0;
}

unsigned hv_mig_vdevs_planned(void)
{
	return saved.nr_plan;
}

unsigned hv_mig_vdevs_planned_left(void)
{
	unsigned n = 0;

	for (unsigned i = 0; saved.planned && i < saved.nr_plan; i++)
		n += !saved.plan[i].dev;
	return n;
}

/* A VDEV record (checked by the reader: mig_vdev_check, each instance once, one of the plan's). */
int hv_mig_vdev_keep(uint32_t instance, const void *payload, size_t len)
{
	struct saved_vdev *s;

	(void)instance;
	if (saved.nr == MIG_VDEV_MAX || len > sizeof(s->v) + sizeof(s->state))
		return -EBADMSG;
	s = &saved.devs[saved.nr];
	memset(s, 0, sizeof(*s));
	memcpy(&s->v, payload, sizeof(s->v));
	memcpy(s->state, (const uint8_t *)payload + sizeof(s->v), len - sizeof(s->v));
	for (unsigned i = 0; i < saved.nr; i++)
		if (saved.devs[i].v.kind == s->v.kind && saved.devs[i].v.devid == s->v.devid) {
			log_warnx("restore: the stream has %s %u twice", mig_vdev_kind_name(s->v.kind), s->v.devid);
			return -EBADMSG;
		}
	saved.nr++;
	return 0;
}

bool hv_mig_restoring(void)
{
	return saved.restoring || saved.planned;
}

bool hv_mig_stream_reading(void)
{
	return saved.planned; /* (hv_mig_vdevs_restoring clears it) */
}

unsigned hv_mig_vdevs_pending(void)
{
	unsigned n = 0;

	for (unsigned i = 0; saved.restoring && i < saved.nr; i++)
		n += !saved.devs[i].matched;
	return n;
}

static struct saved_vdev *find(uint32_t kind, uint32_t devid)
{
	for (unsigned i = 0; i < saved.nr; i++)
		if (saved.devs[i].v.kind == kind && saved.devs[i].v.devid == devid)
			return &saved.devs[i];
	return NULL;
}

static struct planned_vdev *find_planned(uint32_t kind, uint32_t devid)
{
	for (unsigned i = 0; i < saved.nr_plan; i++)
		if (saved.plan[i].p.kind == kind && saved.plan[i].p.devid == devid)
			return &saved.plan[i];
	return NULL;
}

/* then: what follows a refusal (the device is not added, or the domain not restored). */
static int load(struct saved_vdev *s, struct hv_dev *d, const char *then)
{
	int rc = hv_virtio_load_state(d, &s->v, s->state);

	if (rc) {
		log_warnx("restore: %s %u refused its saved state (%s): %s", mig_vdev_kind_name(s->v.kind), s->v.devid,
			  log_strerror(rc), then);
		return rc;
	}
	s->matched = 1;
	look_again = 1;
	log_info("restore: %s %u continues where it was saved", mig_vdev_kind_name(s->v.kind), s->v.devid);
	return 0;
}

/* The stream is read: the devices added meanwhile take their state; the rest come now. */
int hv_mig_vdevs_restoring(void)
{
	saved.restoring = 1;
	saved.planned = 0;
	for (unsigned i = 0; i < saved.nr_plan; i++) {
		struct planned_vdev *pl = &saved.plan[i];
		struct saved_vdev *s = find(pl->p.kind, pl->p.devid);
		int rc;

		if (!pl->dev)
			continue;
		if (!s) /* the reader saw each planned device's record: not reached */
			return -EBADMSG;
		if ((rc = load(s, pl->dev, "the domain is not restored")))
			return rc;
	}
	return 0;
}

int hv_mig_vdev_place(uint32_t kind, uint32_t devid)
{
	struct planned_vdev *pl = hv_mig_stream_reading() ? find_planned(kind, devid) : NULL;
	struct saved_vdev *s = saved.restoring ? find(kind, devid) : NULL;

	if (!hv_mig_restoring())
		return 0;
	if (!pl && !s) {
		log_warnx("restore: %s %u is not in the saved domain: its configuration must have the disks "
			  "and NICs it had when it was saved",
			  mig_vdev_kind_name(kind), devid);
		return -ENODEV;
	}
	if (pl ? !!pl->dev : s->matched) {
		log_warnx("restore: %s %u was added already", mig_vdev_kind_name(kind), devid);
		return -EEXIST;
	}
	hv_virtio_place_next(pl ? pl->p.base : s->v.base, (int)(pl ? pl->p.irq : s->v.irq));
	return 0;
}

/* While the stream is read, the device waits for its state (hv_mig_vdevs_restoring); after, it takes it. */
int hv_mig_vdev_load(uint32_t kind, uint32_t devid, struct hv_dev *d)
{
	struct planned_vdev *pl = hv_mig_stream_reading() ? find_planned(kind, devid) : NULL;
	struct saved_vdev *s = saved.restoring ? find(kind, devid) : NULL;

	if (pl) {
		pl->dev = d;
		log_info("restore: %s %u added while the stream is read", mig_vdev_kind_name(kind), devid);
		return 0;
	}
	return s ? load(s, d, "nothing of it is left") : 0;
}

int hv_mig_vdevs_restored(struct hv_vm *vm)
{
	if (hv_mig_vdevs_pending()) {
		for (unsigned i = 0; i < saved.nr; i++)
			if (!saved.devs[i].matched)
				log_warnx("domain %u cannot run: its saved %s %u has not been added (the "
					  "configuration lacks it, or attaching it failed)",
					  vm->args.domid, mig_vdev_kind_name(saved.devs[i].v.kind),
					  saved.devs[i].v.devid);
		return -ENODEV;
	}
	saved.restoring = 0;
	saved.nr = 0;
	saved.nr_plan = 0;
	return 0;
}
