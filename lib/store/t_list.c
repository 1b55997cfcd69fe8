/*
 * Lists: Redis 7.0's quicklist, a doubly linked chain of listpack nodes
 * (see store_list.h for the contract and the fill rule).
 */
#include <stdlib.h>

#include "listpack.h"
#include "store_int.h"
#include "store_list.h"

struct qnode {
	struct qnode *prev, *next;
	unsigned char *lp;
	uint32_t count;     /* lp_count(lp), kept here to walk without touching lp */
};

struct qlist {
	struct qnode *head, *tail;
	size_t count;       /* elements */
	size_t nnodes;
};

static inline struct qlist *ql_of(const struct sentry *e) { return se_obj(e); }

/* ---- Redis's fill rule (quicklist.c _quicklistNodeAllowInsert) */

#define QL_FILL_MAX 32767          /* quicklistSetFill clamps to -5 .. 32767 */
#define QL_SIZE_SAFETY_LIMIT 8192  /* a count-limited node stays under this */

static const size_t ql_opt_level[] = { 4096, 8192, 16384, 32768, 65536 };

static bool node_allow_insert(const struct qnode *nd, int fill, size_t sz)
{
	if (!nd)
		return false;
	if (fill > QL_FILL_MAX)
		fill = QL_FILL_MAX;
	else if (fill < -5)
		fill = -5;
	/* what the entry costs beyond its bytes, as Redis estimates it */
	size_t overhead = (sz < 254 ? 1 : 5) + (sz < 64 ? 1 : sz < 16384 ? 2 : 5);
	size_t new_sz = lp_bytes(nd->lp) + sz + overhead;
	if (fill < 0)
		return new_sz <= ql_opt_level[-fill - 1];
	if (new_sz > QL_SIZE_SAFETY_LIMIT)
		return false;
	return (long)nd->count < fill;
}

/* ---- nodes */

static struct qnode *node_new(struct shard *s, unsigned char *lp)
{
	struct qnode *nd = mem_alloc(s, sizeof(*nd));
	if (!nd)
		return NULL;
	if (!lp)
		lp = lp_new(s);
	if (!lp) {
		mem_free(s, nd);
		return NULL;
	}
	nd->prev = nd->next = NULL;
	nd->lp = lp;
	nd->count = (uint32_t)lp_count(lp);
	return nd;
}

static void node_free(struct shard *s, struct qnode *nd)
{
	lp_free(s, nd->lp);
	mem_free(s, nd);
}

/* Link nd after `at` (at NULL: at the head). */
static void node_link_after(struct qlist *ql, struct qnode *at, struct qnode *nd)
{
	nd->prev = at;
	nd->next = at ? at->next : ql->head;
	if (nd->next)
		nd->next->prev = nd;
	else
		ql->tail = nd;
	if (at)
		at->next = nd;
	else
		ql->head = nd;
	ql->nnodes++;
}

static void node_unlink_free(struct shard *s, struct qlist *ql, struct qnode *nd)
{
	if (nd->prev)
		nd->prev->next = nd->next;
	else
		ql->head = nd->next;
	if (nd->next)
		nd->next->prev = nd->prev;
	else
		ql->tail = nd->prev;
	ql->nnodes--;
	ql->count -= nd->count;
	node_free(s, nd);
}

/* A new node holding just v, linked after `at` (NULL: at the head). */
static int node_add_with(struct shard *s, struct qlist *ql, struct qnode *at,
			 const void *v, size_t n)
{
	struct qnode *nd = node_new(s, NULL);
	if (!nd)
		return -ENOMEM;
	if (lp_append(s, &nd->lp, v, n)) {
		node_free(s, nd);
		return -ENOMEM;
	}
	nd->count = 1;
	node_link_after(ql, at, nd);
	ql->count++;
	return 0;
}

static int node_insert(struct shard *s, struct qlist *ql, struct qnode *nd, unsigned char *p,
		       enum lp_where where, const void *v, size_t n)
{
	int rc = lp_insert(s, &nd->lp, p, where, v, n, NULL);
	if (rc)
		return rc;
	nd->count++;
	ql->count++;
	return 0;
}

/* Element index of p inside its node. */
static size_t node_pos(const unsigned char *lp, const unsigned char *p)
{
	size_t i = 0;
	for (const unsigned char *q = lp_first(lp); q && q != p; q = lp_next(lp, q))
		i++;
	return i;
}

