/*
 * LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]: Redis 7.0.15's
 * lcsCommand, including its DP table limits and the order of its checks
 * (key types, then options, then LEN+IDX, then sizes).
 */
#include "cmd/cmd_strings_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LCS_ERR_TYPE "ERR The specified keys must contain string values"

void lcs_reply(const struct cmd_env *env, struct reply *r, const char *a, size_t alen_sz,
	       const char *b, size_t blen_sz, int argc, const struct resp_arg *argv)
{
	long long minmatchlen = 0;
	bool getlen = false, getidx = false, withmatchlen = false;

	for (int j = 3; j < argc; j++) {
		const struct resp_arg *opt = &argv[j];
		bool more = j < argc - 1;
		if (cmd_arg_is(opt, "idx")) {
			getidx = true;
		} else if (cmd_arg_is(opt, "len")) {
			getlen = true;
		} else if (cmd_arg_is(opt, "withmatchlen")) {
			withmatchlen = true;
		} else if (cmd_arg_is(opt, "minmatchlen") && more) {
			if (cmd_arg_ll(r, &argv[j + 1], &minmatchlen, NULL) != 0)
				return;
			if (minmatchlen < 0)
				minmatchlen = 0;
			j++;
		} else {
			cmd_reply_syntax(r);
			return;
		}
	}
	if (getlen && getidx) {
		reply_error(r, "ERR If you want both the length and indexes, please just use IDX.");
		return;
	}
	if (alen_sz >= UINT32_MAX - 1 || blen_sz >= UINT32_MAX - 1) {
		reply_error(r, "ERR String too long for LCS");
		return;
	}
	uint32_t alen = (uint32_t)alen_sz, blen = (uint32_t)blen_sz;
	unsigned long long cells = (unsigned long long)(alen + 1) * (blen + 1);
	unsigned long long bytes = cells * sizeof(uint32_t);
	uint32_t *dp = NULL;
	if (bytes < SIZE_MAX && bytes / cells == sizeof(uint32_t)) {
		if (bytes > (unsigned long long)env->cfg->proto_max_bulk_len) {
			reply_error(r, "ERR Insufficient memory, transient memory for LCS exceeds "
				       "proto-max-bulk-len");
			return;
		}
		dp = malloc((size_t)bytes);
	}
	if (!dp) {
		reply_error(r, "ERR Insufficient memory, failed allocating transient memory for LCS");
		return;
	}
#define LCS(A, B) dp[(size_t)(B) + (size_t)(A) * ((size_t)blen + 1)]
	for (uint32_t i = 0; i <= alen; i++) {
		for (uint32_t j = 0; j <= blen; j++) {
			if (i == 0 || j == 0) {
				LCS(i, j) = 0;
			} else if (a[i - 1] == b[j - 1]) {
				LCS(i, j) = LCS(i - 1, j - 1) + 1;
			} else {
				uint32_t l1 = LCS(i - 1, j), l2 = LCS(i, j - 1);
				LCS(i, j) = l1 > l2 ? l1 : l2;
			}
		}
	}

	uint32_t idx = LCS(alen, blen);
	bool computelcs = getidx || !getlen;
	char *result = NULL;
	if (computelcs && idx > 0 && !(result = malloc(idx))) {
		free(dp);
		reply_error(r, "ERR Insufficient memory, failed allocating transient memory for LCS");
		return;
	}

	/* Walk back from the end, emitting matching ranges as Redis does. */
	size_t mark = 0;
	long nranges = 0;
	if (getidx) {
		reply_map(r, 2);
		reply_bulk(r, "matches", 7);
		mark = reply_defer(r);
	}
	uint32_t astart = alen, aend = 0, bstart = 0, bend = 0; /* astart == alen: no range */
	uint32_t i = alen, j = blen;
	while (computelcs && i > 0 && j > 0) {
		bool emit = false;
		if (a[i - 1] == b[j - 1]) {
			result[idx - 1] = a[i - 1];
			if (astart == alen) {
				astart = aend = i - 1;
				bstart = bend = j - 1;
			} else if (astart == i && bstart == j) {
				astart--;
				bstart--;
			} else {
				emit = true;
			}
			if (astart == 0 || bstart == 0)
				emit = true;
			idx--;
			i--;
			j--;
		} else {
			if (LCS(i - 1, j) > LCS(i, j - 1))
				i--;
			else
				j--;
			if (astart != alen)
				emit = true;
		}
		uint32_t match_len = aend - astart + 1;
		if (emit) {
			if ((minmatchlen == 0 || match_len >= minmatchlen) && getidx) {
				reply_array(r, withmatchlen ? 3 : 2);
				reply_array(r, 2);
				reply_int(r, astart);
				reply_int(r, aend);
				reply_array(r, 2);
				reply_int(r, bstart);
				reply_int(r, bend);
				if (withmatchlen)
					reply_int(r, match_len);
				nranges++;
			}
			astart = alen;
		}
	}

	if (getidx) {
		reply_bulk(r, "len", 3);
		reply_int(r, LCS(alen, blen));
		reply_defer_array(r, mark, nranges);
	} else if (getlen) {
		reply_int(r, LCS(alen, blen));
	} else {
		reply_bulk(r, result ? result : "", LCS(alen, blen));
	}
#undef LCS
	free(result);
	free(dp);
}

