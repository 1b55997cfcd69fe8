/* Splitting a config line into words, as Redis's sdssplitargs does, and
 * quoting a word back, as sdscatrepr does (for error messages). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"

/* A growing byte buffer for the word being read. */
struct word_buf {
	char *p;
	size_t len, cap;
};

static int word_putc(struct word_buf *b, char ch)
{
	if (b->len + 1 >= b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 32;
		char *p = realloc(b->p, cap);

		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	b->p[b->len++] = ch;
	b->p[b->len] = '\0';
	return 0;
}

int config_words_push(struct config_words *w, const char *s, size_t len)
{
	char **argv = realloc(w->argv, (size_t)(w->argc + 1) * sizeof(*argv));

	if (!argv)
		return -ENOMEM;
	w->argv = argv;
	size_t *lens = realloc(w->len, (size_t)(w->argc + 1) * sizeof(*lens));

	if (!lens)
		return -ENOMEM;
	w->len = lens;
	char *copy = malloc(len + 1);

	if (!copy)
		return -ENOMEM;
	memcpy(copy, s, len);
	copy[len] = '\0';
	w->argv[w->argc] = copy;
	w->len[w->argc] = len;
	w->argc++;
	return 0;
}

void config_words_free(struct config_words *w)
{
	for (int i = 0; i < w->argc; i++)
		free(w->argv[i]);
	free(w->argv);
	free(w->len);
	w->argv = NULL;
	w->len = NULL;
	w->argc = 0;
}

static int hex_value(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static char unescape(char ch)
{
	switch (ch) {
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	case 'b': return '\b';
	case 'a': return '\a';
	default: return ch;
	}
}

/* Reads one word starting at *pp (not a blank). 0, -EINVAL, -ENOMEM. */
static int read_word(const char **pp, struct word_buf *b)
{
	const char *p = *pp;
	bool in_double = false, in_single = false;
	int rc = 0;

	for (;;) {
		if (in_double) {
			if (p[0] == '\\' && p[1] == 'x' && hex_value(p[2]) >= 0 &&
			    hex_value(p[3]) >= 0) {
				rc = word_putc(b, (char)(hex_value(p[2]) * 16 + hex_value(p[3])));
				p += 3;
			} else if (p[0] == '\\' && p[1]) {
				p++;
				rc = word_putc(b, unescape(*p));
			} else if (*p == '"') {
				/* The closing quote must end the word. */
				if (p[1] && !isspace((unsigned char)p[1]))
					return -EINVAL;
				p++;
				break;
			} else if (!*p) {
				return -EINVAL;
			} else {
				rc = word_putc(b, *p);
			}
		} else if (in_single) {
			if (p[0] == '\\' && p[1] == '\'') {
				p++;
				rc = word_putc(b, '\'');
			} else if (*p == '\'') {
				if (p[1] && !isspace((unsigned char)p[1]))
					return -EINVAL;
				p++;
				break;
			} else if (!*p) {
				return -EINVAL;
			} else {
				rc = word_putc(b, *p);
			}
		} else {
			if (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t' || !*p)
				break;
			if (*p == '"')
				in_double = true;
			else if (*p == '\'')
				in_single = true;
			else
				rc = word_putc(b, *p);
		}
		if (rc)
			return rc;
		p++;
	}
	*pp = p;
	return 0;
}

int config_words_split(const char *line, struct config_words *w)
{
	const char *p = line;

	memset(w, 0, sizeof(*w));
	for (;;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p)
			return 0;
		struct word_buf b = { 0 };
		int rc = read_word(&p, &b);

		if (!rc)
			rc = config_words_push(w, b.p ? b.p : "", b.len);
		free(b.p);
		if (rc) {
			config_words_free(w);
			return rc;
		}
	}
}

int config_words_split_spaces(const char *value, struct config_words *w)
{
	memset(w, 0, sizeof(*w));
	if (!*value)
		return 0;
	for (const char *start = value;;) {
		const char *sp = strchr(start, ' ');
		size_t len = sp ? (size_t)(sp - start) : strlen(start);

		if (config_words_push(w, start, len)) {
			config_words_free(w);
			return -ENOMEM;
		}
		if (!sp)
			return 0;
		start = sp + 1;
	}
}

void config_repr_append(char *buf, size_t n, const char *s, size_t len)
{
	size_t at = strlen(buf);

#define PUT(str)                                                          \
	do {                                                              \
		const char *put_ = (str);                                 \
		size_t put_len_ = strlen(put_);                           \
		if (at + put_len_ >= n)                                   \
			return;                                           \
		memcpy(buf + at, put_, put_len_ + 1);                     \
		at += put_len_;                                           \
	} while (0)

	PUT("\"");
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		char tmp[8];

		switch (ch) {
		case '\\': PUT("\\\\"); break;
		case '"': PUT("\\\""); break;
		case '\n': PUT("\\n"); break;
		case '\r': PUT("\\r"); break;
		case '\t': PUT("\\t"); break;
		case '\a': PUT("\\a"); break;
		case '\b': PUT("\\b"); break;
		default:
			if (isprint(ch)) {
				tmp[0] = (char)ch;
				tmp[1] = '\0';
			} else {
				snprintf(tmp, sizeof(tmp), "\\x%02x", ch);
			}
			PUT(tmp);
		}
	}
	PUT("\"");
#undef PUT
}
