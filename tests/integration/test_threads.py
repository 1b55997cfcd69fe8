#!/usr/bin/python3
"""--threads 2 and --threads 4: keys spread over workers by slot; multi-key
and key-space commands give the same replies as redis-server."""

import os
import random
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wk  # noqa: E402

NKEYS = 2000


def keyset(prefix, n):
    return ['%s:%d' % (prefix, i) for i in range(n)]


class Threads(unittest.TestCase):
    threads = 2

    @classmethod
    def setUpClass(cls):
        cls.ref = wk.Server(kind='redis')
        cls.dut = wk.Server(directives={'threads': cls.threads})

    @classmethod
    def tearDownClass(cls):
        cls.ref.stop()
        cls.dut.stop()

    def setUp(self):
        self.a = self.ref.conn()
        self.b = self.dut.conn()
        self.both('FLUSHALL')

    def tearDown(self):
        self.a.close()
        self.b.close()

    def both(self, *args, sort=False):
        """Run on both servers; assert equal replies; return the value."""
        ra, rb = self.a.cmd(*args), self.b.cmd(*args)
        if sort:
            self.assertEqual(ra.kind, rb.kind, args)
            self.assertEqual(sorted(ra.value), sorted(rb.value), args)
        else:
            self.assertEqual(ra.raw, rb.raw, 'command %r' % (args,))
        return rb.value

    def test_multikey_commands(self):
        keys = keyset('k', 200)
        kv = []
        for k in keys:
            kv += [k, 'v-' + k]
        self.both('MSET', *kv)
        self.both('MGET', *(keys + ['nosuch', keys[0]]))
        self.both('MGET', *reversed(keys))
        self.both('EXISTS', *(keys + keys[:10] + ['nosuch']))
        self.both('TOUCH', *(keys[::3] + ['nosuch']))
        self.both('DEL', *(keys[:50] + ['nosuch'] + keys[:5]))
        self.both('UNLINK', *(keys[40:80] + ['x', 'y']))
        self.both('DBSIZE')
        self.both('MGET', *keys[:100])
        self.both('MSETNX', 'k:150', 'x', 'new:1', 'y')
        self.both('MSETNX', 'new:1', 'x', 'new:2', 'y', 'new:3', 'z')
        self.both('MGET', 'new:1', 'new:2', 'new:3')
        self.both('MSET', 'same', '1', 'other', '2', 'same', '3')
        self.both('MGET', 'same', 'other')
        rnd = random.Random(7)
        for i in range(100):
            src, dst = rnd.sample(keys, 2)
            self.both('RENAME', src, dst)
            self.both('RENAMENX', dst, src)
            self.both('COPY', src, dst + ':c')
            self.both('COPY', src, dst, 'REPLACE')
            self.both('SET', 'ex:%d' % i, 'v', 'EX', '1000')
            self.both('RENAME', 'ex:%d' % i, 'ex2:%d' % i)
            self.both('TTL', 'ex2:%d' % i)
        self.both('COPY', 'k:199', 'moved', 'DB', '3')
        self.both('SELECT', '3')
        self.both('GET', 'moved')
        self.both('SELECT', '0')
        self.both('MSET', 'lcs:a', 'ohmytext', 'lcs:b', 'mynewtext')
        self.both('LCS', 'lcs:a', 'lcs:b')
        self.both('LCS', 'lcs:a', 'lcs:b', 'IDX', 'WITHMATCHLEN')
        self.both('LCS', 'lcs:a', 'lcs:b', 'LEN')
        self.both('DBSIZE')
        self.both('KEYS', '*', sort=True)
        self.both('KEYS', 'k:1?', sort=True)

    def scan_all(self, conn, *opts):
        seen, cursor = [], b'0'
        for _ in range(100000):
            cursor, elems = conn.call('SCAN', cursor, *opts)
            seen += elems
            if cursor == b'0':
                return seen
        self.fail('SCAN did not finish')

    def test_keyspace_commands(self):
        keys = keyset('key', NKEYS)
        for i in range(0, NKEYS, 500):
            kv = []
            for k in keys[i:i + 500]:
                kv += [k, '1']
            self.both('MSET', *kv)
        self.both('DBSIZE')
        self.both('INFO', 'keyspace')
        self.both('KEYS', '*', sort=True)
        self.both('KEYS', 'key:1*', sort=True)
        for opts in ((), ('COUNT', '7'), ('COUNT', '1000'),
                     ('MATCH', 'key:1*'), ('TYPE', 'string', 'COUNT', '50'),
                     ('MATCH', 'nomatch*', 'COUNT', '3'), ('TYPE', 'list')):
            got = self.scan_all(self.b, *opts)
            ref = self.scan_all(self.a, *opts)
            self.assertEqual(set(got), set(ref), opts)
            self.assertEqual(len(got), len(set(got)),
                             'SCAN %r returned duplicates' % (opts,))
        self.assertEqual(set(self.scan_all(self.b)),
                         set(k.encode() for k in keys))
        for _ in range(50):
            rk = self.b.call('RANDOMKEY')
            self.assertIn(rk.decode(), keys)
        # RANDOMKEY must reach keys on every worker
        seen = set(self.b.call('RANDOMKEY') for _ in range(300))
        self.assertGreater(len(seen), 100)
        self.both('SELECT', '5')
        self.both('MSET', 'a', '1', 'b', '2', 'c', '3', 'd', '4')
        self.both('SET', 'e', '5')
        self.both('INFO', 'keyspace')
        self.both('FLUSHDB')
        self.both('DBSIZE')
        self.both('RANDOMKEY')
        self.both('SELECT', '0')
        self.both('DBSIZE')
        self.both('FLUSHALL')
        self.both('DBSIZE')
        self.both('INFO', 'keyspace')
        self.both('KEYS', '*')
        # a SCAN page may be empty with a non-zero cursor: compare the
        # whole iteration
        self.assertEqual(self.scan_all(self.b), [])
        self.assertEqual(self.scan_all(self.a), [])
        self.both('RANDOMKEY')

    def test_flush_async_and_many_dbs(self):
        for db in range(4):
            self.both('SELECT', str(db))
            kv = []
            for k in keyset('d%d' % db, 100 * (db + 1)):
                kv += [k, 'x']
            self.both('MSET', *kv)
        self.both('INFO', 'keyspace')
        self.both('SELECT', '2')
        self.both('FLUSHDB', 'ASYNC')
        self.both('INFO', 'keyspace')
        self.both('FLUSHALL', 'SYNC')
        self.both('INFO', 'keyspace')
        self.both('DBSIZE')


class Threads4(Threads):
    threads = 4




if __name__ == '__main__':
    wk.main()
