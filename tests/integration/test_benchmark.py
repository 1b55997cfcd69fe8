#!/usr/bin/python3
"""Short redis-benchmark runs complete without errors and leave the data
right."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wk  # noqa: E402

wk.require_tools('redis-benchmark')


class Benchmark(unittest.TestCase):
    threads = 2

    def setUp(self):
        self.srv = wk.Server(directives={'threads': self.threads})
        self.c = self.srv.conn()

    def tearDown(self):
        self.c.close()
        self.assertEqual(self.srv.stop(), 0)

    def bench(self, *args):
        p = wk.redis_benchmark(self.srv.port, '-q', *args, timeout=90)
        out = (p.stdout + p.stderr).decode(errors='replace')
        self.assertEqual(p.returncode, 0, out)
        for bad in ('ERR', 'Error', 'error', 'WRONGTYPE', 'NOAUTH'):
            self.assertNotIn(bad, out)
        return out

    def test_pipelined_and_not(self):
        for pipe in ('1', '16'):
            out = self.bench('-t', 'set,get,incr,mset', '-n', '20000',
                             '-P', pipe, '-c', '20')
            for name in ('SET', 'GET', 'INCR', 'MSET'):
                self.assertIn(name, out)
            self.assertIn('requests per second', out)
        # -t set/get/mset use key:__rand_int__ -> without -r: 'key:000000000000'
        # incr uses counter:__rand_int__
        self.assertEqual(self.c.call('GET', 'counter:__rand_int__'),
                         b'%d' % (2 * 20000))
        # redis-benchmark 7 fills values with (fixed) random letters
        self.assertEqual(len(self.c.call('GET', 'key:__rand_int__')), 3)

    def test_random_keys(self):
        self.bench('-t', 'set', '-r', '1000', '-n', '20000', '-c', '20',
                   '-d', '10')
        n = self.c.call('DBSIZE')
        self.assertTrue(0 < n <= 1000, n)
        keys = self.c.call('KEYS', 'key:*')
        self.assertEqual(len(keys), n)
        vals = set(self.c.call('MGET', *keys))
        self.assertEqual(len(vals), 1, vals)  # every SET sent the same data
        self.assertEqual(len(vals.pop()), 10)
        self.bench('-t', 'incr', '-r', '100', '-n', '20000', '-P', '16')
        total = sum(int(self.c.call('GET', k))
                    for k in self.c.call('KEYS', 'counter:*'))
        self.assertEqual(total, 20000)

    def test_custom_commands(self):
        self.bench('-n', '5000', '-c', '10', '-r', '50',
                   'mset', '{a}__rand_int__', 'v', 'b__rand_int__', 'w')
        self.bench('-n', '5000', '-c', '10', '-P', '8', '-r', '50',
                   'lcs', 'a__rand_int__', 'b__rand_int__')
        self.assertGreater(self.c.call('DBSIZE'), 0)


class Benchmark4(Benchmark):
    threads = 4


if __name__ == '__main__':
    wk.main()
