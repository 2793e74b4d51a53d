/*
 * A tiny printf: %d %i %u %x %X %p %s %c %%, with the flags '-', '0', '#', a
 * width, and the length modifiers l, ll, z. Enough for a kernel.
 */
#include "kernel.h"

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

struct spec {
	bool left, zero, alt;
	int width;
	int lng; /* 0 int, 1 long, 2 long long */
};

static void put_padded(struct out *o, const struct spec *sp, const char *s, size_t n, bool neg)
{
	int pad = sp->width - (int)n - (neg ? 1 : 0);

	if (neg && sp->zero)
		put(o, '-');
	while (!sp->left && pad-- > 0)
		put(o, sp->zero ? '0' : ' ');
	if (neg && !sp->zero)
		put(o, '-');
	while (n--)
		put(o, *s++);
	while (sp->left && pad-- > 0)
		put(o, ' ');
}

static void put_number(struct out *o, const struct spec *sp, uint64_t v, unsigned int base, bool neg,
		       bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	size_t n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = digits[v % base];
		v /= base;
	} while (v);
	put_padded(o, sp, tmp + sizeof(tmp) - n, n, neg);
}

static uint64_t get_unsigned(const struct spec *sp, va_list *ap)
{
	if (sp->lng == 2)
		return va_arg(*ap, unsigned long long);
	if (sp->lng == 1)
		return va_arg(*ap, unsigned long);
	return va_arg(*ap, unsigned int);
}

static int64_t get_signed(const struct spec *sp, va_list *ap)
{
	if (sp->lng == 2)
		return va_arg(*ap, long long);
	if (sp->lng == 1)
		return va_arg(*ap, long);
	return va_arg(*ap, int);
}

static const char *parse_spec(const char *f, struct spec *sp)
{
	memset(sp, 0, sizeof(*sp));
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else if (*f == '#')
			sp->alt = true;
		else
			break;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (*f++ - '0');
	while (*f == 'l' || *f == 'z') {
		sp->lng = *f == 'z' ? 1 : sp->lng + 1;
		f++;
	}
	return f;
}

static void convert(struct out *o, char conv, struct spec *sp, va_list *ap)
{
	const char *s;
	int64_t sv;
	char c;

	switch (conv) {
	case 'd':
	case 'i':
		sv = get_signed(sp, ap);
		put_number(o, sp, sv < 0 ? -(uint64_t)sv : (uint64_t)sv, 10, sv < 0, false);
		break;
	case 'u':
		put_number(o, sp, get_unsigned(sp, ap), 10, false, false);
		break;
	case 'x':
	case 'X':
		if (sp->alt) {
			put(o, '0');
			put(o, conv);
		}
		put_number(o, sp, get_unsigned(sp, ap), 16, false, conv == 'X');
		break;
	case 'p':
		put(o, '0');
		put(o, 'x');
		put_number(o, sp, (uintptr_t)va_arg(*ap, void *), 16, false, false);
		break;
	case 's':
		s = va_arg(*ap, const char *);
		if (!s)
			s = "(null)";
		sp->zero = false;
		put_padded(o, sp, s, strlen(s), false);
		break;
	case 'c':
		c = (char)va_arg(*ap, int);
		put_padded(o, sp, &c, 1, false);
		break;
	default:
		put(o, '%');
		if (conv)
			put(o, conv);
	}
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = {buf, size, 0};
	struct spec sp;
	va_list aq;

	va_copy(aq, ap);
	while (*fmt) {
		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp);
		convert(&o, *fmt, &sp, &aq);
		if (*fmt)
			fmt++;
	}
	va_end(aq);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	return n;
}
