#!/usr/bin/python3
"""Real clients against the server: redis-cli (plain, --pipe, -3), redis-py
in RESP2 over every command family, and RESP3 replies read off a raw socket
after HELLO 3."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wk  # noqa: E402

wk.require_tools('redis-cli')
try:
    import redis
except ImportError:
    sys.stderr.write('SKIP: python3 redis module is not installed\n')
    sys.exit(wk.SKIP_EXIT)


class RedisCli(unittest.TestCase):
    def setUp(self):
        self.srv = wk.Server()

    def tearDown(self):
        self.srv.stop()

    def cli(self, *args, **kw):
        p = wk.redis_cli(self.srv.port, *args, **kw)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.decode()

    def test_set_get_ping(self):
        self.assertEqual(self.cli('ping'), 'PONG\n')
        self.assertEqual(self.cli('set', 'foo', 'bar baz'), 'OK\n')
        self.assertEqual(self.cli('get', 'foo'), 'bar baz\n')
        self.assertEqual(self.cli('--no-raw', 'get', 'nosuch'), '(nil)\n')
        self.assertEqual(self.cli('--no-raw', 'incr', 'n'), '(integer) 1\n')
        self.assertEqual(self.cli('--no-raw', 'mget', 'foo', 'nosuch'),
                         '1) "bar baz"\n2) (nil)\n')
        out = self.cli('--no-raw', 'nosuchcommand', 'x')
        self.assertEqual(out, "(error) ERR unknown command 'nosuchcommand', "
                         "with args beginning with: 'x' \n")

    def test_pipe_mass_insert(self):
        n = 10000
        data = b''.join(wk.encode('SET', 'key:%d' % i, 'value:%d' % i)
                        for i in range(n))
        p = wk.redis_cli(self.srv.port, '--pipe', input=data, timeout=60)
        out = p.stdout.decode()
        self.assertEqual(p.returncode, 0, out + p.stderr.decode())
        self.assertIn('errors: 0, replies: %d' % n, out)
        self.assertEqual(self.cli('dbsize'), '%d\n' % n)
        self.assertEqual(self.cli('get', 'key:4321'), 'value:4321\n')
        self.assertEqual(self.cli('get', 'key:9999'), 'value:9999\n')

    def test_resp3_flag(self):
        self.cli('set', 'foo', 'bar')
        self.assertEqual(self.cli('-3', 'get', 'foo'), 'bar\n')
        self.assertEqual(self.cli('-3', '--no-raw', 'get', 'nosuch'),
                         '(nil)\n')
        self.assertEqual(self.cli('-3', '--no-raw', 'config', 'get',
                                  'maxmemory'),
                         '1# "maxmemory" => "0"\n')
        out = self.cli('-3', '--no-raw', 'hello', '3')
        self.assertIn('"proto" => (integer) 3', out)


class RedisPyResp2(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = wk.Server()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.r = self.srv.client()
        self.r.flushall()

    def tearDown(self):
        self.r.close()

    def test_strings(self):
        r = self.r
        self.assertTrue(r.set('s', 'v'))
        self.assertEqual(r.get('s'), b'v')
        self.assertIsNone(r.set('s', 'w', nx=True))
        self.assertTrue(r.set('s', 'w', xx=True))
        self.assertEqual(r.set('s', 'x', get=True), b'w')
        self.assertTrue(r.set('s', 'y', ex=100))
        self.assertEqual(r.ttl('s'), 100)
        self.assertTrue(r.set('s', 'y', px=100000))
        self.assertTrue(r.set('s', 'y', exat=4000000000))
        self.assertEqual(r.expiretime('s'), 4000000000)
        self.assertTrue(r.set('s', 'z', pxat=4000000000123))
        self.assertTrue(r.set('s', 'k', keepttl=True))
        self.assertEqual(r.pexpiretime('s'), 4000000000123)
        self.assertTrue(r.setnx('nx', 1))
        self.assertFalse(r.setnx('nx', 2))
        self.assertTrue(r.setex('ex', 50, 'v'))
        self.assertEqual(r.ttl('ex'), 50)
        self.assertTrue(r.psetex('px', 50000, 'v'))
        self.assertEqual(r.ttl('px'), 50)
        self.assertEqual(r.getset('gs', 'a'), None)
        self.assertEqual(r.getset('gs', 'b'), b'a')
        self.assertEqual(r.getdel('gs'), b'b')
        self.assertEqual(r.exists('gs'), 0)
        r.set('ge', 'v')
        self.assertEqual(r.getex('ge', ex=30), b'v')
        self.assertEqual(r.ttl('ge'), 30)
        self.assertEqual(r.getex('ge', persist=True), b'v')
        self.assertEqual(r.ttl('ge'), -1)
        self.assertTrue(r.mset({'a': 1, 'b': 2, 'c': 3}))
        self.assertEqual(r.mget('a', 'b', 'c', 'd'), [b'1', b'2', b'3', None])
        self.assertFalse(r.msetnx({'a': 5, 'z': 6}))
        self.assertTrue(r.msetnx({'y': 5, 'z': 6}))
        self.assertEqual(r.append('ap', 'hello'), 5)
        self.assertEqual(r.append('ap', ' world'), 11)
        self.assertEqual(r.strlen('ap'), 11)
        self.assertEqual(r.getrange('ap', 0, 4), b'hello')
        self.assertEqual(r.getrange('ap', -5, -1), b'world')
        self.assertEqual(r.substr('ap', 6, 7), b'wo')
        self.assertEqual(r.setrange('ap', 6, 'WORLD'), 11)
        self.assertEqual(r.get('ap'), b'hello WORLD')
        self.assertEqual(r.setrange('pad', 3, 'x'), 4)
        self.assertEqual(r.get('pad'), b'\x00\x00\x00x')
        self.assertEqual(r.incr('n'), 1)
        self.assertEqual(r.incrby('n', 10), 11)
        self.assertEqual(r.decr('n'), 10)
        self.assertEqual(r.decrby('n', 20), -10)
        self.assertEqual(r.incrbyfloat('f', 10.5), 10.5)
        self.assertEqual(r.incrbyfloat('f', 0.1), 10.6)
        self.assertEqual(r.get('f'), b'10.6')
        with self.assertRaises(redis.ResponseError) as cm:
            r.incr('ap')
        self.assertEqual(str(cm.exception),
                         'value is not an integer or out of range')
        r.mset({'{l}1': 'ohmytext', '{l}2': 'mynewtext'})
        self.assertEqual(r.lcs('{l}1', '{l}2'), b'mytext')
        self.assertEqual(r.lcs('{l}1', '{l}2', len=True), 6)

    def test_keys(self):
        r = self.r
        r.mset({'k1': 1, 'k2': 2, 'k3': 3, 'other': 4})
        self.assertEqual(r.exists('k1', 'k2', 'nosuch'), 2)
        self.assertEqual(r.type('k1'), b'string')
        self.assertEqual(r.type('nosuch'), b'none')
        self.assertEqual(r.delete('k1', 'nosuch'), 1)
        self.assertEqual(r.unlink('k2'), 1)
        self.assertEqual(r.touch('k3', 'other', 'x'), 2)
        self.assertEqual(r.dbsize(), 2)
        self.assertEqual(sorted(r.keys('*')), [b'k3', b'other'])
        self.assertEqual(sorted(r.scan_iter(match='k*')), [b'k3'])
        self.assertIn(r.randomkey(), (b'k3', b'other'))
        self.assertTrue(r.expire('k3', 100))
        self.assertEqual(r.ttl('k3'), 100)
        self.assertFalse(r.expire('k3', 50, gt=True))
        self.assertTrue(r.expire('k3', 50, lt=True))
        self.assertTrue(r.pexpire('k3', 200000))
        self.assertTrue(0 < r.pttl('k3') <= 200000)
        self.assertTrue(r.expireat('k3', 4000000000))
        self.assertEqual(r.expiretime('k3'), 4000000000)
        self.assertTrue(r.pexpireat('k3', 4000000000500))
        self.assertEqual(r.pexpiretime('k3'), 4000000000500)
        self.assertTrue(r.persist('k3'))
        self.assertEqual(r.ttl('k3'), -1)
        self.assertEqual(r.ttl('nosuch'), -2)
        self.assertTrue(r.rename('k3', 'k4'))
        self.assertFalse(r.renamenx('k4', 'other'))
        self.assertTrue(r.renamenx('k4', 'k5'))
        self.assertTrue(r.copy('k5', 'k6'))
        self.assertFalse(r.copy('k5', 'k6'))
        self.assertTrue(r.copy('k5', 'k6', replace=True))
        self.assertEqual(r.object('encoding', 'k6'), b'int')
        r.set('emb', 'hello')
        self.assertEqual(r.object('encoding', 'emb'), b'embstr')
        r.set('raw', 'x' * 100)
        self.assertEqual(r.object('encoding', 'raw'), b'raw')
        self.assertEqual(r.object('idletime', 'raw'), 0)
        self.assertIsInstance(r.object('refcount', 'raw'), int)

    def test_server(self):
        r = self.r
        self.assertTrue(r.ping())
        self.assertEqual(r.echo('hi'), b'hi')
        self.assertTrue(r.client_setname('me'))
        self.assertEqual(r.client_getname(), 'me')
        self.assertIsInstance(r.client_id(), int)
        self.assertTrue(any(c['name'] == 'me' for c in r.client_list()))
        self.assertEqual(r.client_info()['name'], 'me')
        self.assertEqual(r.config_get('maxmemory'), {'maxmemory': '0'})
        self.assertTrue(r.config_set('maxmemory', '10mb'))
        self.assertEqual(r.config_get('maxmemory'), {'maxmemory': '10485760'})
        self.assertTrue(r.config_set('maxmemory', '0'))
        self.assertTrue(r.config_resetstat())
        secs, usecs = r.time()
        self.assertTrue(secs > 1600000000 and 0 <= usecs < 1000000)
        self.assertGreater(r.command_count(), 20)
        info = r.info()
        self.assertIn('redis_version', info)
        self.assertIn('connected_clients', info)
        r.set('a', 1)
        self.assertEqual(r.info('keyspace'),
                         {'db0': {'keys': 1, 'expires': 0, 'avg_ttl': 0}})
        r1 = self.srv.client(db=1)
        r1.set('a', 'in-db1')
        self.assertEqual(r.get('a'), b'1')
        self.assertEqual(r1.get('a'), b'in-db1')
        self.assertTrue(r1.flushdb())
        self.assertEqual(r.dbsize(), 1)
        r1.close()
        self.assertIn(b'Value at', r.execute_command('DEBUG', 'OBJECT', 'a'))
        self.assertTrue(r.execute_command('DEBUG', 'SLEEP', '0'))
        self.assertIsInstance(r.execute_command('LATENCY', 'DOCTOR'), bytes)
        self.assertTrue(r.flushall())
        self.assertEqual(r.dbsize(), 0)

    def test_binary_safe(self):
        r = self.r
        for v in (b'\x00', b'a\x00b', b'\r\n', b'x\r\ny\r\n', b'\xff\xfe\x00',
                  bytes(range(256))):
            r.set(v, v)
            self.assertEqual(r.get(v), v)
            self.assertEqual(r.strlen(v), len(v))
        r.set(b'k\x00', b'1')
        self.assertEqual(r.get(b'k'), None)
        self.assertEqual(r.append(b'k\x00', b'\r\n\x00'), 4)
        self.assertEqual(r.get(b'k\x00'), b'1\r\n\x00')
        self.assertIn(b'k\x00', r.keys('k*'))

    def test_one_megabyte_values(self):
        r = self.r
        big = os.urandom(1 << 20)
        r.set('big', big)
        self.assertEqual(r.get('big'), big)
        self.assertEqual(r.strlen('big'), 1 << 20)
        self.assertEqual(r.append('big', big), 2 << 20)
        self.assertEqual(r.getrange('big', (1 << 20) - 3, (1 << 20) + 2),
                         big[-3:] + big[:3])
        vals = {'m%d' % i: os.urandom(1 << 20) for i in range(4)}
        r.mset(vals)
        self.assertEqual(r.mget(list(vals)), list(vals.values()))
        p = r.pipeline(transaction=False)
        for k in vals:
            p.get(k)
        self.assertEqual(p.execute(), list(vals.values()))


class Resp3Raw(unittest.TestCase):
    """RESP3 reply types after HELLO 3, checked byte for byte (the texts are
    redis-server 7.0's)."""

    @classmethod
    def setUpClass(cls):
        cls.srv = wk.Server()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.c = self.srv.conn()
        r = self.c.cmd('HELLO', '3')
        self.assertEqual(r.kind, '%')
        self.hello = dict(r.value)
        self.c.call('FLUSHALL')

    def tearDown(self):
        self.c.close()

    def test_hello_map(self):
        self.assertEqual(self.hello[b'proto'], 3)
        self.assertEqual(self.hello[b'mode'], b'standalone')
        self.assertEqual(self.hello[b'role'], b'master')
        self.assertEqual(self.hello[b'modules'], [])
        self.assertIsInstance(self.hello[b'id'], int)
        for k in (b'server', b'version'):
            self.assertIn(k, self.hello)

    def test_nulls(self):
        c = self.c
        self.assertEqual(c.cmd('GET', 'nosuch').raw, b'_\r\n')
        c.call('SET', 'a', '1')
        self.assertEqual(c.cmd('MGET', 'a', 'nosuch').raw,
                         b'*2\r\n$1\r\n1\r\n_\r\n')
        self.assertEqual(c.cmd('SET', 'a', '2', 'NX').raw, b'_\r\n')
        self.assertEqual(c.cmd('SET', 'new', '2', 'GET').raw, b'_\r\n')
        self.assertEqual(c.cmd('CLIENT', 'GETNAME').raw, b'_\r\n')
        self.assertEqual(c.cmd('OBJECT', 'ENCODING', 'nosuch').raw, b'_\r\n')
        self.assertEqual(c.cmd('GETDEL', 'nosuch').raw, b'_\r\n')
        self.assertEqual(c.cmd('COMMAND', 'INFO', 'nosuch').raw,
                         b'*1\r\n_\r\n')
        c.call('FLUSHALL')
        self.assertEqual(c.cmd('RANDOMKEY').raw, b'_\r\n')

    def test_maps(self):
        c = self.c
        self.assertEqual(c.cmd('CONFIG', 'GET', 'maxmemory').raw,
                         b'%1\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n')
        c.call('MSET', '{x}1', 'ohmytext', '{x}2', 'mynewtext')
        self.assertEqual(
            c.cmd('LCS', '{x}1', '{x}2', 'IDX', 'MINMATCHLEN', '4').raw,
            b'%2\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n'
            b'*2\r\n:5\r\n:8\r\n$3\r\nlen\r\n:6\r\n')
        r = c.cmd('CLIENT', 'INFO')
        self.assertEqual(r.kind, '=')
        self.assertTrue(r.value.startswith(b'txt:id='))

    def test_scalars(self):
        c = self.c
        # INCRBYFLOAT stays a bulk string in RESP3 (Redis 7.0)
        self.assertEqual(c.cmd('INCRBYFLOAT', 'f', '1.5').raw,
                         b'$3\r\n1.5\r\n')
        self.assertEqual(c.cmd('INCR', 'i').raw, b':1\r\n')
        self.assertEqual(c.cmd('PING').raw, b'+PONG\r\n')
        self.assertEqual(c.cmd('TTL', 'i').raw, b':-1\r\n')
        r = c.cmd('INFO', 'keyspace')
        self.assertEqual(r.kind, '=')
        self.assertEqual(r.value, b'txt:# Keyspace\r\n'
                         b'db0:keys=2,expires=0,avg_ttl=0\r\n')
        r = c.cmd('COMMAND', 'INFO', 'get')
        self.assertEqual(r.kind, '*')
        self.assertEqual(r.value[0][0], b'get')
        self.assertIn(b'~', r.raw)  # flags are a set in RESP3
        self.assertEqual(c.cmd('HELLO', '2').kind, '*')
        self.assertEqual(c.cmd('GET', 'nosuch').raw, b'$-1\r\n')


if __name__ == '__main__':
    wk.main()
