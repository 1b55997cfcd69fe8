/*
 * The open-files limit, the way redis-server sets it at start: every
 * client is a socket, so the process needs maxclients descriptors plus its
 * own (per worker: an io_uring, an eventfd, a listener per bind address;
 * and a margin for logs and the like). A soft limit below that is raised,
 * up to the hard limit or, with CAP_SYS_RESOURCE, beyond it; when even
 * that falls short, maxclients shrinks to what fits, with a warning.
 */
#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "app.h"

#define FD_LIMIT_MARGIN 32 /* Redis's CONFIG_MIN_RESERVED_FDS */
#define FD_LIMIT_STEP 16

static rlim_t reserved_fds(const struct wk_config *cfg)
{
	long workers = cfg->threads;
	if (workers <= 0)
		workers = sysconf(_SC_NPROCESSORS_ONLN);
	if (workers <= 0)
		workers = 1;
	return FD_LIMIT_MARGIN + (rlim_t)workers * (2 + (rlim_t)cfg->nbind);
}

int app_adjust_fd_limit(struct wk_config *cfg, const struct wk_log *log)
{
	rlim_t reserved = reserved_fds(cfg);
	rlim_t want = (rlim_t)cfg->maxclients + reserved;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
		wk_log(log, LL_WARNING, "Unable to obtain the current NOFILE limit (%s)", strerror(errno));
		return 0;
	}
	rlim_t old = rl.rlim_cur;
	if (old == RLIM_INFINITY || old >= want)
		return 0;

	/* the largest limit the kernel grants, from want down to old */
	rlim_t best = want;
	int why = 0;
	while (best > old) {
		struct rlimit nl = { .rlim_cur = best, .rlim_max = best > rl.rlim_max ? best : rl.rlim_max };
		if (setrlimit(RLIMIT_NOFILE, &nl) == 0)
			break;
		why = errno;
		best = best - old > FD_LIMIT_STEP ? best - FD_LIMIT_STEP : old;
	}
	if (best >= want) {
		wk_log(log, LL_NOTICE, "Increased maximum number of open files to %llu "
		       "(it was originally set to %llu).", (unsigned long long)want,
		       (unsigned long long)old);
		return 0;
	}
	if (best <= reserved) {
		wk_log(log, LL_WARNING, "Your current 'ulimit -n' of %llu is not enough for the "
		       "server to start. Please increase your open file limit to at least %llu. "
		       "Exiting.", (unsigned long long)old, (unsigned long long)want);
		return -1;
	}
	long long asked = cfg->maxclients;
	cfg->maxclients = (long long)(best - reserved);
	wk_log(log, LL_WARNING, "You requested maxclients of %lld requiring at least %llu max "
	       "file descriptors.", asked, (unsigned long long)want);
	wk_log(log, LL_WARNING, "Server can't set maximum open files to %llu because of OS "
	       "error: %s.", (unsigned long long)want, strerror(why));
	wk_log(log, LL_WARNING, "Current maximum open files is %llu. maxclients has been reduced "
	       "to %lld to compensate for low ulimit. If you need higher maxclients increase "
	       "'ulimit -n'.", (unsigned long long)best, cfg->maxclients);
	return 0;
}
