/*
 * Skiplist of (score, member) with spans, after Redis's t_zset.c zsl*
 * functions (see skiplist.h). Level probability 1/4, at most 32 levels.
 */
#include "skiplist.h"
#include "store_int.h"

#define ZSL_P_NUM 1 /* level up with probability 1/4 */
#define ZSL_P_DEN 4

static size_t node_size(int nlevel)
{
	return sizeof(struct zsl_node) + (size_t)nlevel * (sizeof(struct zsl_node *) + sizeof(uint32_t));
}

static struct zsl_node *node_new(struct shard *s, int nlevel, double score,
				 const char *member, size_t mlen)
{
	struct zsl_node *n = mem_alloc(s, node_size(nlevel));
	if (!n)
		return NULL;
	n->score = score;
	n->backward = NULL;
	n->member = member;
	n->mlen = (uint32_t)mlen;
	n->nlevel = (uint32_t)nlevel;
	for (int i = 0; i < nlevel; i++) {
		n->forward[i] = NULL;
		zsl_spans(n)[i] = 0;
	}
	return n;
}

struct zsl *zsl_new(struct shard *s)
{
	struct zsl *zl = mem_alloc(s, sizeof(*zl));
	if (!zl)
		return NULL;
	zl->header = node_new(s, ZSL_MAXLEVEL, 0, NULL, 0);
	if (!zl->header) {
		mem_free(s, zl);
		return NULL;
	}
	zl->tail = NULL;
	zl->length = 0;
	zl->level = 1;
	return zl;
}

void zsl_free(struct shard *s, struct zsl *zl)
{
	if (!zl)
		return;
	struct zsl_node *n = zl->header->forward[0];
	while (n) {
		struct zsl_node *next = n->forward[0];
		mem_free(s, n);
		n = next;
	}
	mem_free(s, zl->header);
	mem_free(s, zl);
}

int zsl_cmp(double s1, const char *m1, size_t l1, double s2, const char *m2, size_t l2)
{
	if (s1 < s2)
		return -1;
	if (s1 > s2)
		return 1;
	size_t n = l1 < l2 ? l1 : l2;
	int c = n ? memcmp(m1, m2, n) : 0;
	if (c)
		return c;
	return l1 < l2 ? -1 : l1 > l2;
}

/* true if node n sorts before (score, member) */
static inline bool before(const struct zsl_node *n, double score, const char *m, size_t len)
{
	return zsl_cmp(n->score, n->member, n->mlen, score, m, len) < 0;
}

static int random_level(struct shard *s)
{
	int level = 1;
	uint64_t r = shard_rand(s);
	/* two random bits per level: 1/4 to go on */
	while (level < ZSL_MAXLEVEL && (r & 3) < ZSL_P_NUM) {
		level++;
		r >>= 2;
	}
	return level;
}

/* Predecessors per level of where (score, member) goes, and their ranks. */
static void find_place(const struct zsl *zl, double score, const char *member, size_t mlen,
		       struct zsl_node **update, size_t *rank)
{
	struct zsl_node *x = zl->header;
	for (int i = zl->level - 1; i >= 0; i--) {
		rank[i] = i == zl->level - 1 ? 0 : rank[i + 1];
		while (x->forward[i] && before(x->forward[i], score, member, mlen)) {
			rank[i] += zsl_spans(x)[i];
			x = x->forward[i];
		}
		update[i] = x;
	}
}

/* Link node n (not in the list) at the place find_place found. */
static void link_node(struct zsl *zl, struct zsl_node *n, struct zsl_node **update, size_t *rank)
{
	int level = (int)n->nlevel;
	if (level > zl->level) {
		for (int i = zl->level; i < level; i++) {
			rank[i] = 0;
			update[i] = zl->header;
			zsl_spans(zl->header)[i] = (uint32_t)zl->length;
		}
		zl->level = level;
	}
	for (int i = 0; i < level; i++) {
		n->forward[i] = update[i]->forward[i];
		update[i]->forward[i] = n;
		zsl_spans(n)[i] = zsl_spans(update[i])[i] - (uint32_t)(rank[0] - rank[i]);
		zsl_spans(update[i])[i] = (uint32_t)(rank[0] - rank[i]) + 1;
	}
	for (int i = level; i < zl->level; i++)
		zsl_spans(update[i])[i]++;
	n->backward = update[0] == zl->header ? NULL : update[0];
	if (n->forward[0])
		n->forward[0]->backward = n;
	else
		zl->tail = n;
	zl->length++;
}

struct zsl_node *zsl_insert(struct shard *s, struct zsl *zl, double score,
			    const char *member, size_t mlen)
{
	struct zsl_node *update[ZSL_MAXLEVEL];
	size_t rank[ZSL_MAXLEVEL];

	if (zl->length >= UINT32_MAX || mlen > UINT32_MAX)
		return NULL;
	struct zsl_node *n = node_new(s, random_level(s), score, member, mlen);
	if (!n)
		return NULL;
	find_place(zl, score, member, mlen, update, rank);
	link_node(zl, n, update, rank);
	return n;
}