/* Split nd so that its first `keep` elements stay and the rest move to a
 * new node right after it. */
static int node_split(struct shard *s, struct qlist *ql, struct qnode *nd, size_t keep)
{
	unsigned char *rlp = lp_dup(s, nd->lp);
	if (!rlp)
		return -ENOMEM;
	struct qnode *right = node_new(s, rlp);
	if (!right) {
		lp_free(s, rlp);
		return -ENOMEM;
	}
	lp_delete_range(s, &right->lp, 0, keep);
	right->count = (uint32_t)lp_count(right->lp);
	lp_delete_range(s, &nd->lp, (long)keep, nd->count - keep);
	nd->count = (uint32_t)keep;
	node_link_after(ql, nd, right);
	return 0;
}

/* Redis's _quicklistInsert: into p's node if the fill rule allows, else
 * into the neighbour at a node edge, else a new node (splitting nd when
 * p is in its middle). */
static int insert_at(struct shard *s, struct qlist *ql, struct qnode *nd, unsigned char *p,
		     bool after, const void *v, size_t n, int fill)
{
	enum lp_where where = after ? LP_AFTER : LP_BEFORE;
	if (node_allow_insert(nd, fill, n))
		return node_insert(s, ql, nd, p, where, v, n);
	bool at_tail = after && !lp_next(nd->lp, p);
	bool at_head = !after && !lp_prev(nd->lp, p);
	if (at_tail) {
		if (node_allow_insert(nd->next, fill, n))
			return node_insert(s, ql, nd->next, lp_first(nd->next->lp), LP_BEFORE, v, n);
		return node_add_with(s, ql, nd, v, n);
	}
	if (at_head) {
		if (node_allow_insert(nd->prev, fill, n))
			return node_insert(s, ql, nd->prev, NULL, LP_AFTER, v, n);
		return node_add_with(s, ql, nd->prev, v, n);
	}
	size_t keep = node_pos(nd->lp, p) + (after ? 1 : 0);
	int rc = node_split(s, ql, nd, keep);
	if (rc)
		return rc;
	if (node_allow_insert(nd, fill, n))
		return node_insert(s, ql, nd, NULL, LP_AFTER, v, n);
	return node_add_with(s, ql, nd, v, n);
}

/* The node holding element index (0 <= index < count) and the index
 * inside it; walks from the nearer end. */
static struct qnode *node_at(const struct qlist *ql, size_t index, size_t *local)
{
	struct qnode *nd;
	if (index < ql->count / 2) {
		for (nd = ql->head; nd && index >= nd->count; nd = nd->next)
			index -= nd->count;
		*local = index;
	} else {
		size_t back = ql->count - 1 - index; /* from the tail */
		for (nd = ql->tail; nd && back >= nd->count; nd = nd->prev)
			back -= nd->count;
		*local = nd ? nd->count - 1 - back : 0;
	}
	return nd;
}

/* Normalise a Redis index (negative from the tail); false if out of range. */
static bool norm_index(const struct qlist *ql, long index, size_t *out)
{
	if (index < 0) {
		if ((size_t)(-(index + 1)) >= ql->count)
			return false;
		*out = ql->count - (size_t)(-(index + 1)) - 1;
		return true;
	}
	if ((size_t)index >= ql->count)
		return false;
	*out = (size_t)index;
	return true;
}

static void val_of(const unsigned char *p, struct list_val *out)
{
	struct lp_val lv;
	lp_get(p, &lv);
	out->s = lv.s;
	out->len = lv.len;
	out->v = lv.v;
}

/* ---- public */

void *list_new(struct shard *s) { return mem_calloc(s, sizeof(struct qlist)); }

void list_free(struct shard *s, void *obj)
{
	struct qlist *ql = obj;
	struct qnode *nd = ql->head;
	while (nd) {
		struct qnode *next = nd->next;
		node_free(s, nd);
		nd = next;
	}
	mem_free(s, ql);
}

size_t list_len(const struct sentry *e) { return ql_of(e)->count; }
size_t list_node_count(const struct sentry *e) { return ql_of(e)->nnodes; }

int list_push(struct shard *s, struct sentry *e, enum list_where where,
	      const void *v, size_t n, int fill)
{
	struct qlist *ql = ql_of(e);
	if (where == LIST_HEAD) {
		if (node_allow_insert(ql->head, fill, n))
			return node_insert(s, ql, ql->head, lp_first(ql->head->lp), LP_BEFORE, v, n);
		return node_add_with(s, ql, NULL, v, n);
	}
	if (node_allow_insert(ql->tail, fill, n))
		return node_insert(s, ql, ql->tail, NULL, LP_AFTER, v, n);
	return node_add_with(s, ql, ql->tail, v, n);
}

