#!/usr/bin/python3
"""Hashes as applications use them, through python3-redis (RESP2; RESP3 is
covered by differential/hash.cmds, this redis-py has no RESP3):
user objects and counters spread over 2 worker threads, compared with
redis-server; HSCAN over a big hash; hashes moved between workers."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wk  # noqa: E402

NUSERS = 300


class Hashes(unittest.TestCase):
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

    def test_user_objects(self):
        a, b = self.clients()
        for r in (a, b):
            p = r.pipeline(transaction=False)
            for i in range(NUSERS):
                p.hset('user:%d' % i, mapping={
                    'name': 'user %d' % i, 'email': 'u%d@example.com' % i,
                    'visits': i, 'score': '%d.5' % i})
                p.hincrby('user:%d' % i, 'visits', 10)
                p.hincrbyfloat('user:%d' % i, 'score', 0.25)
                p.hsetnx('user:%d' % i, 'name', 'other')
                if i % 3 == 0:
                    p.hdel('user:%d' % i, 'email')
            p.execute()
        for i in range(NUSERS):
            k = 'user:%d' % i
            self.assertEqual(a.hgetall(k), b.hgetall(k), k)
            self.assertEqual(a.hmget(k, 'name', 'nope', 'visits'),
                             b.hmget(k, 'name', 'nope', 'visits'))
            self.assertEqual(a.hlen(k), b.hlen(k))
            self.assertEqual(a.object('encoding', k), b.object('encoding', k))
        self.assertEqual(sorted(a.keys('user:*')), sorted(b.keys('user:*')))
        self.assertEqual(a.hget('user:7', 'score'), b'7.75')
        self.assertEqual(b.hget('user:7', 'score'), b'7.75')

    def test_counters_and_errors(self):
        a, b = self.clients()
        for r in (a, b):
            for i in range(1000):
                r.hincrby('hits:{page}', 'p%d' % (i % 37), 1)
        self.assertEqual(a.hgetall('hits:{page}'), b.hgetall('hits:{page}'))
        for r in (a, b):
            r.set('str', 'x')
        for args in (('HSET', 'str', 'a', '1'), ('HINCRBY', 'hits:{page}', 'p1', 'x'),
                     ('HINCRBY', 'hits:{page}', 'p1', '9223372036854775807')):
            with self.assertRaises(Exception) as ea:
                a.execute_command(*args)
            with self.assertRaises(Exception) as eb:
                b.execute_command(*args)
            self.assertEqual(str(ea.exception), str(eb.exception))

    def test_big_hash_scan_and_conversion(self):
        a, b = self.clients()
        n = 5000
        for r in (a, b):
            p = r.pipeline(transaction=False)
            for i in range(0, n, 100):
                p.hset('big', mapping={'f%d' % j: j for j in range(i, i + 100)})
            p.execute()
        self.assertEqual(b.object('encoding', 'big'), b'hashtable')
        self.assertEqual(a.object('encoding', 'big'), b.object('encoding', 'big'))
        fields = {}
        for f, v in b.hscan_iter('big', count=50):
            fields[f] = v
        self.assertEqual(len(fields), n)
        self.assertEqual(fields, a.hgetall('big'))
        self.assertEqual(sorted(b.hscan_iter('big', match='f12?')),
                         sorted(a.hscan_iter('big', match='f12?')))
        got = b.hrandfield('big', 100, withvalues=True)
        pairs = dict(zip(got[::2], got[1::2]))
        self.assertEqual(len(pairs), 100)
        for f, v in pairs.items():
            self.assertEqual(fields[f], v)

    def test_move_between_workers(self):
        _, b = self.clients()
        # find two keys that live on different workers: RENAME/COPY move
        # the hash through dump and restore when they do
        b.hset('src', mapping={'a': 1, 'b': 'two', 'c': 'x' * 100})
        for i in range(64):
            dst = 'dst%d' % i
            b.copy('src', dst)
            self.assertEqual(b.hgetall(dst), b.hgetall('src'))
            self.assertEqual(b.object('encoding', dst), b'hashtable')
        b.rename('src', 'moved')
        self.assertEqual(b.hget('moved', 'b'), b'two')
        self.assertEqual(b.exists('src'), 0)


if __name__ == '__main__':
    unittest.main(verbosity=2)