/* Unlink x, whose predecessors per level are in update[]. */
static void unlink_node(struct zsl *zl, struct zsl_node *x, struct zsl_node **update)
{
	for (int i = 0; i < zl->level; i++) {
		if (update[i]->forward[i] == x) {
			zsl_spans(update[i])[i] += zsl_spans(x)[i] - 1;
			update[i]->forward[i] = x->forward[i];
		} else {
			zsl_spans(update[i])[i] -= 1;
		}
	}
	if (x->forward[0])
		x->forward[0]->backward = x->backward;
	else
		zl->tail = x->backward;
	while (zl->level > 1 && zl->header->forward[zl->level - 1] == NULL)
		zl->level--;
	zl->length--;
}

/* Fill update[] with the last node before (score, member) per level. */
static struct zsl_node *find_update(const struct zsl *zl, double score, const char *m,
				    size_t len, struct zsl_node **update)
{
	struct zsl_node *x = zl->header;
	for (int i = zl->level - 1; i >= 0; i--) {
		while (x->forward[i] && before(x->forward[i], score, m, len))
			x = x->forward[i];
		update[i] = x;
	}
	return x->forward[0];
}

static bool same(const struct zsl_node *x, double score, const char *m, size_t len)
{
	return x && x->score == score && x->mlen == len && (!len || !memcmp(x->member, m, len));
}

int zsl_delete(struct shard *s, struct zsl *zl, double score, const char *member, size_t mlen)
{
	struct zsl_node *update[ZSL_MAXLEVEL];
	struct zsl_node *x = find_update(zl, score, member, mlen, update);
	if (!same(x, score, member, mlen))
		return 0;
	unlink_node(zl, x, update);
	mem_free(s, x);
	return 1;
}

struct zsl_node *zsl_update_score(struct zsl *zl, double curscore, const char *member,
				  size_t mlen, double newscore)
{
	struct zsl_node *update[ZSL_MAXLEVEL];
	struct zsl_node *x = find_update(zl, curscore, member, mlen, update);
	assert(same(x, curscore, member, mlen));

	/* still between its neighbours: change the score in place */
	if ((x->backward == NULL || x->backward->score < newscore) &&
	    (x->forward[0] == NULL || x->forward[0]->score > newscore)) {
		x->score = newscore;
		return x;
	}
	/* else unlink and relink at the new place, reusing the node */
	unlink_node(zl, x, update);
	size_t rank[ZSL_MAXLEVEL];
	x->score = newscore;
	find_place(zl, newscore, member, mlen, update, rank);
	link_node(zl, x, update, rank);
	return x;
}

size_t zsl_rank(const struct zsl *zl, double score, const char *member, size_t mlen)
{
	struct zsl_node *x = zl->header;
	size_t rank = 0;
	for (int i = zl->level - 1; i >= 0; i--) {
		while (x->forward[i] &&
		       zsl_cmp(x->forward[i]->score, x->forward[i]->member, x->forward[i]->mlen,
			       score, member, mlen) <= 0) {
			rank += zsl_spans(x)[i];
			x = x->forward[i];
		}
		if (x != zl->header && same(x, score, member, mlen))
			return rank;
	}
	return 0;
}

struct zsl_node *zsl_by_rank(const struct zsl *zl, size_t rank)
{
	struct zsl_node *x = zl->header;
	size_t traversed = 0;
	if (rank == 0 || rank > zl->length)
		return NULL;
	for (int i = zl->level - 1; i >= 0; i--) {
		while (x->forward[i] && traversed + zsl_spans(x)[i] <= rank) {
			traversed += zsl_spans(x)[i];
			x = x->forward[i];
		}
		if (traversed == rank)
			return x;
	}
	return NULL;
}

/* ---- ranges */

static bool score_range_hit(const struct zsl *zl, const struct zrange_score *r)
{
	if (!zscore_range_valid(r) || !zl->tail)
		return false;
	return zscore_gte_min(zl->tail->score, r) && zscore_lte_max(zl->header->forward[0]->score, r);
}

struct zsl_node *zsl_first_in_score(const struct zsl *zl, const struct zrange_score *r)
{
	if (!score_range_hit(zl, r))
		return NULL;
	struct zsl_node *x = zl->header;
	for (int i = zl->level - 1; i >= 0; i--)
		while (x->forward[i] && !zscore_gte_min(x->forward[i]->score, r))
			x = x->forward[i];
	x = x->forward[0];
	return x && zscore_lte_max(x->score, r) ? x : NULL;
}

