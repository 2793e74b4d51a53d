/* The listening socket and the epoll loop (conn.c). */
#ifndef XENON_XS_CONN_H
#define XENON_XS_CONN_H

/* Listen on path (mode 0600); -EADDRINUSE when a daemon answers there. */
int conn_listen(const char *path);
/* Run until a signal asks to stop (conn_stop). */
int conn_loop(void);
void conn_stop(void);
void conn_shutdown(void);
/* -T: trace every message to this file. */
int conn_set_trace(const char *path);

#endif