bool list_index(const struct sentry *e, long index, struct list_val *out)
{
	const struct qlist *ql = ql_of(e);
	size_t i, local;
	if (!norm_index(ql, index, &i))
		return false;
	struct qnode *nd = node_at(ql, i, &local);
	val_of(lp_seek(nd->lp, (long)local), out);
	return true;
}

int list_set(struct shard *s, struct sentry *e, long index, const void *v, size_t n, int fill)
{
	(void)fill; /* Redis 7.0 replaces in place whatever the size */
	struct qlist *ql = ql_of(e);
	size_t i, local;
	if (!norm_index(ql, index, &i))
		return -ERANGE;
	struct qnode *nd = node_at(ql, i, &local);
	return lp_replace(s, &nd->lp, lp_seek(nd->lp, (long)local), v, n, NULL);
}

int list_insert(struct shard *s, struct sentry *e, const void *pivot, size_t plen,
		bool after, const void *v, size_t n, int fill)
{
	struct qlist *ql = ql_of(e);
	for (struct qnode *nd = ql->head; nd; nd = nd->next) {
		unsigned char *p = lp_find(nd->lp, lp_first(nd->lp), pivot, plen, 0);
		if (p) {
			int rc = insert_at(s, ql, nd, p, after, v, n, fill);
			return rc ? rc : 1;
		}
	}
	return 0;
}

/* Delete p from nd; returns the element that followed it in nd (NULL at
 * the node's end). Frees nd if it becomes empty (*gone set). */
static unsigned char *delete_one(struct shard *s, struct qlist *ql, struct qnode *nd,
				 unsigned char *p, bool *gone)
{
	unsigned char *next;
	lp_delete(s, &nd->lp, p, 1, &next);
	nd->count--;
	ql->count--;
	*gone = nd->count == 0;
	if (*gone)
		node_unlink_free(s, ql, nd);
	return next;
}

static size_t remove_forward(struct shard *s, struct qlist *ql, size_t limit,
			     const void *v, size_t n)
{
	size_t removed = 0;
	struct qnode *nd = ql->head;
	while (nd && (limit == 0 || removed < limit)) {
		struct qnode *next_node = nd->next;
		unsigned char *p = lp_first(nd->lp);
		bool gone = false;
		while (p && !gone && (limit == 0 || removed < limit)) {
			if (lp_eq(p, v, n)) {
				p = delete_one(s, ql, nd, p, &gone);
				removed++;
			} else {
				p = lp_next(nd->lp, p);
			}
		}
		nd = next_node;
	}
	return removed;
}

static size_t remove_backward(struct shard *s, struct qlist *ql, size_t limit,
			      const void *v, size_t n)
{
	size_t removed = 0;
	struct qnode *nd = ql->tail;
	while (nd && removed < limit) {
		struct qnode *prev_node = nd->prev;
		unsigned char *p = lp_last(nd->lp);
		bool gone = false;
		while (p && !gone && removed < limit) {
			unsigned char *prev = lp_prev(nd->lp, p);
			if (lp_eq(p, v, n)) {
				/* the previous entry's offset survives the delete, its address may not */
				size_t off = prev ? (size_t)(prev - nd->lp) : 0;
				delete_one(s, ql, nd, p, &gone);
				removed++;
				p = prev && !gone ? nd->lp + off : NULL;
			} else {
				p = prev;
			}
		}
		nd = prev_node;
	}
	return removed;
}

size_t list_remove(struct shard *s, struct sentry *e, long count, const void *v, size_t n)
{
	struct qlist *ql = ql_of(e);
	if (count < 0)
		return remove_backward(s, ql, count == LONG_MIN ? (size_t)LONG_MAX + 1 : (size_t)-count,
				       v, n);
	return remove_forward(s, ql, (size_t)count, v, n);
}

void list_del_range(struct shard *s, struct sentry *e, size_t start, size_t n)
{
	struct qlist *ql = ql_of(e);
	if (start >= ql->count || n == 0)
		return;
	if (n > ql->count - start)
		n = ql->count - start;
	size_t local;
	struct qnode *nd = node_at(ql, start, &local);
	while (nd && n) {
		struct qnode *next = nd->next;
		size_t take = nd->count - local < n ? nd->count - local : n;
		if (local == 0 && take == nd->count) {
			node_unlink_free(s, ql, nd);
		} else {
			lp_delete_range(s, &nd->lp, (long)local, take);
			nd->count -= (uint32_t)take;
			ql->count -= take;
		}
		n -= take;
		local = 0;
		nd = next;
	}
}

