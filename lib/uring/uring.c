/* The io_uring transport: per-worker setup, the poll step, teardown. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "uring/uring.h"
#include "uring/uring_int.h"

static int ring_setup(struct utp *t)
{
	/* the best the kernel takes first, then step down */
	static const unsigned tries[] = {
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
		IORING_SETUP_COOP_TASKRUN,
		0,
	};
	int rc = -EINVAL;
	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		struct io_uring_params p = {0};
		p.flags = tries[i] | IORING_SETUP_CQSIZE;
		p.cq_entries = URING_CQ_ENTRIES;
		rc = io_uring_queue_init_params(URING_ENTRIES, &t->ring, &p);
		if (rc == 0)
			return 0;
		if (rc != -EINVAL)
			break;
	}
	return rc;
}

static int bufring_setup(struct utp *t)
{
	size_t ring_bytes = URING_NBUFS * sizeof(struct io_uring_buf);
	void *mem = NULL;
	if (posix_memalign(&mem, (size_t)sysconf(_SC_PAGESIZE), ring_bytes) != 0)
		return -ENOMEM;
	memset(mem, 0, ring_bytes);
	t->br = mem;
	if (posix_memalign((void **)&t->bufs, 64, (size_t)URING_NBUFS * URING_BUFSZ) != 0)
		return -ENOMEM;
	struct io_uring_buf_reg reg = {
		.ring_addr = (uint64_t)(uintptr_t)t->br,
		.ring_entries = URING_NBUFS,
		.bgid = URING_BGID,
	};
	int rc = io_uring_register_buf_ring(&t->ring, &reg, 0);
	if (rc < 0)
		return rc;
	t->br_ok = true;
	io_uring_buf_ring_init(t->br);
	for (int i = 0; i < URING_NBUFS; i++)
		io_uring_buf_ring_add(t->br, t->bufs + (size_t)i * URING_BUFSZ, URING_BUFSZ,
				      (unsigned short)i, io_uring_buf_ring_mask(URING_NBUFS), i);
	io_uring_buf_ring_advance(t->br, URING_NBUFS);
	return 0;
}

/*
 * Before 6.13 a request on a registered file pins the table as it was when
 * the request started, and files removed later are released only once
 * every older request has ended: a connection's multishot recv lives as
 * long as the connection, so one long-lived client would keep every later
 * closed socket allocated. From 6.13 each slot holds its own reference.
 */
static bool kernel_frees_removed_files_at_once(void)
{
	struct utsname u;
	unsigned major = 0, minor = 0;
	if (uname(&u) != 0 || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 13);
}

/*
 * A sparse registered file table, one slot per possible fd number: a
 * connection's socket sits at the index of its own fd, so recv and send
 * name it with IOSQE_FIXED_FILE and skip fget/fput per operation (atomic in
 * a threaded process). The kernel caps the table at RLIMIT_NOFILE.
 */
static void fixed_files_setup(struct utp *t)
{
	struct rlimit rl;
	unsigned n = URING_MAX_FIXED;
	if (!kernel_frees_removed_files_at_once()) {
		wk_log(worker_log(t->w), LL_VERBOSE, "registered files off: this kernel (< 6.13) "
		       "keeps a removed file until every older request ends");
		return;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < n)
		n = (unsigned)rl.rlim_cur;
	int rc = io_uring_register_files_sparse(&t->ring, n);
	if (rc < 0) {
		wk_log(worker_log(t->w), LL_VERBOSE, "registered files unavailable: %s",
		       strerror(-rc));
		return;
	}
	t->nfixed = n;
}

static void utp_free(struct utp *t)
{
	for (struct uconn *u = t->conns; u; u = u->next)
		if (u->fd >= 0)
			close(u->fd);
	for (int i = 0; i < t->nlis; i++)
		if (t->lis[i].fd >= 0)
			close(t->lis[i].fd);
	if (t->ring_ok)
		io_uring_queue_exit(&t->ring);
	if (t->efd >= 0)
		close(t->efd);
	free(t->br);
	free(t->bufs);
	free(t);
}

