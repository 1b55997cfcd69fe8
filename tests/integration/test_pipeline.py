#!/usr/bin/python3
"""Pipelining: many commands in one write come back complete and in order,
also when their keys live on different workers; a request split into single
bytes is parsed the same as one sent at once."""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wk  # noqa: E402


class Pipeline(unittest.TestCase):
    threads = 1

    def setUp(self):
        self.srv = wk.Server(directives={'threads': self.threads})
        self.c = self.srv.conn(timeout=30)

    def tearDown(self):
        self.c.close()
        self.srv.stop()

    def test_10k_in_one_write(self):
        n = 10000
        req, expect = [], []
        for i in range(n):
            k = 'key:%d' % (i // 4)
            op = i % 4
            if op == 0:
                req.append(wk.encode('SET', k, 'v%d' % i))
                expect.append(b'+OK\r\n')
            elif op == 1:
                req.append(wk.encode('GET', k))
                v = b'v%d' % (i - 1)
                expect.append(b'$%d\r\n%s\r\n' % (len(v), v))
            elif op == 2:
                req.append(wk.encode('INCR', 'cnt:%d' % (i % 13)))
                expect.append(None)  # checked below
            else:
                req.append(wk.encode('ECHO', 'e%d' % i))
                expect.append(b'$%d\r\ne%d\r\n' % (len(str(i)) + 1, i))
        self.c.send(b''.join(req))
        counters = {}
        for i in range(n):
            r = self.c.read()
            if expect[i] is None:
                key = i % 13
                counters[key] = counters.get(key, 0) + 1
                self.assertEqual(r.raw, b':%d\r\n' % counters[key], i)
            else:
                self.assertEqual(r.raw, expect[i], 'reply %d' % i)
        self.assertEqual(self.c.call('DBSIZE'), n // 4 + 13)

    def test_pipeline_mixing_keys(self):
        # Keys chosen to hash to many different slots, so with --threads 4
        # consecutive commands run on different workers.
        keys = ['k%d' % i for i in range(64)] + ['{a}x', '{b}x', 'foo', 'bar']
        req, exp = [], []
        for rnd in range(20):
            for k in keys:
                req.append(wk.encode('INCR', k))
                exp.append(b':%d\r\n' % (rnd + 1))
            req.append(wk.encode('MGET', *keys[:8]))
            exp.append(b'*8\r\n' + b''.join(
                b'$%d\r\n%d\r\n' % (len(str(rnd + 1)), rnd + 1)
                for _ in range(8)))
            req.append(wk.encode('EXISTS', *keys))
            exp.append(b':%d\r\n' % len(keys))
            req.append(wk.encode('PING'))
            exp.append(b'+PONG\r\n')
        self.c.send(b''.join(req))
        for i, e in enumerate(exp):
            self.assertEqual(self.c.read().raw, e, 'reply %d' % i)

    def test_big_replies_in_order(self):
        vals = [os.urandom(10000) for _ in range(8)]
        for i, v in enumerate(vals):
            self.c.call('SET', 'big%d' % i, v)
        req = b''.join(wk.encode('GET', 'big%d' % (i % 8))
                       for i in range(2000))
        self.c.send(req)
        for i in range(2000):
            self.assertEqual(self.c.read().value, vals[i % 8], i)

    def test_split_byte_by_byte(self):
        req = wk.encode('SET', 'split', 'a\r\nb') + b'GET split\r\n' + \
            wk.encode('APPEND', 'split', 'c')
        for b in req:
            self.c.send(bytes([b]))
            time.sleep(0.0005)
        self.assertEqual(self.c.read().raw, b'+OK\r\n')
        self.assertEqual(self.c.read().raw, b'$4\r\na\r\nb\r\n')
        self.assertEqual(self.c.read().raw, b':5\r\n')

    def test_inline_pipeline(self):
        self.c.send(b'SET a 1\r\nINCR a\r\nGET a\r\n\r\nPING\n'
                    b'SET b "x y"\r\nGET b\r\n')
        for e in (b'+OK\r\n', b':2\r\n', b'$1\r\n2\r\n', b'+PONG\r\n',
                  b'+OK\r\n', b'$3\r\nx y\r\n'):
            self.assertEqual(self.c.read().raw, e)


class PipelineThreads4(Pipeline):
    threads = 4


if __name__ == '__main__':
    wk.main()
