/* CONFIG SET and CONFIG GET on one worker's copy. */
#include <stdio.h>
#include <string.h>

#include "config_internal.h"

int config_set(struct wk_config *c, const char *name, const char *value,
	       char *errbuf, size_t errlen)
{
	const struct config_directive *d = config_directive_find(name);
	struct config_words w;
	char why[256];
	int rc;

	if (!d) {
		snprintf(errbuf, errlen,
			 "Unknown option or number of arguments for CONFIG SET - '%s'", name);
		return -1;
	}
	if (!(d->flags & DIR_MUTABLE)) {
		snprintf(errbuf, errlen,
			 "CONFIG SET failed (possibly related to argument '%s') - can't set immutable config",
			 name);
		return -1;
	}
	if (d->flags & DIR_MULTI_ARG) {
		/* Redis splits a multi-word value on single spaces. */
		if (config_words_split_spaces(value, &w)) {
			snprintf(errbuf, errlen, "Out of memory");
			return -1;
		}
	} else {
		memset(&w, 0, sizeof(w));
		if (config_words_push(&w, value, strlen(value))) {
			config_words_free(&w);
			snprintf(errbuf, errlen, "Out of memory");
			return -1;
		}
	}
	why[0] = '\0';
	rc = d->set(d, c, w.argc, w.argv, w.len, why, sizeof(why));
	config_words_free(&w);
	if (rc) {
		snprintf(errbuf, errlen, "CONFIG SET failed (possibly related to argument '%s') - %s",
			 name, why);
		return -1;
	}
	return 0;
}

void config_foreach(const struct wk_config *c, config_get_fn fn, void *arg)
{
	size_t n;
	const struct config_directive *d = config_directives(&n);

	for (size_t i = 0; i < n; i++) {
		/* Big enough for 16 bind addresses and every number. */
		char buf[1024];

		fn(arg, d[i].name, d[i].get(&d[i], c, buf, sizeof(buf)));
	}
}
