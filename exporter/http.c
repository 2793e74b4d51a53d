/*
 * The HTTP side (libmicrohttpd, its own polling thread): GET or HEAD
 * /metrics gets the latest published text at once; / a pointer to it;
 * anything else 404, another method 405.
 */
#include "exporter/exporter.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct xe_buf current;

void xe_publish(struct xe_buf *b)
{
	struct xe_buf old;

	pthread_mutex_lock(&lock);
	old = current;
	current = *b;
	pthread_mutex_unlock(&lock);
	free(old.p);
	memset(b, 0, sizeof(*b));
}

static struct MHD_Response *text_response(const char *text, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)text, MHD_RESPMEM_MUST_COPY);

	if (r)
		MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	return r;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			      const char *version, const char *data, size_t *data_size, void **state)
{
	static const char index_page[] = "xenon-exporter: the metrics are at /metrics\n";
	static const char not_found[] = "not found: the metrics are at /metrics\n";
	struct MHD_Response *r;
	unsigned code = MHD_HTTP_OK;
	enum MHD_Result ret;

	(void)cls, (void)version, (void)data, (void)data_size, (void)state;
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		r = text_response("only GET and HEAD\n", 18);
		code = MHD_HTTP_METHOD_NOT_ALLOWED;
	} else if (!strcmp(url, "/metrics")) {
		pthread_mutex_lock(&lock);
		r = text_response(current.p ? current.p : "", current.len);
		pthread_mutex_unlock(&lock);
	} else if (!strcmp(url, "/")) {
		r = text_response(index_page, sizeof(index_page) - 1);
	} else {
		r = text_response(not_found, sizeof(not_found) - 1);
		code = MHD_HTTP_NOT_FOUND;
	}
	if (!r)
		return MHD_NO;
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

struct MHD_Daemon *xe_http_start(const char *addr, unsigned port)
{
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
	struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	const struct sockaddr *sa;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	struct MHD_Daemon *d;

	if (inet_pton(AF_INET, addr, &a4.sin_addr) == 1) {
		sa = (const struct sockaddr *)&a4;
	} else if (inet_pton(AF_INET6, addr, &a6.sin6_addr) == 1) {
		sa = (const struct sockaddr *)&a6;
		flags |= MHD_USE_IPv6;
	} else {
		xe_warn("--listen %s: not an IPv4 or IPv6 address (e.g. 127.0.0.1 or ::1)", addr);
		return NULL;
	}
	d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, answer, NULL, MHD_OPTION_SOCK_ADDR, sa,
			     MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_CONNECTION_LIMIT, 64u,
			     MHD_OPTION_END);
	if (!d)
		xe_warn("cannot listen on %s port %u (in use? a privileged port?)", addr, port);
	return d;
}

void xe_http_stop(struct MHD_Daemon *d)
{
	if (d)
		MHD_stop_daemon(d);
}