struct zsl_node *zsl_last_in_score(const struct zsl *zl, const struct zrange_score *r)
{
	if (!score_range_hit(zl, r))
		return NULL;
	struct zsl_node *x = zl->header;
	for (int i = zl->level - 1; i >= 0; i--)
		while (x->forward[i] && zscore_lte_max(x->forward[i]->score, r))
			x = x->forward[i];
	return x != zl->header && zscore_gte_min(x->score, r) ? x : NULL;
}

static bool lex_range_hit(const struct zsl *zl, const struct zrange_lex *r)
{
	if (!zlex_range_valid(r) || !zl->tail)
		return false;
	const struct zsl_node *first = zl->header->forward[0];
	return zlex_gte_min(zl->tail->member, zl->tail->mlen, r) &&
	       zlex_lte_max(first->member, first->mlen, r);
}

struct zsl_node *zsl_first_in_lex(const struct zsl *zl, const struct zrange_lex *r)
{
	if (!lex_range_hit(zl, r))
		return NULL;
	struct zsl_node *x = zl->header;
	for (int i = zl->level - 1; i >= 0; i--)
		while (x->forward[i] && !zlex_gte_min(x->forward[i]->member, x->forward[i]->mlen, r))
			x = x->forward[i];
	x = x->forward[0];
	return x && zlex_lte_max(x->member, x->mlen, r) ? x : NULL;
}

struct zsl_node *zsl_last_in_lex(const struct zsl *zl, const struct zrange_lex *r)
{
	if (!lex_range_hit(zl, r))
		return NULL;
	struct zsl_node *x = zl->header;
	for (int i = zl->level - 1; i >= 0; i--)
		while (x->forward[i] && zlex_lte_max(x->forward[i]->member, x->forward[i]->mlen, r))
			x = x->forward[i];
	return x != zl->header && zlex_gte_min(x->member, x->mlen, r) ? x : NULL;
}

/* Delete from x (whose predecessors are in update[]) while keep(x). */
typedef bool (*keep_fn)(const struct zsl_node *x, const void *r);

static size_t delete_run(struct shard *s, struct zsl *zl, struct zsl_node *x,
			 struct zsl_node **update, keep_fn in, const void *r,
			 zsl_del_fn fn, void *arg)
{
	size_t removed = 0;
	while (x && in(x, r)) {
		struct zsl_node *next = x->forward[0];
		unlink_node(zl, x, update);
		if (fn)
			fn(arg, x);
		mem_free(s, x);
		removed++;
		x = next;
	}
	return removed;
}

static bool in_score_max(const struct zsl_node *x, const void *r)
{
	return zscore_lte_max(x->score, r);
}

size_t zsl_delete_score_range(struct shard *s, struct zsl *zl, const struct zrange_score *r,
			      zsl_del_fn fn, void *arg)
{
	struct zsl_node *update[ZSL_MAXLEVEL], *x = zl->header;
	for (int i = zl->level - 1; i >= 0; i--) {
		while (x->forward[i] && !zscore_gte_min(x->forward[i]->score, r))
			x = x->forward[i];
		update[i] = x;
	}
	return delete_run(s, zl, x->forward[0], update, in_score_max, r, fn, arg);
}

static bool in_lex_max(const struct zsl_node *x, const void *r)
{
	return zlex_lte_max(x->member, x->mlen, r);
}

size_t zsl_delete_lex_range(struct shard *s, struct zsl *zl, const struct zrange_lex *r,
			    zsl_del_fn fn, void *arg)
{
	struct zsl_node *update[ZSL_MAXLEVEL], *x = zl->header;
	for (int i = zl->level - 1; i >= 0; i--) {
		while (x->forward[i] && !zlex_gte_min(x->forward[i]->member, x->forward[i]->mlen, r))
			x = x->forward[i];
		update[i] = x;
	}
	return delete_run(s, zl, x->forward[0], update, in_lex_max, r, fn, arg);
}

struct rank_window {
	size_t left; /* nodes still to delete */
};

static bool in_rank(const struct zsl_node *x, const void *r)
{
	struct rank_window *w = (struct rank_window *)r;
	(void)x;
	if (w->left == 0)
		return false;
	w->left--;
	return true;
}

size_t zsl_delete_rank_range(struct shard *s, struct zsl *zl, size_t start, size_t end,
			     zsl_del_fn fn, void *arg)
{
	struct zsl_node *update[ZSL_MAXLEVEL], *x = zl->header;
	size_t traversed = 0;
	if (start == 0 || end < start)
		return 0;
	for (int i = zl->level - 1; i >= 0; i--) {
		while (x->forward[i] && traversed + zsl_spans(x)[i] < start) {
			traversed += zsl_spans(x)[i];
			x = x->forward[i];
		}
		update[i] = x;
	}
	struct rank_window w = { end - start + 1 };
	return delete_run(s, zl, x->forward[0], update, in_rank, &w, fn, arg);
}
