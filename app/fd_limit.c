/*
 * At start, on io_uring: the open-files limit raised to fit maxclients, or
 * maxclients lowered to fit the limit, with redis-server's log lines.
 */
#include <string.h>
#include <unistd.h>

#include "app.h"

int app_adjust_fd_limit(struct wk_config *cfg, const struct wk_log *log)
{
	long workers = cfg->threads > 0 ? cfg->threads : sysconf(_SC_NPROCESSORS_ONLN);
	struct fd_limit r;
	int rc = config_fit_fd_limit(cfg->maxclients, workers > 0 ? (int)workers : 1, cfg->nbind, &r);

	if (rc == 0) {
		if (r.new_limit > r.old_limit)
			wk_log(log, LL_NOTICE, "Increased maximum number of open files to %llu "
			       "(it was originally set to %llu).", r.new_limit, r.old_limit);
		return 0;
	}
	if (rc < 0 && r.new_limit == 0) {
		/* as redis-server: assume 1024 */
		cfg->maxclients = r.maxclients;
		wk_log(log, LL_WARNING, "Unable to obtain the current NOFILE limit (%s), assuming "
		       "1024 and setting the max clients configuration accordingly.", strerror(r.err));
		return 0;
	}
	if (rc < 0) {
		wk_log(log, LL_WARNING, "Your current 'ulimit -n' of %llu is not enough for the "
		       "server to start. Please increase your open file limit to at least %llu. "
		       "Exiting.", r.old_limit, r.needed);
		return -1;
	}
	wk_log(log, LL_WARNING, "You requested maxclients of %lld requiring at least %llu max "
	       "file descriptors.", cfg->maxclients, r.needed);
	wk_log(log, LL_WARNING, "Server can't set maximum open files to %llu because of OS "
	       "error: %s.", r.needed, strerror(r.err));
	wk_log(log, LL_WARNING, "Current maximum open files is %llu. maxclients has been reduced "
	       "to %lld to compensate for low ulimit. If you need higher maxclients increase "
	       "'ulimit -n'.", r.new_limit, r.maxclients);
	cfg->maxclients = r.maxclients;
	return 0;
}
