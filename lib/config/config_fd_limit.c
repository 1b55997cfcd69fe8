/*
 * The open-files limit that maxclients needs, the way redis-server sets it
 * (adjustOpenFilesLimit): every io_uring client is a socket, so the process
 * needs maxclients descriptors plus its own (per worker an io_uring, an
 * eventfd and a listener per bind address; and Redis's margin for logs and
 * the like). A soft limit below that is raised, up to the hard limit or,
 * with CAP_SYS_RESOURCE, beyond it.
 */
#include <errno.h>
#include <stdbool.h>
#include <sys/resource.h>

#include "config/config.h"

#define FD_LIMIT_MARGIN 32 /* Redis's CONFIG_MIN_RESERVED_FDS */
#define FD_LIMIT_STEP 16   /* how far each refused setrlimit backs off */

enum fd_fit config_fit_fd_limit(long long maxclients, int workers, int nbind, struct fd_limit *r)
{
	struct rlimit rl;

	r->reserved = FD_LIMIT_MARGIN + (unsigned long long)(workers > 0 ? workers : 1) *
		      (2 + (unsigned long long)nbind);
	r->needed = (unsigned long long)maxclients + r->reserved;
	r->maxclients = maxclients;
	r->err = 0;
	r->old_limit = r->new_limit = 0;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
		r->err = errno;
		r->maxclients = 1024 - FD_LIMIT_MARGIN; /* Redis assumes 1024 */
		return FD_UNKNOWN;
	}
	r->old_limit = r->new_limit = rl.rlim_cur;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= r->needed)
		return FD_FITS;

	/* the largest limit the kernel grants, from needed down to the old one;
	 * past the hard limit only CAP_SYS_RESOURCE may go, so a refused
	 * request tries the hard limit next rather than step down from a
	 * huge maxclients 16 at a time */
	rlim_t best = r->needed;
	bool tried_hard = false;
	while (best > rl.rlim_cur) {
		struct rlimit nl = { .rlim_cur = best,
				     .rlim_max = best > rl.rlim_max ? best : rl.rlim_max };
		if (setrlimit(RLIMIT_NOFILE, &nl) == 0)
			break;
		r->err = errno;
		if (!tried_hard && best > rl.rlim_max) {
			tried_hard = true;
			best = rl.rlim_max;
			continue;
		}
		best = best - rl.rlim_cur > FD_LIMIT_STEP ? best - FD_LIMIT_STEP : rl.rlim_cur;
	}
	r->new_limit = best;
	if (best >= r->needed)
		return FD_FITS;
	if (best <= r->reserved) {
		r->maxclients = 0;
		return FD_TOO_FEW;
	}
	r->maxclients = (long long)(best - r->reserved);
	return FD_REDUCED;
}
