/* The journal's and snapshot's records: checksums, scanning, replay (journal_rec.h). */
#include "journal_rec.h"

#include <errno.h>
#include <string.h>

#include "domain.h"
#include "xs_wire.h"

static uint32_t crc_table[2][256]; /* [0]: CRC32 (version 1), [1]: CRC32C */

static void crc_init(void)
{
	static const uint32_t poly[2] = {0xedb88320u, 0x82f63b78u};

	if (crc_table[0][1])
		return;
	for (int t = 0; t < 2; t++)
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = c & 1 ? poly[t] ^ (c >> 1) : c >> 1;
			crc_table[t][i] = c;
		}
}

static uint32_t crc_update(const uint32_t *table, uint32_t c, const uint8_t *p, size_t len)
{
	while (len--)
		c = table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return c;
}

uint32_t jrec_crc(int version, const uint8_t *body, uint32_t len)
{
	uint32_t c = 0xffffffffu;

	crc_init();
	if (version == 1)
		return crc_update(crc_table[0], c, body, len) ^ 0xffffffffu;
	c = crc_update(crc_table[1], c, (const uint8_t *)&len, 4);
	return crc_update(crc_table[1], c, body, len) ^ 0xffffffffu;
}

void jrec_frame(uint8_t *dst, uint32_t len)
{
	uint32_t crc = jrec_crc(JVERSION, dst + JREC_HDR, len);

	memcpy(dst, &len, 4);
	memcpy(dst + 4, &crc, 4);
}

void jfile_header(uint8_t hdr[JFILE_HDR], enum jfile_kind kind, uint64_t seq)
{
	uint32_t crc;

	memcpy(hdr, jfile_magic(kind, JVERSION), 8);
	memcpy(hdr + 8, &seq, 8);
	crc = jrec_crc(JVERSION, hdr, 16);
	memcpy(hdr + 16, &crc, 4);
	memset(hdr + 20, 0, 4);
}

const char *jfile_magic(enum jfile_kind kind, int version)
{
	static const char *const magic[2][2] = {{"XSJRNL01", "XSJRNL02"}, {"XSSNAP01", "XSSNAP02"}};

	return magic[kind][version - 1];
}

/* NULL if a whole, intact record starts at off; else what is wrong with it. */
static const char *rec_check(const uint8_t *p, size_t len, size_t off, int version, uint32_t *blen)
{
	uint32_t crc;

	if (len - off < JREC_HDR)
		return "a partial record header";
	memcpy(blen, p + off, 4);
	memcpy(&crc, p + off + 4, 4);
	if (!*blen || *blen > JREC_MAX)
		return "an impossible record length";
	if (*blen > len - off - JREC_HDR)
		return "a record longer than the rest of the file";
	if (jrec_crc(version, p + off + JREC_HDR, *blen) != crc)
		return "a bad checksum";
	if (!p[off + JREC_HDR] || p[off + JREC_HDR] > (version == 1 ? JREC_END : JREC_COMMIT))
		return "an unknown record type";
	return NULL;
}

/* Does a group end with this record? */
static bool group_ends(enum jfile_kind kind, int version, uint8_t type)
{
	return kind == JFILE_SNAPSHOT || version == 1 || type == JREC_COMMIT;
}

/* Intact records after a bad one: the first at or after from, and how many follow it. */
static void find_after(const uint8_t *p, size_t len, size_t from, int version, struct jscan *s)
{
	uint32_t blen;

	for (size_t y = from; y + JREC_HDR < len; y++) {
		if (rec_check(p, len, y, version, &blen))
			continue;
		s->after_at = y;
		while (y < len && !rec_check(p, len, y, version, &blen)) {
			s->after++;
			y += JREC_HDR + blen;
		}
		return;
	}
}

static void scan_header(const uint8_t *p, size_t len, enum jfile_kind kind, struct jscan *s)
{
	uint32_t crc = 0;

	memset(s, 0, sizeof(*s));
	s->len = len;
	s->state = JSCAN_NO_HEADER;
	s->why = "no readable header";
	for (int v = 1; v <= 2 && len >= JFILE_HDR_V1; v++)
		if (!memcmp(p, jfile_magic(kind, v), 8))
			s->version = v;
	s->hdr = s->version == 1 ? JFILE_HDR_V1 : JFILE_HDR;
	if (s->version == 2 && len >= JFILE_HDR)
		memcpy(&crc, p + 16, 4);
	if (!s->version || len < s->hdr || (s->version == 2 && crc != jrec_crc(2, p, 16))) {
		s->version = 0;
		return;
	}
	memcpy(&s->seq, p + 8, 8);
	s->state = JSCAN_CLEAN;
	s->why = NULL;
	s->good = s->bad = s->hdr;
}