static void *uring_worker_init(struct worker *w, char *err, size_t errlen)
{
	const struct wk_config *cfg = worker_config(w);
	struct utp *t = aligned_alloc(64, (sizeof(*t) + 63) & ~(size_t)63);
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memset(t, 0, sizeof(*t));
	t->w = w;
	t->efd = -1;
	coalesce_init(&t->coalesce);
	int rc = ring_setup(t);
	if (rc < 0) {
		snprintf(err, errlen, "io_uring_queue_init: %s", strerror(-rc));
		utp_free(t);
		return NULL;
	}
	t->ring_ok = true;
	/* io_uring_enter by registered index: no fdget per loop turn (>= 5.18) */
	if (io_uring_register_ring_fd(&t->ring) < 0)
		wk_log(worker_log(w), LL_VERBOSE, "io_uring_register_ring_fd unavailable");
	fixed_files_setup(t);
	rc = bufring_setup(t);
	if (rc < 0) {
		snprintf(err, errlen, "io_uring_register_buf_ring: %s", strerror(-rc));
		utp_free(t);
		return NULL;
	}
	/* blocking eventfd: io_uring polls it; a non-blocking one would fail
	 * the read with EAGAIN instead of waiting */
	t->efd = eventfd(0, EFD_CLOEXEC);
	if (t->efd < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		utp_free(t);
		return NULL;
	}
	for (int i = 0; i < cfg->nbind && i < 16; i++) {
		int fd = uring_listen_socket(cfg->bind[i], cfg->port, cfg->tcp_backlog, true,
					     err, errlen);
		if (fd < 0) {
			if (cfg->bind[i][0] == '-')
				continue;
			utp_free(t);
			return NULL;
		}
		struct ulistener *l = &t->lis[t->nlis++];
		l->fd = fd;
		snprintf(l->addr, sizeof(l->addr), "%s:%d", cfg->bind[i], cfg->port);
	}
	t->accepting = true;
	for (int i = 0; i < t->nlis; i++)
		uring_arm_accept(t, &t->lis[i]);
	uring_arm_wake(t);
	rc = io_uring_submit(&t->ring);
	if (rc < 0) {
		snprintf(err, errlen, "io_uring_submit: %s", strerror(-rc));
		utp_free(t);
		return NULL;
	}
	return t;
}

static void uring_worker_fini(struct worker *w)
{
	struct utp *t = worker_transport(w);
	if (t)
		utp_free(t);
}

static int wait_cqes(struct utp *t, unsigned nr, long long ns)
{
	struct __kernel_timespec ts = { .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };
	struct io_uring_cqe *cqe;
	return io_uring_submit_and_wait_timeout(&t->ring, &cqe, nr, &ts, NULL);
}

static int uring_poll(struct worker *w, int timeout_ms)
{
	struct utp *t = worker_transport(w);
	long long coalesce_us = worker_config(w)->io_coalesce_us;
	if (coalesce_us == 0)
		coalesce_off(&t->coalesce);
	unsigned asked = t->coalesce.target;
	int rc;
	if (timeout_ms > 0) {
		rc = -ETIME;
		if (asked > 1) {
			/* the queued sends complete inline in this enter: count
			 * them on top, or they would satisfy the wait */
			rc = wait_cqes(t, asked + t->sends_queued, coalesce_us * 1000LL);
		}
		/* nothing came in the coalescing window (rc may be the count
		 * submitted rather than -ETIME): wait for one, as when idle */
		if ((rc == -ETIME || rc >= 0) && !io_uring_cq_ready(&t->ring))
			rc = wait_cqes(t, 1, (long long)timeout_ms * 1000000);
	} else {
		rc = io_uring_submit_and_get_events(&t->ring);
	}
	t->sends_queued = 0;
	t->send_cqes = 0;
	if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY)
		return rc;
	unsigned got = 0;
	/* a bounded number of rounds: the CQ may refill while we work */
	for (int round = 0; round < 4; round++) {
		unsigned head, n = 0;
		struct io_uring_cqe *cqe;
		io_uring_for_each_cqe(&t->ring, head, cqe) {
			uring_handle_cqe(t, cqe);
			n++;
		}
		io_uring_cq_advance(&t->ring, n);
		if (t->br_added) {
			io_uring_buf_ring_advance(t->br, t->br_added);
			t->br_added = 0;
		}
		got += n;
		if (n == 0)
			break;
	}
	if (timeout_ms > 0 && coalesce_us > 0)
		coalesce_update(&t->coalesce, t->nconns, asked, got - t->send_cqes);
	uring_reap(t);
	return 0;
}

static size_t uring_info(struct worker *w, char *buf, size_t cap)
{
	struct utp *t = worker_transport(w);
	int len = snprintf(buf, cap,
		"uring%d:conns=%u,fixed_files=%u,coalesce_target=%u,coalesced_waits=%llu,"
		"coalesce_timeouts=%llu\r\n",
		worker_id(w), t->nconns, t->nfixed, t->coalesce.target, t->coalesce.waits,
		t->coalesce.timeouts);
	if (len < 0 || (size_t)len >= cap)
		return 0;
	return (size_t)len;
}

static void uring_wake(struct worker *dst)
{
	struct utp *t = worker_transport(dst);
	uint64_t one = 1;
	ssize_t rc = write(t->efd, &one, sizeof(one));
	(void)rc;
}

const struct transport_ops uring_transport_ops = {
	.name = "uring",
	.conn_priv_size = sizeof(struct uconn),
	.check = uring_check,
	.worker_init = uring_worker_init,
	.worker_fini = uring_worker_fini,
	.poll = uring_poll,
	.flush = uring_flush,
	.set_reading = uring_set_reading,
	.info = uring_info,
	.close = uring_close,
	.wake = uring_wake,
	.stop_accepting = uring_stop_accepting,
};
