/*
 * At start, on io_uring: the open-files limit raised to fit maxclients, or
 * maxclients lowered to fit the limit, with redis-server's log lines.
 */
#include <string.h>

#include "app.h"

int app_adjust_fd_limit(struct wk_config *cfg, const struct wk_log *log)
{
	struct fd_limit r;

	switch (config_fit_fd_limit(cfg->maxclients, engine_resolve_threads(cfg), cfg->nbind, &r)) {
	case FD_FITS:
		if (r.new_limit > r.old_limit)
			wk_log(log, LL_NOTICE, "Increased maximum number of open files to %llu "
			       "(it was originally set to %llu).", r.new_limit, r.old_limit);
		return 0;
	case FD_UNKNOWN:
		wk_log(log, LL_WARNING, "Unable to obtain the current NOFILE limit (%s), assuming "
		       "1024 and setting the max clients configuration accordingly.", strerror(r.err));
		break;
	case FD_TOO_FEW:
		wk_log(log, LL_WARNING, "Your current 'ulimit -n' of %llu is not enough for the "
		       "server to start. Please increase your open file limit to at least %llu. "
		       "Exiting.", r.old_limit, r.needed);
		return -1;
	case FD_REDUCED:
		wk_log(log, LL_WARNING, "You requested maxclients of %lld requiring at least %llu max "
		       "file descriptors.", cfg->maxclients, r.needed);
		wk_log(log, LL_WARNING, "Server can't set maximum open files to %llu because of OS "
		       "error: %s.", r.needed, strerror(r.err));
		wk_log(log, LL_WARNING, "Current maximum open files is %llu. maxclients has been "
		       "reduced to %lld to compensate for low ulimit. If you need higher maxclients "
		       "increase 'ulimit -n'.", r.new_limit, r.maxclients);
		break;
	}
	cfg->maxclients = r.maxclients;
	return 0;
}
