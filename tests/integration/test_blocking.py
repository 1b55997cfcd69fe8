#!/usr/bin/python3
"""Blocking pops (BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX
BZMPOP) with 2 worker threads and keys on both workers: a blocked client
wakes when another client, on either worker, creates the key; clients
blocked on one key are served first come first served; timeouts answer
null after about the timeout (RESP2 and RESP3); a blocked client that
disconnects loses no element; INFO / CLIENT LIST / CLIENT UNBLOCK see
blocked clients; SIGTERM with blocked clients exits 0 at once.

Which worker a connection lands on is the kernel's choice (SO_REUSEPORT);
the test opens connections until it has one on each worker (wirekv's
client ids are next * nworkers + worker + 1). Key owners follow Redis
Cluster's slots: slot < 8192 is worker 0's with 2 workers."""

import os
import signal
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wk  # noqa: E402

NWORKERS = 2
SLOW = 5.0  # generous bound for "promptly" on a noisy machine


def crc16(data):
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xffff
    return crc


def owner(key):
    k = key.encode()
    s = k.find(b'{')
    if s >= 0:
        e = k.find(b'}', s + 1)
        if e > s + 1:
            k = k[s + 1:e]
    return (crc16(k) % 16384) * NWORKERS // 16384


def key_on(w, prefix):
    for i in range(100000):
        k = '%s%d' % (prefix, i)
        if owner(k) == w:
            return k
    raise AssertionError('no key')


