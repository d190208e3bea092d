/*
 * A port connection plus the accounting the driver keeps: how often the
 * client had to wait for the server ("waits", i.e. round trips: the TCP
 * connect counts one, then every receive that follows a send counts one),
 * and the bytes each way.  Plain SMTP and TLS records both pass through
 * here, so the count covers the TLS handshake too.
 */
#ifndef PL_LINK_H
#define PL_LINK_H

#include <stddef.h>

#include "port.h"

typedef struct pl_link {
	pl_conn conn;
	unsigned waits;
	unsigned sent_since_wait;
	unsigned long bytes_out, bytes_in;
} pl_link;

pl_err pl_link_connect(pl_link *l, const char *host, uint16_t port, unsigned timeout_ms);
long pl_link_send(pl_link *l, const void *buf, size_t len);
long pl_link_recv(pl_link *l, void *buf, size_t len);
void pl_link_close(pl_link *l);

#endif