void jscan(const uint8_t *p, size_t len, enum jfile_kind kind, struct jscan *s)
{
	size_t off, recs = 0;
	bool ended = false;
	uint32_t blen;

	scan_header(p, len, kind, s);
	off = s->hdr;
	if (!s->version) {
		find_after(p, len, 0, 2, s);
		if (!s->after)
			find_after(p, len, 0, 1, s);
		return;
	}
	while (off < len && !ended && !(s->why = rec_check(p, len, off, s->version, &blen))) {
		uint8_t type = p[off + JREC_HDR];

		recs += type != JREC_COMMIT && type != JREC_END;
		off += JREC_HDR + blen;
		ended = kind == JFILE_SNAPSHOT && type == JREC_END;
		if (group_ends(kind, s->version, type)) {
			s->good = off;
			s->groups++;
			s->records += recs;
			recs = 0;
		}
	}
	s->bad = off;
	s->uncommitted = recs;
	if (off == len && !s->why && (kind == JFILE_JOURNAL ? s->good == len : ended))
		return; /* clean */
	if (!s->why)
		s->why = ended			  ? "bytes after the end record"
			 : kind == JFILE_SNAPSHOT ? "no end record"
						  : "a change without its commit record";
	find_after(p, len, off + (off < len), s->version, s);
	/* one damaged byte of the magic makes XSJRNL02 read as XSJRNL01 (whose
	 * header has no checksum): records of the other version are readable
	 * records too, and must not pass for a torn tail */
	if (!s->after)
		find_after(p, len, off + (off < len), 3 - s->version, s);
	/* a journal's tail with nothing readable after it is where a write stopped */
	s->state = kind == JFILE_JOURNAL && !s->after ? JSCAN_TORN : JSCAN_DAMAGED;
}

/* ---- replay ---- */

/*
 * Create the missing ancestors of path, dom0's only. A whole journal never
 * needs it (a parent is written before its children); a journal replayed
 * without its snapshot (a loss the operator accepted) does.
 */
static int make_ancestors(struct store *st, const char *path)
{
	static const struct xs_perm dom0 = {0, XS_PERM_NONE};
	char parent[4096];

	if (path_parent(path, parent, sizeof(parent)) || store_lookup(st, parent))
		return 0;
	int rc = make_ancestors(st, parent);
	return rc ? rc : store_create(st, parent, &dom0, 1, "", 0, NULL);
}

/* SET body: u32 vlen, u32 nperms, nperms * (u32 id, u8 perm), path NUL, value. */
static int apply_set(struct store *st, const uint8_t *p, size_t len)
{
	uint32_t vlen, np;
	struct xs_perm perms[XS_NODE_PERMS_MAX];
	const char *path;
	size_t off = 8, plen;
	struct node *n;

	if (len < 8)
		return -EINVAL;
	memcpy(&vlen, p, 4);
	memcpy(&np, p + 4, 4);
	if (!np || np > XS_NODE_PERMS_MAX || off + 5 * (size_t)np >= len)
		return -EINVAL;
	for (uint32_t i = 0; i < np; i++, off += 5) {
		memcpy(&perms[i].id, p + off, 4);
		perms[i].perm = p[off + 4] & 3;
	}
	path = (const char *)p + off;
	plen = strnlen(path, len - off);
	if (plen == len - off || off + plen + 1 + (size_t)vlen != len || path[0] != '/')
		return -EINVAL;
	n = store_lookup(st, path);
	if (!n && make_ancestors(st, path))
		return -EINVAL;
	if (!n)
		return store_create(st, path, perms, np, p + off + plen + 1, vlen, NULL);
	if (store_set_value(st, n, p + off + plen + 1, vlen))
		return -ENOMEM;
	return store_set_perms(st, n, perms, np);
}

static int apply_del(struct store *st, const uint8_t *p, size_t len)
{
	struct node *n;

	if (len < 2 || p[len - 1] || p[1] != '/')
		return -EINVAL;
	n = store_lookup(st, (const char *)p + 1);
	return n && strcmp(n->path, "/") ? store_remove(st, n) : 0;
}

static int apply_domain(const uint8_t *p, size_t len)
{
	struct domain *d;
	uint32_t domid;

	if (len != 14)
		return -EINVAL;
	memcpy(&domid, p + 1, 4);
	d = domain_get(domid);
	if (!d)
		return -EINVAL;
	d->introduced = p[5];
	memcpy(&d->target, p + 6, 8);
	return 0;
}

static int apply_record(struct store *st, const uint8_t *p, size_t len)
{
	switch (p[0]) {
	case JREC_SET:
		return apply_set(st, p + 1, len - 1);
	case JREC_DEL:
		return apply_del(st, p, len);
	case JREC_DOMAIN:
		return apply_domain(p, len);
	}
	return 0; /* END, COMMIT */
}

int japply(struct store *st, const uint8_t *p, size_t to, const struct jscan *s, size_t *bad_group)
{
	size_t off = s->hdr, group = off;
	enum jfile_kind kind =
	    !memcmp(p, jfile_magic(JFILE_SNAPSHOT, s->version), 8) ? JFILE_SNAPSHOT : JFILE_JOURNAL;

	while (off < to) {
		uint32_t blen;

		memcpy(&blen, p + off, 4);
		if (apply_record(st, p + off + JREC_HDR, blen)) {
			*bad_group = group;
			return -EINVAL;
		}
		off += JREC_HDR + blen;
		if (group_ends(kind, s->version, p[off - blen]))
			group = off;
	}
	return 0;
}