class Blocking(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = wk.Server(directives={'threads': NWORKERS})
        cls.spare = []

    @classmethod
    def tearDownClass(cls):
        for c in cls.spare:
            c.close()
        cls.srv.stop()

    # -- helpers
    def conn_on(self, w, resp=2):
        """A raw connection served by worker w."""
        for _ in range(200):
            c = self.srv.conn()
            if resp == 3:
                c.cmd('HELLO', '3')
            cid = c.call('CLIENT', 'ID')
            if (cid - 1) % NWORKERS == w:
                return c
            self.spare.append(c)  # keep it open so the next one moves on
        raise AssertionError('no connection on worker %d' % w)

    def blocked(self):
        with self.srv.conn() as c:
            info = c.call('INFO', 'clients').decode()
        for line in info.split('\r\n'):
            if line.startswith('blocked_clients:'):
                return int(line.split(':')[1])
        return -1

    def wait_blocked(self, n):
        end = time.time() + SLOW
        while time.time() < end:
            if self.blocked() == n:
                return
            time.sleep(0.01)
        self.fail('blocked_clients never reached %d (is %d)' % (n, self.blocked()))

    def block(self, c, *cmd):
        """Send a blocking command on c and wait until the server sees it blocked."""
        before = self.blocked()
        c.send(wk.encode(*cmd))
        self.wait_blocked(before + 1)

    def setUp(self):
        self.ctl = self.srv.conn()
        self.ctl.call('FLUSHALL')
        self.wait_blocked(0)

    def tearDown(self):
        self.ctl.close()

    # -- tests
    def test_wake_from_any_worker(self):
        """Blocker, pusher and key on every combination of workers."""
        for kw in range(NWORKERS):
            for bw in range(NWORKERS):
                for pw in range(NWORKERS):
                    key = key_on(kw, 'wake%d%d' % (bw, pw))
                    b, p = self.conn_on(bw), self.conn_on(pw)
                    self.block(b, 'BLPOP', key, 0)
                    self.assertEqual(p.call('RPUSH', key, 'v%d' % pw), 1)
                    b.settimeout(SLOW)
                    self.assertEqual(b.read_raw(), b'*2\r\n$%d\r\n%s\r\n$2\r\nv%d\r\n'
                                     % (len(key), key.encode(), pw))
                    self.assertEqual(p.call('EXISTS', key), 0)
                    # the blocked client's next command runs after the reply
                    self.assertEqual(b.call('PING'), b'PONG')
                    b.close()
                    p.close()

    def test_wake_by_any_creation(self):
        """Keys created by RENAME, COPY, LMOVE, ZUNIONSTORE, ZRANGESTORE
        (source on the same or the other worker) wake their waiters."""
        for kw in range(NWORKERS):
            for sw in range(NWORKERS):
                k, src = key_on(kw, 'cr%d' % sw), key_on(sw, 'crsrc')
                for block, setup, trigger in (
                        (('BLPOP', k, 0), ('RPUSH', src, 'x'), ('RENAME', src, k)),
                        (('BLPOP', k, 0), ('RPUSH', src, 'x'), ('COPY', src, k)),
                        (('BLPOP', k, 0), ('RPUSH', src, 'x'),
                         ('LMOVE', src, k, 'LEFT', 'LEFT')),
                        (('BZPOPMIN', k, 0), ('ZADD', src, 1, 'x'),
                         ('ZUNIONSTORE', k, 1, src)),
                        (('BZPOPMAX', k, 0), ('ZADD', src, 1, 'x'),
                         ('ZRANGESTORE', k, src, 0, -1))):
                    self.ctl.call('DEL', k, src)
                    self.ctl.call(*setup)
                    b = self.conn_on(1 - kw)
                    self.block(b, *block)
                    self.ctl.call(*trigger)
                    b.settimeout(SLOW)
                    self.assertEqual(b.read().value[:2], [k.encode(), b'x'], trigger)
                    b.close()

    def test_fifo_three_clients(self):
        for kw in range(NWORKERS):
            key = key_on(kw, 'fifo')
            clients = [self.conn_on(i % NWORKERS) for i in range(3)]
            for c in clients:
                self.block(c, 'BRPOP', key, 0)
            self.ctl.call('LPUSH', key, 'a', 'b', 'c')  # list c b a: BRPOP takes a, b, c
            for c, want in zip(clients, (b'a', b'b', b'c')):
                c.settimeout(SLOW)
                self.assertEqual(c.read().value, [key.encode(), want])
            self.assertEqual(self.ctl.call('EXISTS', key), 0)
            for c in clients:
                c.close()

    def test_wake_serves_then_stops(self):
        """One push of two elements for three blocked clients: two served,
        the third waits on; LPOP pipelined after the push sees nothing."""
        key = key_on(1, 'part')
        clients = [self.conn_on(i % NWORKERS) for i in range(3)]
        for c in clients:
            self.block(c, 'BLPOP', key, 0)
        p = self.conn_on(0)
        p.send(wk.encode('RPUSH', key, 'x', 'y') + wk.encode('LPOP', key))
        self.assertEqual(p.read().value, 2)
        self.assertEqual(p.read().value, None)  # the waiters got them first
        for c, want in zip(clients[:2], (b'x', b'y')):
            c.settimeout(SLOW)
            self.assertEqual(c.read().value, [key.encode(), want])
        self.wait_blocked(1)
        p.call('RPUSH', key, 'z')
        clients[2].settimeout(SLOW)
        self.assertEqual(clients[2].read().value, [key.encode(), b'z'])
        for c in clients + [p]:
            c.close()

    def test_timeouts(self):
        k0, k1 = key_on(0, 'to'), key_on(1, 'to')
        for resp, null in ((2, b'*-1\r\n'), (3, b'_\r\n')):
            for bw in range(NWORKERS):
                c = self.conn_on(bw, resp)
                for cmd in (('BLPOP', k0, '0.3'), ('BRPOP', k1, '0.3'),
                            ('BLPOP', k0, k1, '0.3'),  # keys on both workers
                            ('BLMOVE', k0, k1, 'LEFT', 'RIGHT', '0.3'),
                            ('BRPOPLPUSH', k1, k1, '0.3'),
                            ('BLMPOP', '0.3', '2', k0, k1, 'LEFT'),
                            ('BZPOPMIN', k1, '0.3'), ('BZPOPMAX', k0, k1, '0.3'),
                            ('BZMPOP', '0.3', '1', k0, 'MAX', 'COUNT', '2')):
                    t = time.time()
                    c.settimeout(SLOW)
                    self.assertEqual(c.cmd(*cmd).raw, null, cmd)
                    took = time.time() - t
                    self.assertGreaterEqual(took, 0.25, cmd)
                    self.assertLess(took, SLOW, cmd)
                self.assertEqual(self.blocked(), 0)
                c.close()

    def test_blmove_across_workers(self):
        src, dst = key_on(0, 'src'), key_on(1, 'dst')
        for bw in range(NWORKERS):
            b, p = self.conn_on(bw), self.conn_on(1 - bw)
            self.block(b, 'BLMOVE', src, dst, 'RIGHT', 'LEFT', 0)
            p.call('RPUSH', src, 'e1', 'e2')
            b.settimeout(SLOW)
            self.assertEqual(b.read().value, b'e2')
            self.assertEqual(p.call('LRANGE', src, 0, -1), [b'e1'])
            self.assertEqual(p.call('LRANGE', dst, 0, -1), [b'e2'])
            p.call('DEL', src, dst)
            # BRPOPLPUSH the other way round
            self.block(b, 'BRPOPLPUSH', dst, src, 0)
            p.call('LPUSH', dst, 'f')
            self.assertEqual(b.read().value, b'f')
            self.assertEqual(p.call('LRANGE', src, 0, -1), [b'f'])
            self.assertEqual(p.call('EXISTS', dst), 0)
            p.call('DEL', src)
            b.close()
            p.close()

    def test_keys_on_both_workers(self):
        k0, k1 = key_on(0, 'mk'), key_on(1, 'mk')
        for bw in range(NWORKERS):
            for push in (k0, k1):
                b, p = self.conn_on(bw), self.conn_on(1 - bw)
                self.block(b, 'BLPOP', k0, k1, 0)
                p.call('RPUSH', push, 'v')
                b.settimeout(SLOW)
                self.assertEqual(b.read().value, [push.encode(), b'v'])
                self.block(b, 'BLMPOP', 0, 2, k1, k0, 'RIGHT', 'COUNT', 5)
                p.call('RPUSH', push, 'a', 'b', 'c')
                self.assertEqual(b.read().value, [push.encode(), [b'c', b'b', b'a']])
                self.block(b, 'BZMPOP', 0, 2, k0, k1, 'MIN')
                p.call('ZADD', push, 2, 'two', 1, 'one')
                self.assertEqual(b.read().value, [push.encode(), [[b'one', b'1']]])
                p.call('DEL', k0, k1)
                b.close()
                p.close()

    def test_bzpopmin_python_redis(self):
        z = key_on(1, 'board')
        r = self.srv.client()
        got = []

        def waiter():
            with self.srv.client() as w:
                got.append(w.bzpopmin([z], timeout=10))
        th = threading.Thread(target=waiter)
        th.start()
        self.wait_blocked(1)
        r.zadd(z, {'alice': 10, 'bob': 3.5})
        th.join(SLOW)
        self.assertFalse(th.is_alive())
        self.assertEqual(got, [(z.encode(), b'bob', 3.5)])
        self.assertEqual(r.bzpopmax([z], timeout=1), (z.encode(), b'alice', 10.0))
        self.assertIsNone(r.bzpopmin([z], timeout=0.1))
        # python-redis BLPOP / BLMOVE with data present
        r.rpush('q{%s}' % z, 'j1')
        self.assertEqual(r.blpop(['q{%s}' % z], timeout=1), (b'q{%s}' % z.encode(), b'j1'))
        r.close()

    def test_disconnect_keeps_element(self):
        for kw in range(NWORKERS):
            for bw in range(NWORKERS):
                key = key_on(kw, 'dc%d' % bw)
                gone, nxt = self.conn_on(bw), self.conn_on(1 - bw)
                self.block(gone, 'BLPOP', key, 0)
                self.block(nxt, 'BLPOP', key, 0)
                gone.close()
                self.wait_blocked(1)
                self.ctl.call('RPUSH', key, 'x')
                nxt.settimeout(SLOW)
                self.assertEqual(nxt.read().value, [key.encode(), b'x'])
                nxt.close()
                # nobody left waiting: the element stays
                c = self.conn_on(bw)
                self.block(c, 'BLPOP', key, 0)
                c.close()
                self.wait_blocked(0)
                self.ctl.call('RPUSH', key, 'y')
                self.assertEqual(self.ctl.call('LLEN', key), 1)
                self.ctl.call('DEL', key)
        # a client blocked on keys of both workers
        k0, k1 = key_on(0, 'dcm'), key_on(1, 'dcm')
        c = self.conn_on(0)
        self.block(c, 'BLPOP', k0, k1, 0)
        c.close()
        self.wait_blocked(0)
        self.ctl.call('RPUSH', k1, 'z')
        self.assertEqual(self.ctl.call('LLEN', k1), 1)

    def test_client_list_and_unblock(self):
        k0, k1 = key_on(0, 'ub'), key_on(1, 'ub')
        for bw in range(NWORKERS):
            for cmd in (('BLPOP', k0, 0), ('BLPOP', k0, k1, 0),
                        ('BLMOVE', k1, k0, 'LEFT', 'LEFT', 0)):
                b = self.conn_on(bw)
                cid = b.call('CLIENT', 'ID')
                self.block(b, *cmd)
                lst = self.ctl.call('CLIENT', 'LIST').decode()
                line = [ln for ln in lst.split('\n') if ln.startswith('id=%d ' % cid)][0]
                self.assertIn(' flags=b ', line)
                self.assertEqual(self.ctl.call('CLIENT', 'UNBLOCK', cid), 1)
                b.settimeout(SLOW)
                self.assertEqual(b.read_raw(), b'*-1\r\n')
                self.block(b, *cmd)
                self.assertEqual(self.ctl.call('CLIENT', 'UNBLOCK', cid, 'ERROR'), 1)
                self.assertEqual(b.read_raw(),
                                 b'-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n')
                self.assertEqual(self.ctl.call('CLIENT', 'UNBLOCK', cid), 0)
                b.close()


class Shutdown(unittest.TestCase):
    def test_sigterm_with_blocked_clients(self):
        srv = wk.Server(directives={'threads': NWORKERS})
        conns = []
        try:
            for i in range(8):
                c = srv.conn()
                k0, k1 = key_on(0, 'st%d' % i), key_on(1, 'st%d' % i)
                cmd = [('BLPOP', k0, 0), ('BRPOP', k1, 0), ('BLPOP', k0, k1, 0),
                       ('BZPOPMIN', k1, 0)][i % 4]
                c.send(wk.encode(*cmd))
                conns.append(c)
            end = time.time() + SLOW
            while time.time() < end:
                with srv.conn() as ic:
                    info = ic.call('INFO', 'clients').decode()
                if 'blocked_clients:8' in info:
                    break
                time.sleep(0.01)
            self.assertIn('blocked_clients:8', info)
            t = time.time()
            srv.signal(signal.SIGTERM)
            rc = srv.wait(SLOW)
            took = time.time() - t
            self.assertEqual(rc, 0)
            # the graceful stop would give in-flight work 2 s: waiters must not hold it
            self.assertLess(took, 1.9)
            for c in conns:
                self.assertTrue(c.read_closed(SLOW))
        finally:
            for c in conns:
                c.close()
            srv.stop(check=False)


if __name__ == '__main__':
    unittest.main(verbosity=2)