bool list_val_eq(const struct list_val *v, const void *s, size_t n)
{
	if (v->s)
		return v->len == n && (n == 0 || memcmp(v->s, s, n) == 0);
	char buf[24];
	int l = util_ll_to_str(buf, sizeof(buf), v->v);
	return (size_t)l == n && memcmp(buf, s, n) == 0;
}

void list_iter_init(struct list_iter *it, const struct sentry *e, long index, bool reverse)
{
	const struct qlist *ql = ql_of(e);
	size_t i, local;
	it->reverse = reverse;
	it->node = NULL;
	it->p = NULL;
	if (!norm_index(ql, index, &i))
		return;
	struct qnode *nd = node_at(ql, i, &local);
	it->node = nd;
	it->p = lp_seek(nd->lp, (long)local);
}

bool list_iter_next(struct list_iter *it, struct list_val *out)
{
	const struct qnode *nd = it->node;
	if (!nd || !it->p)
		return false;
	val_of(it->p, out);
	const unsigned char *p = it->reverse ? lp_prev(nd->lp, it->p) : lp_next(nd->lp, it->p);
	while (!p) {
		nd = it->reverse ? nd->prev : nd->next;
		if (!nd)
			break;
		p = it->reverse ? lp_last(nd->lp) : lp_first(nd->lp);
	}
	it->node = nd;
	it->p = p;
	return true;
}

/* ---- obj_ops: free, dup, dump, load */

static void ops_free(struct shard *s, void *obj, int enc)
{
	(void)enc;
	list_free(s, obj);
}

static void *ops_dup(struct shard *s, const void *obj, int enc)
{
	(void)enc;
	const struct qlist *src = obj;
	struct qlist *ql = list_new(s);
	if (!ql)
		return NULL;
	for (const struct qnode *nd = src->head; nd; nd = nd->next) {
		unsigned char *lp = lp_dup(s, nd->lp);
		struct qnode *c = lp ? node_new(s, lp) : NULL;
		if (!c) {
			if (lp)
				lp_free(s, lp);
			list_free(s, ql);
			return NULL;
		}
		node_link_after(ql, ql->tail, c);
		ql->count += c->count;
	}
	return ql;
}

/* node count, then each node's listpack as (length, bytes) */
static int ops_dump(const void *obj, int enc, struct store_buf *out)
{
	(void)enc;
	const struct qlist *ql = obj;
	int rc = buf_put_u64(out, ql->nnodes);
	for (const struct qnode *nd = ql->head; nd && !rc; nd = nd->next) {
		size_t n = lp_bytes(nd->lp);
		rc = buf_put_u64(out, n);
		if (!rc)
			rc = buf_put(out, nd->lp, n);
	}
	return rc;
}

static void *ops_load(struct shard *s, const char *p, size_t n, int *enc)
{
	const char *end = p + n;
	uint64_t nnodes;
	if (!buf_get_u64(&p, end, &nnodes) || nnodes == 0)
		return NULL;
	struct qlist *ql = list_new(s);
	if (!ql)
		return NULL;
	for (uint64_t i = 0; i < nnodes; i++) {
		uint64_t len;
		const char *bytes;
		if (!buf_get_u64(&p, end, &len) || !buf_get(&p, end, len, &bytes) ||
		    !lp_validate((const unsigned char *)bytes, len) ||
		    lp_count((const unsigned char *)bytes) == 0)
			goto fail;
		unsigned char *lp = mem_alloc(s, len);
		struct qnode *nd = lp ? (memcpy(lp, bytes, len), node_new(s, lp)) : NULL;
		if (!nd) {
			if (lp)
				mem_free(s, lp);
			goto fail;
		}
		node_link_after(ql, ql->tail, nd);
		ql->count += nd->count;
	}
	if (p != end)
		goto fail;
	*enc = ENC_QUICKLIST;
	return ql;
fail:
	list_free(s, ql);
	return NULL;
}

const struct obj_ops list_obj_ops = {
	.free = ops_free, .dup = ops_dup, .dump = ops_dump, .load = ops_load,
};
