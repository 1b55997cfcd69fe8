#!/usr/bin/python3
"""Sorted sets and sets as applications use them, through python3-redis,
with 2 worker threads and keys spread over both, compared with
redis-server: a game leaderboard (ZINCRBY, ranks, pages, top-N merged
across shards with ZUNIONSTORE), rate limiting with a sliding window, and
tags (SADD, set algebra across workers, SMOVE)."""

import os
import random
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wk  # noqa: E402

PLAYERS = 400
GAMES = 3000


class Types(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ref = wk.Server(kind='redis')
        cls.dut = wk.Server(directives={'threads': 2})

    @classmethod
    def tearDownClass(cls):
        cls.ref.stop()
        cls.dut.stop()

    def clients(self):
        a, b = self.ref.client(), self.dut.client()
        a.flushall()
        b.flushall()
        return a, b

    def same(self, a, b, fn):
        ra, rb = fn(a), fn(b)
        self.assertEqual(ra, rb)
        return rb

    def test_leaderboard(self):
        a, b = self.clients()
        rnd = random.Random(7)
        games = [('board:%d' % rnd.randrange(4), 'player:%d' % rnd.randrange(PLAYERS),
                  rnd.choice([1, 2, 5, 10, 0.5, -3])) for _ in range(GAMES)]
        for r in (a, b):
            p = r.pipeline(transaction=False)
            for board, player, pts in games:
                p.zincrby(board, pts, player)
            p.execute()
        boards = ['board:%d' % i for i in range(4)]
        for k in boards:
            self.same(a, b, lambda r: r.zrange(k, 0, -1, withscores=True))
            self.same(a, b, lambda r: r.zrevrange(k, 0, 9, withscores=True))
            self.same(a, b, lambda r: r.zrangebyscore(k, 10, 50, start=2, num=5))
            self.same(a, b, lambda r: r.zcount(k, '(0', '+inf'))
            self.same(a, b, lambda r: r.object('encoding', k))
            for i in range(0, PLAYERS, 37):
                self.same(a, b, lambda r: (r.zrank(k, 'player:%d' % i),
                                           r.zrevrank(k, 'player:%d' % i),
                                           r.zscore(k, 'player:%d' % i)))
        # the overall top 10 from the four boards, whichever workers own them
        for r in (a, b):
            r.zunionstore('board:all', boards)
            r.zinterstore('board:every', boards, aggregate='MAX')
        self.same(a, b, lambda r: r.zrevrange('board:all', 0, 9, withscores=True))
        self.same(a, b, lambda r: r.zrange('board:every', 0, -1, withscores=True))
        self.same(a, b, lambda r: r.zunion(boards, withscores=True, aggregate='MIN')[:20])
        self.same(a, b, lambda r: r.zdiff(boards[:2], withscores=True))
        # season reset of the losers
        self.same(a, b, lambda r: r.zremrangebyscore('board:all', '-inf', '(0'))
        self.same(a, b, lambda r: r.zpopmax('board:all', 3))
        self.same(a, b, lambda r: r.zcard('board:all'))

    def test_sliding_window_rate_limit(self):
        a, b = self.clients()
        for r in (a, b):
            p = r.pipeline(transaction=False)
            for user in range(50):
                k = 'rl:%d' % user
                for t in range(1000, 1000 + 40 * (user % 5 + 1), 3):
                    p.zadd(k, {'req:%d' % t: t})
                p.zremrangebyscore(k, '-inf', 1000 + 30)
                p.zcard(k)
                p.expire(k, 60)
            ra = p.execute()
            if r is a:
                first = ra
        self.assertEqual(first, ra)
        for user in range(50):
            k = 'rl:%d' % user
            self.same(a, b, lambda r: r.zrange(k, 0, 4, withscores=True))
            self.same(a, b, lambda r: r.ttl(k) > 0)

    def test_tags(self):
        a, b = self.clients()
        rnd = random.Random(11)
        tags = ['python', 'c', 'redis', 'dpdk', 'linux', 'db', 'net', 'go']
        for r in (a, b):
            p = r.pipeline(transaction=False)
            for post in range(500):
                chosen = random.Random(post).sample(tags, 3)
                for t in chosen:
                    p.sadd('tag:%s' % t, post)
                p.sadd('post:%d:tags' % post, *chosen)
            p.execute()
        keys = ['tag:%s' % t for t in tags]
        for k in keys:
            self.same(a, b, lambda r: sorted(r.smembers(k)))
            self.same(a, b, lambda r: r.object('encoding', k))
        for _ in range(30):
            x, y, z = rnd.sample(keys, 3)
            self.same(a, b, lambda r: sorted(r.sinter(x, y)))
            self.same(a, b, lambda r: sorted(r.sunion(x, y, z)))
            self.same(a, b, lambda r: sorted(r.sdiff(x, y, z)))
            self.same(a, b, lambda r: r.sinterstore('tmp:inter', [x, y, z]))
            self.same(a, b, lambda r: sorted(r.smembers('tmp:inter')))
            self.same(a, b, lambda r: r.execute_command('SINTERCARD', 2, x, y, 'LIMIT', 10))
        # retagging posts: SMOVE between tags on either worker, nothing lost
        moves = [(rnd.choice(keys), rnd.choice(keys), str(rnd.randrange(500)))
                 for _ in range(200)]
        for r in (a, b):
            for src, dst, member in moves:
                r.smove(src, dst, member)
        total_a = sum(a.scard(k) for k in keys)
        total_b = sum(b.scard(k) for k in keys)
        self.assertEqual(total_a, total_b)
        for k in keys:
            self.same(a, b, lambda r: sorted(r.smembers(k)))
        members = set()
        for k in keys:
            for m in b.sscan_iter(k, count=20):
                members.add((k, m))
        self.assertEqual(len(members), total_b)


if __name__ == '__main__':
    unittest.main(verbosity=2)
