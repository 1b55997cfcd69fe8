/* libFuzzer target for lib/config.
 *
 * Input byte 0 picks the mode:
 *   0      the rest is wirekv-server's argv, words separated by NUL bytes
 *   other  the whole input is a config file, written to a memfd and read
 *          through /proc/self/fd/N by the real file loader
 * `include` is disabled (CONFIG_LOAD_NO_INCLUDE) so the input cannot make
 * the loader read the machine's files or block on a device.
 *
 * Checked beyond "no crash": a failed load leaves a formatted error; on any
 * loaded config, CONFIG SET of each mutable directive with its own CONFIG
 * GET value succeeds and does not change that value, and a clone formats
 * exactly like its source. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config/config_internal.h"

#define MAX_ARGS 64
#define SNAP_MAX 128 /* directives CONFIG GET lists (37 today) */

struct snapshot {
	int n;
	char name[SNAP_MAX][40];
	char *value[SNAP_MAX];
};

static void snapshot_cb(void *arg, const char *name, const char *value)
{
	struct snapshot *s = arg;

	if (s->n >= SNAP_MAX)
		abort();
	snprintf(s->name[s->n], sizeof(s->name[0]), "%s", name);
	s->value[s->n] = strdup(value);
	if (!s->value[s->n])
		abort();
	s->n++;
}

static void snapshot_free(struct snapshot *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->value[i]);
	s->n = 0;
}

static void check_config(struct wk_config *c)
{
	struct snapshot before = { 0 }, after = { 0 }, copy = { 0 };
	struct wk_config clone;
	char errbuf[512];

	config_foreach(c, snapshot_cb, &before);
	for (int i = 0; i < before.n; i++) {
		const struct config_directive *d = config_directive_find(before.name[i]);

		if (!d)
			abort();
		int rc = config_set(c, before.name[i], before.value[i], errbuf, sizeof(errbuf));

		if ((d->flags & DIR_MUTABLE) && rc) {
			fprintf(stderr, "CONFIG SET %s '%s' of its own value: %s\n",
				before.name[i], before.value[i], errbuf);
			abort();
		}
		if (!(d->flags & DIR_MUTABLE) && !rc)
			abort();
	}
	config_foreach(c, snapshot_cb, &after);
	for (int i = 0; i < before.n; i++)
		if (strcmp(before.value[i], after.value[i]))
			abort();
	if (config_clone(&clone, c) == 0) {
		config_foreach(&clone, snapshot_cb, &copy);
		for (int i = 0; i < before.n; i++)
			if (strcmp(before.value[i], copy.value[i]))
				abort();
		config_free(&clone);
	}
	snapshot_free(&before);
	snapshot_free(&after);
	snapshot_free(&copy);
}

static int load_argv(struct wk_config *c, const uint8_t *data, size_t size,
		     struct config_error *err)
{
	char *buf = malloc(size + 1);
	char *argv[MAX_ARGS + 1];
	int argc = 1, rc;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[0] = "wirekv-server";
	for (char *p = buf; argc < MAX_ARGS && p <= buf + size; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	/* A first word without '-' is a path to read: not from fuzz input. */
	if (argc > 1 && argv[1][0] != '-') {
		free(buf);
		return 1;
	}
	rc = config_load_args_flags(c, argc, argv, CONFIG_LOAD_NO_INCLUDE, err);
	free(buf);
	return rc;
}

static int load_memfd(struct wk_config *c, const uint8_t *data, size_t size,
		      struct config_error *err)
{
	int fd = memfd_create("fuzz.conf", MFD_CLOEXEC);
	char path[64];
	int rc;

	if (fd < 0)
		abort();
	for (size_t off = 0; off < size;) {
		ssize_t w = write(fd, data + off, size - off);

		if (w <= 0)
			abort();
		off += (size_t)w;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rc = config_load_path(c, path, CONFIG_LOAD_NO_INCLUDE, err);
	close(fd);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wk_config c;
	struct config_error err;
	char line[1024];
	int rc;

	if (size == 0)
		return 0;
	config_init(&c);
	memset(&err, 0, sizeof(err));
	if (data[0] == 0)
		rc = load_argv(&c, data + 1, size - 1, &err);
	else
		rc = load_memfd(&c, data, size, &err);
	if (rc == -1) {
		config_format_error(&err, line, sizeof(line));
		if (!err.msg[0] || !line[0])
			abort();
	} else if (rc != 0 && rc != 1) {
		abort();
	}
	check_config(&c);
	config_free(&c);
	return 0;
}
