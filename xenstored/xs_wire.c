/* Error name <-> errno for the wire protocol (xs_wire.h). */
#include "xs_wire.h"

#include <errno.h>
#include <string.h>

static const struct {
	int err;
	const char *name;
} xs_error_table[] = {
#define XS_ERROR_ENTRY(e) {e, #e},
    XS_ERRORS(XS_ERROR_ENTRY)
#undef XS_ERROR_ENTRY
};

#define XS_NERRORS (sizeof(xs_error_table) / sizeof(xs_error_table[0]))

int xs_errno_from_name(const char *name)
{
	for (unsigned i = 0; i < XS_NERRORS; i++)
		if (!strcmp(xs_error_table[i].name, name))
			return xs_error_table[i].err;
	return EIO;
}

const char *xs_errno_name(int err)
{
	if (err < 0)
		err = -err;
	for (unsigned i = 0; i < XS_NERRORS; i++)
		if (xs_error_table[i].err == err)
			return xs_error_table[i].name;
	return "EIO";
}
