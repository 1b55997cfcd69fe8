/* Listening sockets and address formatting. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "uring/uring_int.h"

/* Redis's anetFormatAddr: "ip:port", "[ip6]:port". */
void uring_format_addr(const void *sa, char *out, size_t n)
{
	const struct sockaddr *s = sa;
	char ip[INET6_ADDRSTRLEN] = "?";
	if (s->sa_family == AF_INET) {
		const struct sockaddr_in *a = sa;
		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
		snprintf(out, n, "%s:%d", ip, ntohs(a->sin_port));
	} else if (s->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = sa;
		inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
		snprintf(out, n, "[%s]:%d", ip, ntohs(a->sin6_port));
	} else {
		snprintf(out, n, "?:0");
	}
}

/* A bound, listening TCP socket for addr ("127.0.0.1", "::1", "*"), or
 * -errno with Redis's wording in err. */
int uring_listen_socket(const char *addr, int port, int backlog, bool reuseport,
			char *err, size_t errlen)
{
	struct addrinfo hints = {0}, *res = NULL;
	char portstr[16];
	const char *host = addr;
	if (host[0] == '-')
		host++;
	if (strcmp(host, "*") == 0)
		host = "0.0.0.0";
	else if (strcmp(host, "::*") == 0)
		host = "::";
	snprintf(portstr, sizeof(portstr), "%d", port);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	int rc = getaddrinfo(host, portstr, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "Could not create server TCP listening socket %s:%d: %s",
			 addr, port, gai_strerror(rc));
		return -EINVAL;
	}
	int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	const char *step = "socket";
	int one = 1;
	if (fd < 0)
		goto fail;
	step = "setsockopt";
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		goto fail;
	if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
		goto fail;
	if (res->ai_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
		goto fail;
	step = "bind";
	if (bind(fd, res->ai_addr, res->ai_addrlen) < 0)
		goto fail;
	step = "listen";
	if (listen(fd, backlog) < 0)
		goto fail;
	freeaddrinfo(res);
	return fd;
fail:
	rc = -errno;
	snprintf(err, errlen, "Could not create server TCP listening socket %s:%d: %s: %s",
		 addr, port, step, strerror(errno));
	if (fd >= 0)
		close(fd);
	freeaddrinfo(res);
	return rc;
}

/* Before any worker starts: is every address free? A plain bind (no
 * SO_REUSEPORT) fails while anyone listens there, even another wirekv. */
int uring_check(const struct wk_config *cfg, char *err, size_t errlen)
{
	if (cfg->nbind > 16) {
		snprintf(err, errlen, "too many bind addresses");
		return -1;
	}
	for (int i = 0; i < cfg->nbind; i++) {
		int fd = uring_listen_socket(cfg->bind[i], cfg->port, cfg->tcp_backlog, false,
					     err, errlen);
		if (fd < 0) {
			if (cfg->bind[i][0] == '-') /* optional address, as in Redis */
				continue;
			return -1;
		}
		close(fd);
	}
	return 0;
}
