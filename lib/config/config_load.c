/* Reading redis.conf syntax from files, includes and redis-server's argv,
 * the way Redis's loadServerConfig / loadServerConfigFromString and main()
 * do: one directive per line, the last occurrence wins, the command line
 * after the file. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config_internal.h"

#define COMMAND_LINE "(command line)"

struct load_ctx {
	struct wk_config *c;
	unsigned flags;
	struct config_error *err;
};

/* Where a directive came from, for error messages. */
struct origin {
	const char *file;
	int line;
	const char *text;   /* the line as Redis shows it after ">>>" */
};

static int report(struct load_ctx *ctx, const struct origin *o, const char *msg)
{
	struct config_error *e = ctx->err;

	if (!e)
		return -1;
	config_copy_str(e->file, sizeof(e->file), o->file);
	e->line = o->line;
	config_copy_str(e->directive, sizeof(e->directive), o->text ? o->text : "");
	config_copy_str(e->msg, sizeof(e->msg), msg);
	return -1;
}

static int load_file(struct load_ctx *ctx, const char *path, int depth,
		     const struct origin *from);

static int include_path(struct load_ctx *ctx, const char *path, int depth,
			const struct origin *o)
{
	glob_t g;
	int rc = 0;

	if (ctx->flags & CONFIG_LOAD_NO_INCLUDE)
		return report(ctx, o, "include is not allowed here");
	if (depth >= CONFIG_MAX_INCLUDE_DEPTH)
		return report(ctx, o, "include nesting is deeper than 16 files");
	if (!strpbrk(path, "*?["))
		return load_file(ctx, path, depth + 1, o);
	/* Like Redis: a pattern that matches nothing includes nothing. */
	if (glob(path, 0, NULL, &g) != 0)
		return 0;
	for (size_t i = 0; i < g.gl_pathc && !rc; i++)
		rc = load_file(ctx, g.gl_pathv[i], depth + 1, o);
	globfree(&g);
	return rc;
}

/* One directive: argv[0] is its name. */
static int apply_words(struct load_ctx *ctx, const struct config_words *w, int depth,
		       const struct origin *o)
{
	const struct config_directive *d = config_directive_find(w->argv[0]);
	char why[256];

	if (d) {
		if (!(d->flags & DIR_MULTI_ARG) && w->argc != 2)
			return report(ctx, o, "wrong number of arguments");
		why[0] = '\0';
		if (d->set(d, ctx->c, w->argc - 1, w->argv + 1, w->len + 1, why, sizeof(why)))
			return report(ctx, o, why);
		return 0;
	}
	if (!strcasecmp(w->argv[0], "include") && w->argc == 2) {
		if (strlen(w->argv[1]) != w->len[1])
			return report(ctx, o, "argument must not contain a NUL byte");
		return include_path(ctx, w->argv[1], depth, o);
	}
	return report(ctx, o, "Bad directive or wrong number of arguments");
}

static char *trim(char *s)
{
	static const char blanks[] = " \t\r\n";
	size_t len;

	while (*s && strchr(blanks, *s))
		s++;
	len = strlen(s);
	while (len && strchr(blanks, s[len - 1]))
		s[--len] = '\0';
	return s;
}

static int load_text(struct load_ctx *ctx, const char *text, size_t len,
		     const char *name, int depth)
{
	size_t at = 0;
	int lineno = 0;

	while (at < len) {
		const char *p = text + at;
		const char *nl = memchr(p, '\n', len - at);
		size_t n = nl ? (size_t)(nl - p) : len - at;
		/* A NUL ends the line, as Redis's strlen-based reading does. */
		char *copy = config_string_dup(p, strnlen(p, n));
		struct config_words w;
		int rc;

		lineno++;
		at += n + 1;
		if (!copy) {
			struct origin o = { name, lineno, NULL };

			return report(ctx, &o, "Out of memory");
		}
		char *line = trim(copy);
		struct origin o = { name, lineno, line };

		if (line[0] == '#' || line[0] == '\0') {
			free(copy);
			continue;
		}
		rc = config_words_split(line, &w);
		if (rc == -EINVAL)
			rc = report(ctx, &o, "Unbalanced quotes in configuration line");
		else if (rc)
			rc = report(ctx, &o, "Out of memory");
		else if (w.argc > 0)
			rc = apply_words(ctx, &w, depth, &o);
		config_words_free(&w);
		free(copy);
		if (rc)
			return -1;
	}
	return 0;
}

