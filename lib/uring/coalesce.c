#include "uring/coalesce.h"

void coalesce_init(struct coalesce *c)
{
	c->target = 1;
	c->ok = 0;
	c->waits = 0;
	c->timeouts = 0;
}

void coalesce_off(struct coalesce *c)
{
	c->target = 1;
	c->ok = 0;
}

void coalesce_update(struct coalesce *c, unsigned nconns, unsigned asked, unsigned got)
{
	unsigned cap = nconns < COALESCE_MIN_CONNS ? 0 : nconns / 2;

	if (asked > 1) {
		c->waits++;
		c->timeouts += got < asked;
	}
	if (asked > 1 && got < asked) {
		c->target = asked / 2 < COALESCE_MIN ? 1 : asked / 2;
		c->ok = 0;
	} else if (c->target > cap) {
		/* connections went away */
		c->target = cap < COALESCE_MIN ? 1 : cap;
		c->ok = 0;
	} else if (got >= asked + (asked == 1) && ++c->ok >= COALESCE_GROW) {
		unsigned next = c->target == 1 ? COALESCE_MIN : c->target + 1;
		if (next <= cap && next <= COALESCE_MAX)
			c->target = next;
		c->ok = 0;
	}
}
