/*
 * lib/config private parts: the word splitter, Redis's number parsers, the
 * directive table and the loader's entry point with options. Only lib/config
 * and its tests / fuzz target include this.
 */
#ifndef WIREKV_CONFIG_INTERNAL_H
#define WIREKV_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"

/* Include files nest at most this deep (Redis has no limit and overflows
 * its stack on a file that includes itself). */
#define CONFIG_MAX_INCLUDE_DEPTH 16
/* A config file (or include) larger than this is refused. */
#define CONFIG_MAX_FILE_BYTES (16u << 20)

/* --- words (config_words.c) --- */

/* One line split into words the way Redis's sdssplitargs does: blanks
 * separate words, "double quotes" take \n \r \t \b \a \xHH and \<c>
 * escapes, 'single quotes' take \' only, a closing quote must be followed
 * by a blank or the end. Each word is NUL-terminated and has its length
 * (a "\x00" escape can put a NUL inside a word). */
struct config_words {
	int argc;
	char **argv;
	size_t *len;
};

/* 0; -EINVAL on unbalanced quotes ("Unbalanced quotes in configuration
 * line"); -ENOMEM. On success free with config_words_free. */
int config_words_split(const char *line, struct config_words *w);
/* Split on every single space like Redis's sdssplitlen(value, " "): ""
 * gives no words, "a  b" gives "a", "", "b". 0 or -ENOMEM. */
int config_words_split_spaces(const char *value, struct config_words *w);
/* Append one word (copied). 0 or -ENOMEM. */
int config_words_push(struct config_words *w, const char *s, size_t len);
void config_words_free(struct config_words *w);

/* Append s to buf (size n, always NUL-terminated) the way sdscatrepr
 * quotes it: "..." with \\ \" \n \r \t \a \b and \xHH escapes. */
void config_repr_append(char *buf, size_t n, const char *s, size_t len);

/* --- numbers (config_numbers.c) --- */

/* Redis's memtoull: digits then an optional unit b, k, kb, m, mb, g, gb
 * (case-insensitive; k = 1000, kb = 1024). "" and "k" give 0 like Redis.
 * true on success. */
bool config_memtoull(const char *s, unsigned long long *out);

/* --- directives (config_directives.c) --- */

enum {
	DIR_MUTABLE = 1u << 0,   /* CONFIG SET may change it */
	DIR_MULTI_ARG = 1u << 1, /* takes any number of words */
	DIR_EMPTY_IS_NULL = 1u << 2, /* string: "" is stored as NULL */
};

struct config_enum_name {
	const char *name;
	int value;
};

struct config_directive {
	const char *name;
	unsigned flags;
	/* Parse argv (the words after the name) and store into c. 0, or -1
	 * with the reason in err (Redis's wording) and c unchanged. */
	int (*set)(const struct config_directive *d, struct wk_config *c,
		   int argc, char **argv, const size_t *len,
		   char *err, size_t errlen);
	/* Format the CONFIG GET value; returns it (buf or a string of c). */
	const char *(*get)(const struct config_directive *d,
			   const struct wk_config *c, char *buf, size_t n);
	/* For the generic numeric / enum / string handlers. */
	size_t offset;
	unsigned char width;     /* sizeof the field for numbers */
	long long min, max;
	const struct config_enum_name *names; /* enum handlers */
};

/* NULL when there is no directive of that name (case-insensitive). */
const struct config_directive *config_directive_find(const char *name);
/* The table, for CONFIG GET's fixed order; *n receives its length. */
const struct config_directive *config_directives(size_t *n);

/* --- strings of a wk_config (config.c) --- */

/* String fields are NULL, a static default of this module, or owned heap
 * memory; only the last is freed. */
void config_string_release(char *s);
/* Copy len bytes as an owned string; NULL on ENOMEM. */
char *config_string_dup(const char *s, size_t len);
extern const char config_default_bind[];
extern const char config_empty_string[];

/* --- loader (config_load.c) --- */

enum {
	CONFIG_LOAD_NO_INCLUDE = 1u << 0, /* refuse `include` (the fuzz target) */
};

/* Parse text[0..len) as the contents of a file called name. */
int config_load_string(struct wk_config *c, const char *text, size_t len,
		       const char *name, unsigned flags, struct config_error *err);
/* config_load_file with flags. */
int config_load_path(struct wk_config *c, const char *path, unsigned flags,
		     struct config_error *err);

/* config_load_args with flags. */
int config_load_args_flags(struct wk_config *c, int argc, char **argv, unsigned flags,
			   struct config_error *err);

/* Bounded copy that always terminates dst (n > 0). */
void config_copy_str(char *dst, size_t n, const char *src);

#endif
