/*
 * The guest's virtio_mmio.device= parser (guest/mmio_arg.c) built for the
 * host: Linux's syntax, the bounds, and finding the words of a command line.
 */
#include <stdint.h>
#include <string.h>

#include "guest/mmio_arg.h"
#include "unit.h"

static int parse(const char *s, struct mmio_arg *a, const char **why)
{
	*why = NULL;
	return mmio_arg_parse(s, strlen(s), a, why);
}

static void test_parse(void)
{
	struct mmio_arg a;
	const char *why;

	CHECK_INT(parse("512@0xfeb00e00:12", &a, &why), 0);
	CHECK_INT(a.size, 512);
	CHECK_INT(a.base, 0xfeb00e00);
	CHECK_INT(a.irq, 12);
	CHECK_INT(parse("4K@0xd0000000:16:3", &a, &why), 0);
	CHECK_INT(a.size, 4096);
	CHECK_INT(a.base, 0xd0000000);
	CHECK_INT(a.irq, 16);
	CHECK_INT(parse("1M@3489660928:5", &a, &why), 0);
	CHECK_INT(a.size, 1 << 20);
	CHECK_INT(a.base, 0xd0000000);
	CHECK_INT(parse("0x200@010:07", &a, &why), 0);
	CHECK_INT(a.size, 0x200);
	CHECK_INT(a.base, 8);
	CHECK_INT(a.irq, 7);
}

static void test_refused(void)
{
	static const struct {
		const char *s, *why;
	} bad[] = {
	    {"", "the size is not a number"},
	    {"4K", "no @<base> after the size"},
	    {"4K@0xd0000000", "no :<irq> after the base"},
	    {"0@0xd0000000:5", "the size is 0 or over 1 MiB"},
	    {"2M@0xd0000000:5", "the size is 0 or over 1 MiB"},
	    {"99999999999999G@0:5", "the size is not a number"},
	    {"4K@0xfffff000:5", NULL}, /* ends at 4 GiB exactly: fine */
	    {"4K@0xfffff001:5", "the window does not end below 4 GiB"},
	    {"4K@0x100000000:5", "the window does not end below 4 GiB"},
	    {"4K@0xd0000000:256", "the irq is over 255"},
	    {"4K@0xd0000000:5:", "the platform device id after the irq is not a number"},
	    {"4K@0xd0000000:5x", "unexpected text after the irq"},
	    {"4K@0xd0000000:99999999999999999999999", "no :<irq> after the base"},
	};
	struct mmio_arg a;
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(bad[i].s, &a, &why);

		if (!bad[i].why) {
			CHECK_INT(rc, 0);
			continue;
		}
		CHECK_INT(rc, -22);
		CHECK(why && !strncmp(why, bad[i].why, strlen(bad[i].why)));
		if (!why || strncmp(why, bad[i].why, strlen(bad[i].why)))
			printf("# '%s': %s\n", bad[i].s, why ? why : "(no reason)");
	}
}

/* Words in order; a quoted run belongs to its word; a bad word is reported and stepped over. */
static void test_cmdline(void)
{
	const char *cl =
	    "run=\"x virtio_mmio.device=4K@0x1000:1 y\" virtio_mmio.device=512@0xfeb00e00:12  "
	    "virtio_mmio.device=bad virtio_mmio.devicex=4K@0:1 virtio_mmio.device=4K@0xd0001000:17";
	const char *why, *word;
	struct mmio_arg a;
	size_t pos = 0, len;

	CHECK_INT(mmio_arg_next(cl, &pos, &a, &why, &word, &len), 1);
	CHECK_INT(a.base, 0xfeb00e00);
	CHECK_INT(len, strlen("virtio_mmio.device=512@0xfeb00e00:12"));
	CHECK(!strncmp(word, "virtio_mmio.device=512", 22));
	CHECK_INT(mmio_arg_next(cl, &pos, &a, &why, &word, &len), -22);
	CHECK_INT(len, strlen("virtio_mmio.device=bad"));
	CHECK_INT(mmio_arg_next(cl, &pos, &a, &why, &word, &len), 1);
	CHECK_INT(a.base, 0xd0001000);
	CHECK_INT(a.irq, 17);
	CHECK_INT(mmio_arg_next(cl, &pos, &a, &why, &word, &len), 0);
	CHECK_INT(pos, strlen(cl));
	pos = 0;
	CHECK_INT(mmio_arg_next("", &pos, &a, &why, &word, &len), 0);
}

int main(void)
{
	RUN(test_parse);
	RUN(test_refused);
	RUN(test_cmdline);
	return unit_done();
}