void str_lcs(struct cmd_ctx *c)
{
	struct sentry *ea = str_lookup_read(c, &c->argv[1]);
	struct sentry *eb = str_lookup_read(c, &c->argv[2]);
	if ((ea && sentry_type(ea) != OBJ_STRING) || (eb && sentry_type(eb) != OBJ_STRING)) {
		reply_error(c->r, LCS_ERR_TYPE);
		return;
	}
	/* Entries are separate allocations and nothing here writes the shard,
	 * so both pointers stay valid through the computation. */
	char ta[24], tb[24];
	size_t alen = 0, blen = 0;
	const char *a = ea ? sentry_str(ea, ta, &alen) : "";
	const char *b = eb ? sentry_str(eb, tb, &blen) : "";
	lcs_reply(c->env, c->r, a, alen, b, blen, c->argc, c->argv);
}

/*
 * Keys on two workers: phase 0 fetches both values with GET (bulk, null or
 * WRONGTYPE, counting keyspace hits/misses on the owners like Redis's
 * lookupKeyRead), phase 1 runs the same core as the local handler. Both reads
 * are not one atomic snapshot: a write between them on one owner may be seen.
 */
enum coord_result str_lcs_coord(struct coord_ctx *cc)
{
	if (cc->phase == 0) {
		for (int k = 1; k <= 2; k++) {
			struct resp_arg sub[2] = {{"GET", 3}, cc->argv[k]};
			int w = cmd_key_owner(cc->env, cc->argv[k].ptr, cc->argv[k].len);
			cc->send(cc, w, cc->db, 2, sub);
		}
		return COORD_WAIT;
	}
	struct resp_item it[2];
	for (int k = 0; k < 2; k++) {
		size_t pos = 0;
		if (k >= cc->nsub ||
		    resp_read_item(cc->sub[k].reply, cc->sub[k].len, &pos, &it[k]) != 0) {
			reply_error(cc->r, "ERR internal error: bad sub-reply for LCS");
			return COORD_DONE;
		}
	}
	for (int k = 0; k < 2; k++) {
		if (it[k].type != '-')
			continue;
		if (it[k].len >= 9 && memcmp(it[k].ptr, "WRONGTYPE", 9) == 0)
			reply_error(cc->r, LCS_ERR_TYPE);
		else
			reply_raw(cc->r, cc->sub[k].reply, cc->sub[k].len);
		return COORD_DONE;
	}
	const char *a = it[0].type == '$' ? it[0].ptr : "";
	size_t alen = it[0].type == '$' ? it[0].len : 0;
	const char *b = it[1].type == '$' ? it[1].ptr : "";
	size_t blen = it[1].type == '$' ? it[1].len : 0;
	lcs_reply(cc->env, cc->r, a, alen, b, blen, cc->argc, cc->argv);
	return COORD_DONE;
}
