/*
 * A clock from the TSC for polling lcores: clock_gettime is a vDSO call,
 * but a busy lcore reads the time several times per loop turn and perf
 * showed 27% of a DPDK lcore's cycles in it at pipeline 16. Owned by one
 * lcore. Monotonic time is the TSC scaled from the start; real time is
 * re-anchored on CLOCK_REALTIME about once a second (tsc_clock_tick), so
 * it follows NTP like the kernel's clock does.
 */
#ifndef WIREKV_TSC_CLOCK_H
#define WIREKV_TSC_CLOCK_H

#include <stdint.h>
#include <time.h>

#include <rte_cycles.h>

struct tsc_clock {
	uint64_t hz;
	uint64_t mult;          /* microseconds per cycle, << 40 (1e-9 relative error) */
	uint64_t tsc0, mono0_us; /* monotonic anchor (never moved) */
	uint64_t tsc_real;      /* real-time anchor ... */
	int64_t real_us;        /* ... and CLOCK_REALTIME then */
};

static inline uint64_t tsc_clock_scale(const struct tsc_clock *c, uint64_t cycles)
{
	return (uint64_t)(((unsigned __int128)cycles * c->mult) >> 40);
}

static inline int64_t tsc_clock_read(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static inline void tsc_clock_init(struct tsc_clock *c)
{
	c->hz = rte_get_tsc_hz();
	if (!c->hz)
		c->hz = 1;
	c->mult = (uint64_t)(((unsigned __int128)1000000 << 40) / c->hz);
	c->tsc0 = c->tsc_real = rte_rdtsc();
	c->mono0_us = (uint64_t)tsc_clock_read(CLOCK_MONOTONIC);
	c->real_us = tsc_clock_read(CLOCK_REALTIME);
}

/* Re-anchor real time once a second of cycles has passed since the last. */
static inline void tsc_clock_tick(struct tsc_clock *c, uint64_t tsc)
{
	if (tsc - c->tsc_real >= c->hz) {
		c->tsc_real = rte_rdtsc();
		c->real_us = tsc_clock_read(CLOCK_REALTIME);
	}
}

static inline uint64_t tsc_clock_mono_us(const struct tsc_clock *c, uint64_t tsc)
{
	return c->mono0_us + tsc_clock_scale(c, tsc - c->tsc0);
}

static inline int64_t tsc_clock_real_us(const struct tsc_clock *c, uint64_t tsc)
{
	return c->real_us + (int64_t)tsc_clock_scale(c, tsc - c->tsc_real);
}

#endif
