/* Accept, receive, send and close on the worker's io_uring. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "uring/uring_int.h"

/* An SQE; if the SQ is full, submit what is queued and take one then. */
struct io_uring_sqe *uring_sqe(struct utp *t)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&t->ring);
	while (!sqe) {
		io_uring_submit(&t->ring);
		sqe = io_uring_get_sqe(&t->ring);
	}
	return sqe;
}

void uring_arm_accept(struct utp *t, struct ulistener *l)
{
	struct io_uring_sqe *sqe = uring_sqe(t);
	io_uring_prep_multishot_accept(sqe, l->fd, NULL, NULL, SOCK_CLOEXEC);
	io_uring_sqe_set_data64(sqe, ud_make(l, UD_ACCEPT));
	l->armed = true;
}

void uring_arm_wake(struct utp *t)
{
	struct io_uring_sqe *sqe = uring_sqe(t);
	io_uring_prep_read(sqe, t->efd, &t->efd_val, sizeof(t->efd_val), 0);
	io_uring_sqe_set_data64(sqe, ud_make(t, UD_WAKE));
}

static void arm_recv(struct utp *t, struct uconn *u)
{
	struct io_uring_sqe *sqe = uring_sqe(t);
	io_uring_prep_recv_multishot(sqe, u->fd, NULL, 0, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT | (u->fixed ? IOSQE_FIXED_FILE : 0);
	sqe->buf_group = URING_BGID;
	io_uring_sqe_set_data64(sqe, ud_make(u, UD_RECV));
	u->recv_armed = true;
	u->inflight++;
}

static void cancel(struct utp *t, uint64_t ud)
{
	struct io_uring_sqe *sqe = uring_sqe(t);
	io_uring_prep_cancel64(sqe, ud, 0);
	io_uring_sqe_set_data64(sqe, 0);
}

static void put_buffer(struct utp *t, unsigned bid)
{
	io_uring_buf_ring_add(t->br, t->bufs + (size_t)bid * URING_BUFSZ, URING_BUFSZ,
			      (unsigned short)bid, io_uring_buf_ring_mask(URING_NBUFS), t->br_added++);
}

static void maybe_reap(struct utp *t, struct uconn *u)
{
	if (u->closing && u->inflight == 0 && !u->reaped) {
		u->reaped = true;
		u->reap_next = t->reap;
		t->reap = u;
	}
}

/* Conns whose I/O is over go back to the engine (outside any ops call). */
void uring_reap(struct utp *t)
{
	while (t->reap) {
		struct uconn *u = t->reap;
		t->reap = u->reap_next;
		if (u->prev)
			u->prev->next = u->next;
		else
			t->conns = u->next;
		if (u->next)
			u->next->prev = u->prev;
		if (u->fixed) {
			/* the slot holds its own reference to the socket */
			int none = -1;
			int rc = io_uring_register_files_update(&t->ring, (unsigned)u->fd, &none, 1);
			if (rc != 1)
				wk_log(worker_log(t->w), LL_WARNING, "releasing registered file %d: %s",
				       u->fd, rc < 0 ? strerror(-rc) : "not updated");
		}
		close(u->fd);
		u->fd = -1;
		t->nconns--;
		engine_conn_closed(t->w, engine_conn_from_priv(u));
	}
}

static void on_accept(struct utp *t, struct ulistener *l, struct io_uring_cqe *cqe)
{
	if (cqe->res >= 0) {
		int fd = cqe->res, one = 1;
		struct sockaddr_storage peer, local;
		socklen_t plen = sizeof(peer), llen = sizeof(local);
		char addr[64] = "?:0", laddr[64] = "?:0";
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (getpeername(fd, (struct sockaddr *)&peer, &plen) == 0)
			uring_format_addr(&peer, addr, sizeof(addr));
		if (getsockname(fd, (struct sockaddr *)&local, &llen) == 0)
			uring_format_addr(&local, laddr, sizeof(laddr));
		struct conn *c = engine_conn_open(t->w, fd, addr, laddr);
		if (!c) {
			close(fd);
		} else {
			struct uconn *u = engine_conn_priv(c);
			*u = (struct uconn){ .fd = fd, .reading = true, .next = t->conns };
			if (t->conns)
				t->conns->prev = u;
			t->conns = u;
			t->nconns++;
			u->fixed = (unsigned)fd < t->nfixed &&
				   io_uring_register_files_update(&t->ring, (unsigned)fd, &fd, 1) == 1;
			arm_recv(t, u);
		}
	} else if (cqe->res != -ECANCELED) {
		wk_log(worker_log(t->w), LL_VERBOSE, "accept on %s: %s", l->addr, strerror(-cqe->res));
	}
	if (!(cqe->flags & IORING_CQE_F_MORE)) {
		l->armed = false;
		if (t->accepting && l->fd >= 0)
			uring_arm_accept(t, l);
	}
}

static void on_recv(struct utp *t, struct uconn *u, struct io_uring_cqe *cqe)
{
	struct conn *c = engine_conn_from_priv(u);
	bool more = cqe->flags & IORING_CQE_F_MORE;
	bool rearm = true;
	if (!more) {
		u->recv_armed = false;
		u->inflight--;
	}
	if (cqe->flags & IORING_CQE_F_BUFFER) {
		unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
		if (cqe->res > 0 && !u->closing)
			engine_conn_input(t->w, c, t->bufs + (size_t)bid * URING_BUFSZ, (size_t)cqe->res);
		put_buffer(t, bid);
	}
	/* judged by res alone: a kernel may flag a buffer on an EOF too */
	if (cqe->res == 0) {
		rearm = false;
		if (!u->closing)
			engine_conn_eof(t->w, c);
	} else if (cqe->res < 0 && cqe->res != -ENOBUFS && cqe->res != -ECANCELED) {
		rearm = false;
		if (!u->closing)
			engine_conn_error(t->w, c, -cqe->res);
	}
	if (!more && rearm && u->reading && !u->closing && !u->recv_armed)
		arm_recv(t, u);
	maybe_reap(t, u);
}

static void on_send(struct utp *t, struct uconn *u, struct io_uring_cqe *cqe)
{
	u->sending = false;
	u->inflight--;
	if (!u->closing)
		engine_conn_sent(t->w, engine_conn_from_priv(u), cqe->res == 0 ? -EPIPE : cqe->res);
	maybe_reap(t, u);
}

void uring_handle_cqe(struct utp *t, struct io_uring_cqe *cqe)
{
	uint64_t ud = io_uring_cqe_get_data64(cqe);
	switch (ud_op(ud)) {
	case UD_ACCEPT:
		on_accept(t, ud_ptr(ud), cqe);
		break;
	case UD_RECV:
		on_recv(t, ud_ptr(ud), cqe);
		break;
	case UD_SEND:
		t->send_cqes++;
		on_send(t, ud_ptr(ud), cqe);
		break;
	case UD_WAKE:
		uring_arm_wake(t);
		break;
	default:
		break;
	}
}

void uring_flush(struct worker *w, struct conn *c)
{
	struct utp *t = worker_transport(w);
	struct uconn *u = engine_conn_priv(c);
	const char *p;
	size_t n;
	if (u->sending || u->closing || !engine_conn_take_output(c, &p, &n))
		return;
	struct io_uring_sqe *sqe = uring_sqe(t);
	io_uring_prep_send(sqe, u->fd, p, n, MSG_NOSIGNAL);
	if (u->fixed)
		sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data64(sqe, ud_make(u, UD_SEND));
	u->sending = true;
	u->inflight++;
	t->sends_queued++;
}

void uring_set_reading(struct worker *w, struct conn *c, bool on)
{
	struct utp *t = worker_transport(w);
	struct uconn *u = engine_conn_priv(c);
	u->reading = on;
	if (u->closing)
		return;
	if (!on && u->recv_armed)
		cancel(t, ud_make(u, UD_RECV));
	else if (on && !u->recv_armed)
		arm_recv(t, u);
}

void uring_close(struct worker *w, struct conn *c)
{
	struct utp *t = worker_transport(w);
	struct uconn *u = engine_conn_priv(c);
	if (u->closing)
		return;
	u->closing = true;
	/* ends the multishot recv (EOF) and any send; the cancel covers a recv
	 * that would not notice */
	shutdown(u->fd, SHUT_RDWR);
	if (u->recv_armed)
		cancel(t, ud_make(u, UD_RECV));
	maybe_reap(t, u);
}

void uring_stop_accepting(struct worker *w)
{
	struct utp *t = worker_transport(w);
	t->accepting = false;
	for (int i = 0; i < t->nlis; i++) {
		struct ulistener *l = &t->lis[i];
		if (l->armed)
			cancel(t, ud_make(l, UD_ACCEPT));
		if (l->fd >= 0) {
			/* a pending multishot accept holds the file open until
			 * its cancel completes; shutdown stops listening now */
			shutdown(l->fd, SHUT_RDWR);
			close(l->fd);
			l->fd = -1;
		}
	}
}
