#!/usr/bin/python3
"""Lists as applications use them, through python3-redis with 2 worker
threads: a reliable queue (LMOVE into per-consumer processing lists, keys
spread over both workers) fed and drained by concurrent clients, where no
job may be lost or done twice; and a seeded random mix of every list
command compared reply by reply with redis-server, on small nodes
(list-max-listpack-size 4) and on the default ones."""

import os
import random
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wk  # noqa: E402

NJOBS = 3000
NCONSUMERS = 4


class Lists(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ref = wk.Server(kind='redis')
        cls.dut = wk.Server(directives={'threads': 2})

    @classmethod
    def tearDownClass(cls):
        cls.ref.stop()
        cls.dut.stop()

    def test_reliable_queue(self):
        r = self.dut.client()
        r.flushall()
        errors = []

        def produce(first, n):
            c = self.dut.client()
            p = c.pipeline(transaction=False)
            for i in range(first, first + n):
                p.rpush('jobs', 'job:%d' % i)
            p.execute()

        def consume(t):
            c = self.dut.client()
            proc, done = 'processing:%d' % t, 'done:%d' % t
            idle = 0
            while idle < 200:
                job = c.lmove('jobs', proc, 'LEFT', 'RIGHT')
                if job is None:
                    idle += 1
                    continue
                idle = 0
                if c.lrem(proc, 1, job) != 1:
                    errors.append('job %r not in %s' % (job, proc))
                c.rpush(done, job)

        producers = [threading.Thread(target=produce, args=(i * NJOBS // 2, NJOBS // 2))
                     for i in range(2)]
        consumers = [threading.Thread(target=consume, args=(t,))
                     for t in range(NCONSUMERS)]
        for th in producers + consumers:
            th.start()
        for th in producers + consumers:
            th.join(timeout=60)
            self.assertFalse(th.is_alive(), 'a client did not finish')
        self.assertEqual(errors, [])
        # whatever the consumers left behind, then everything done
        rest = r.lrange('jobs', 0, -1)
        done = []
        for t in range(NCONSUMERS):
            self.assertEqual(r.exists('processing:%d' % t), 0)
            done += r.lrange('done:%d' % t, 0, -1)
        got = sorted(done + rest)
        self.assertEqual(len(got), NJOBS, 'jobs lost or duplicated')
        self.assertEqual(got, sorted(b'job:%d' % i for i in range(NJOBS)))

    def random_mix(self, node_size, seed):
        a, b = self.ref.client(), self.dut.client()
        for r in (a, b):
            r.flushall()
            r.config_set('list-max-listpack-size', node_size)
        rnd = random.Random(seed)
        keys = ['list:%d' % i for i in range(8)] + ['{q}x', '{q}y']
        vals = ['v%d' % i for i in range(30)] + [str(i) for i in range(-5, 20)] + \
            ['x' * 300, '']

        def key():
            return rnd.choice(keys)

        def val():
            return rnd.choice(vals)

        ops = [
            lambda: ('RPUSH', key()) + tuple(val() for _ in range(rnd.randint(1, 20))),
            lambda: ('LPUSH', key()) + tuple(val() for _ in range(rnd.randint(1, 20))),
            lambda: ('LPUSHX', key(), val()),
            lambda: ('LPOP', key()),
            lambda: ('RPOP', key(), str(rnd.randint(0, 5))),
            lambda: ('LRANGE', key(), str(rnd.randint(-30, 30)), str(rnd.randint(-30, 30))),
            lambda: ('LINDEX', key(), str(rnd.randint(-40, 40))),
            lambda: ('LSET', key(), str(rnd.randint(-20, 20)), val()),
            lambda: ('LINSERT', key(), rnd.choice(['BEFORE', 'AFTER']), val(), val()),
            lambda: ('LREM', key(), str(rnd.randint(-3, 3)), val()),
            lambda: ('LTRIM', key(), str(rnd.randint(-50, 5)), str(rnd.randint(-5, 80))),
            lambda: ('LPOS', key(), val(), 'RANK', rnd.choice(['1', '2', '-1']),
                     'COUNT', str(rnd.randint(0, 3))),
            lambda: ('LMOVE', key(), key(), rnd.choice(['LEFT', 'RIGHT']),
                     rnd.choice(['LEFT', 'RIGHT'])),
            lambda: ('RPOPLPUSH', key(), key()),
            lambda: ('LMPOP', '3', key(), key(), key(), rnd.choice(['LEFT', 'RIGHT']),
                     'COUNT', str(rnd.randint(1, 4))),
            lambda: ('LLEN', key()),
        ]
        for step in range(4000):
            cmd = rnd.choice(ops)()
            ra = rb = None
            try:
                ra = a.execute_command(*cmd)
            except Exception as e:  # noqa: BLE001 - errors must match too
                ra = 'error: %s' % e
            try:
                rb = b.execute_command(*cmd)
            except Exception as e:  # noqa: BLE001
                rb = 'error: %s' % e
            self.assertEqual(ra, rb, 'step %d: %r' % (step, cmd))
        for k in keys:
            self.assertEqual(a.lrange(k, 0, -1), b.lrange(k, 0, -1), k)
        for r in (a, b):
            r.config_set('list-max-listpack-size', -2)

    def test_random_small_nodes(self):
        self.random_mix(4, 1)

    def test_random_default_nodes(self):
        self.random_mix(-2, 2)


if __name__ == '__main__':
    unittest.main(verbosity=2)
