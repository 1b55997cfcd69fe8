/* dpdk-args split into EAL's argv like a shell would (no expansions). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "net/net_dpdk.h"

void dpdk_free_args(char **argv)
{
	if (!argv)
		return;
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}

static int push_word(char ***argv, int *argc, int *cap, const char *w, size_t len)
{
	if (*argc + 2 > *cap) {
		int ncap = *cap ? *cap * 2 : 16;
		char **v = realloc(*argv, sizeof(*v) * (size_t)ncap);
		if (!v)
			return -ENOMEM;
		*argv = v;
		*cap = ncap;
	}
	char *s = malloc(len + 1);
	if (!s)
		return -ENOMEM;
	memcpy(s, w, len);
	s[len] = '\0';
	(*argv)[(*argc)++] = s;
	(*argv)[*argc] = NULL;
	return 0;
}

int dpdk_split_args(const char *argv0, const char *args, char ***out)
{
	char **argv = NULL;
	int argc = 0, cap = 0, rc;
	size_t n = args ? strlen(args) : 0;
	char *word = malloc(n + 1);

	*out = NULL;
	if (!word || (rc = push_word(&argv, &argc, &cap, argv0, strlen(argv0))) < 0) {
		rc = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < n;) {
		size_t len = 0;
		bool in_word = false;

		while (i < n && (args[i] == ' ' || args[i] == '\t' || args[i] == '\n'))
			i++;
		while (i < n && args[i] != ' ' && args[i] != '\t' && args[i] != '\n') {
			char ch = args[i++];
			in_word = true;
			if (ch == '\\') {
				if (i == n) {
					rc = -EINVAL;
					goto fail;
				}
				word[len++] = args[i++];
			} else if (ch == '\'') {
				while (i < n && args[i] != '\'')
					word[len++] = args[i++];
				if (i++ == n) {
					rc = -EINVAL;
					goto fail;
				}
			} else if (ch == '"') {
				while (i < n && args[i] != '"') {
					if (args[i] == '\\' && i + 1 < n && strchr("\"\\$`", args[i + 1]))
						i++;
					word[len++] = args[i++];
				}
				if (i++ == n) {
					rc = -EINVAL;
					goto fail;
				}
			} else {
				word[len++] = ch;
			}
		}
		if (in_word && (rc = push_word(&argv, &argc, &cap, word, len)) < 0)
			goto fail;
	}
	free(word);
	*out = argv;
	return argc;
fail:
	free(word);
	dpdk_free_args(argv);
	return rc;
}

