/*
 * lib/uring: the kernel-socket transport on io_uring.
 *
 * One io_uring per worker (created on the worker's thread: SINGLE_ISSUER,
 * DEFER_TASKRUN when the kernel takes them), one SO_REUSEPORT listening
 * socket per bind address per worker (the kernel spreads connections over
 * the workers), multishot accept, multishot recv into a per-worker provided
 * buffer ring, one send per conn per loop turn. Another worker wakes a
 * sleeping one by writing to its eventfd, on which a read is kept armed.
 * Everything here runs on the owning worker's thread except wake().
 */
#ifndef WIREKV_URING_H
#define WIREKV_URING_H

#include "engine/engine.h"

extern const struct transport_ops uring_transport_ops;

#endif