/* Whole file into memory. 0, or -errno. */
static int read_all(const char *path, char **out, size_t *outlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			char *nbuf;

			if (cap >= CONFIG_MAX_FILE_BYTES) {
				free(buf);
				close(fd);
				return -EFBIG;
			}
			nbuf = realloc(buf, ncap);
			if (!nbuf) {
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = nbuf;
			cap = ncap;
		}
		ssize_t r = read(fd, buf + len, cap - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			free(buf);
			close(fd);
			return -e;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	*out = buf;
	*outlen = len;
	return 0;
}

static int load_file(struct load_ctx *ctx, const char *path, int depth,
		     const struct origin *from)
{
	struct origin top = { path, 0, NULL };
	char *text = NULL;
	size_t len = 0;
	char msg[256];
	int rc = read_all(path, &text, &len);

	if (rc == -ENOENT || rc == -EACCES || rc == -ENOTDIR || rc == -ELOOP ||
	    rc == -ENAMETOOLONG) {
		snprintf(msg, sizeof(msg), "Fatal error, can't open config file '%.180s': %s",
			 path, strerror(-rc));
		return report(ctx, from ? from : &top, msg);
	}
	if (rc) {
		snprintf(msg, sizeof(msg), "Fatal error, can't read config file '%.180s': %s",
			 path, strerror(-rc));
		return report(ctx, from ? from : &top, msg);
	}
	rc = load_text(ctx, text ? text : "", len, path, depth);
	free(text);
	return rc;
}

int config_load_string(struct wk_config *c, const char *text, size_t len,
		       const char *name, unsigned flags, struct config_error *err)
{
	struct load_ctx ctx = { c, flags, err };

	return load_text(&ctx, text, len, name, 0);
}

int config_load_path(struct wk_config *c, const char *path, unsigned flags,
		     struct config_error *err)
{
	struct load_ctx ctx = { c, flags, err };

	return load_file(&ctx, path, 0, NULL);
}

int config_load_file(struct wk_config *c, const char *path, struct config_error *err)
{
	return config_load_path(c, path, 0, err);
}

/* --- the command line --- */

/* One `--name value...` group, turned into the line Redis would build:
 * the name as typed, then each value quoted by sdscatrepr. */
struct option_line {
	char text[1024];
	struct config_words w;
	bool bad_quotes;
	bool used;
};

static int option_start(struct option_line *ol, const char *name)
{
	memset(ol, 0, sizeof(*ol));
	ol->used = true;
	config_copy_str(ol->text, sizeof(ol->text), name);
	int rc = config_words_split(name, &ol->w);

	if (rc == -EINVAL) {
		ol->bad_quotes = true;
		return 0;
	}
	return rc;
}

static int option_value(struct option_line *ol, const char *value)
{
	size_t at = strlen(ol->text);

	if (at + 1 < sizeof(ol->text)) {
		ol->text[at] = ' ';
		ol->text[at + 1] = '\0';
	}
	config_repr_append(ol->text, sizeof(ol->text), value, strlen(value));
	ol->used = true;
	return config_words_push(&ol->w, value, strlen(value));
}

static int option_apply(struct load_ctx *ctx, struct option_line *ol)
{
	struct origin o = { COMMAND_LINE, 0, trim(ol->text) };
	int rc = 0;

	if (!ol->used)
		return 0;
	if (ol->bad_quotes)
		rc = report(ctx, &o, "Unbalanced quotes in configuration line");
	else if (ol->w.argc > 0)
		rc = apply_words(ctx, &ol->w, 0, &o);
	config_words_free(&ol->w);
	ol->used = false;
	return rc;
}

static int count_words(const char *s)
{
	struct config_words w;
	int n;

	if (config_words_split(s, &w))
		return 0;
	n = w.argc;
	config_words_free(&w);
	return n;
}

int config_load_args(struct wk_config *c, int argc, char **argv, struct config_error *err)
{
	return config_load_args_flags(c, argc, argv, 0, err);
}

int config_load_args_flags(struct wk_config *c, int argc, char **argv, unsigned flags,
			   struct config_error *err)
{
	struct load_ctx ctx = { c, flags, err };
	struct option_line ol = { .used = false };
	struct origin where = { COMMAND_LINE, 0, NULL };
	/* Redis: once `--name` alone has been seen, the next word is its value
	 * even if it starts with "--" (`--requirepass --secret`). */
	bool named_has_value = true;
	int j = 1;

	if (argc > 1 && argv[1][0] != '-') {
		if (config_load_path(c, argv[1], flags, err))
			return -1;
		j = 2;
	}
	for (; j < argc; j++) {
		const char *a = argv[j];
		int rc;

		if (a[0] == '-' && a[1] == '\0' && (j == 1 || j == argc - 1)) {
			where.text = a;
			report(&ctx, &where, "reading the configuration from stdin is not supported");
			goto fail;
		}
		if (named_has_value && a[0] == '-' && a[1] == '-') {
			if (option_apply(&ctx, &ol))
				goto fail;
			if (option_start(&ol, a + 2))
				goto oom;
			named_has_value = count_words(a) != 1;
			/* Redis's special case: `--save` with no value means save "". */
			if (!named_has_value && !strcasecmp(a, "--save") &&
			    (j == argc - 1 || (argv[j + 1][0] == '-' && argv[j + 1][1] == '-'))) {
				if (option_value(&ol, ""))
					goto oom;
				named_has_value = true;
			}
			continue;
		}
		rc = option_value(&ol, a);
		named_has_value = true;
		if (rc)
			goto oom;
	}
	if (option_apply(&ctx, &ol))
		return -1;
	return config_check(c, argc > 1 && argv[1][0] != '-' ? argv[1] : COMMAND_LINE, err);
oom:
	report(&ctx, &where, "Out of memory");
fail:
	config_words_free(&ol.w);
	return -1;
}
