"""The DPDK data path end to end: wirekv-server --io-backend dpdk on a
net_tap device inside a network namespace this test creates, driven by
kernel clients (redis-cli, redis-benchmark, python3-redis) in the same
namespace, also under net-impair loss/reorder/duplication.

The server runs inside the namespace (ip netns exec): net_tap creates its
kernel interface there, the test gives it 198.18.0.1/24 and the server
answers on 198.18.0.2. (Moving a running tap into a namespace does not
work: the kernel detaches the tap's queues from DPDK's file descriptors.)
The test process itself enters the namespace (setns) to run its clients,
so nothing it sends can leave it: the namespace has lo and the tap, no
route out. DPDK always runs with --no-pci and --no-huge.

Skipped (exit 77) only when not root or DPDK/net_tap cannot run here.
"""

import ctypes
import gc
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wk  # noqa: E402

CLONE_NEWNET = 0x40000000
SERVER_IP = '198.18.0.2'
PEER_IP = '198.18.0.1'
PORT = 6379


def skip(why):
    sys.stderr.write('SKIP: %s\n' % why)
    sys.exit(wk.SKIP_EXIT)


def check_environment():
    if os.geteuid() != 0:
        skip('the DPDK data-path test needs root (network namespaces, net_tap)')
    for tool in ('ip', 'redis-cli', 'redis-benchmark'):
        wk.require_tools(tool)
    if not os.path.exists('/dev/net/tun'):
        skip('/dev/net/tun is missing: net_tap cannot run')
    if not os.path.exists(wk.wirekv_path()):
        skip('no wirekv-server at %s' % wk.wirekv_path())
    try:
        import redis  # noqa: F401
    except ImportError:
        skip('python3-redis is not installed')


_libc = ctypes.CDLL(None, use_errno=True)


def setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, 'setns: ' + os.strerror(e))


def run(*argv, check=True, timeout=10):
    return subprocess.run(list(argv), capture_output=True, timeout=timeout,
                          check=check)


class DpdkServer:
    """A namespace with wirekv on net_tap inside it. tag makes the names
    unique (several servers, several test runs at once)."""

    def __init__(self, tag, extra=()):
        self.tag = '%d%s' % (os.getpid(), tag)
        self.ns = 'wkdpdk' + self.tag
        self.iface = 'wk' + self.tag
        self.extra = list(extra)
        self.proc = None
        self.home_fd = None
        self.log = os.path.join('/tmp', 'wk-dpdk-%s.log' % self.tag)

    def dpdk_args(self):
        return ('-l 0-1 --no-pci --no-huge -m 1024 --vdev=net_tap0,iface=%s '
                '--file-prefix=wk%s' % (self.iface, self.tag))

    def start(self):
        run('ip', 'netns', 'add', self.ns)
        try:
            run('ip', 'netns', 'exec', self.ns, 'ip', 'link', 'set', 'lo', 'up')
            argv = ['ip', 'netns', 'exec', self.ns, wk.wirekv_path(),
                    '--io-backend', 'dpdk', '--ip', SERVER_IP + '/24',
                    '--port', str(PORT), '--dpdk-args', self.dpdk_args()] + self.extra
            with open(self.log, 'wb') as out:
                self.proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL)
            # the tap appears once EAL has probed it: a bounded wait
            end = time.time() + 30
            while time.time() < end:
                if self.proc.poll() is not None:
                    raise RuntimeError('wirekv exited with %s before its tap came up:\n%s'
                                       % (self.proc.returncode, self.output()[-3000:]))
                r = run('ip', 'netns', 'exec', self.ns, 'ip', 'link', 'show', self.iface,
                        check=False)
                if r.returncode == 0:
                    break
                time.sleep(0.1)
            else:
                raise RuntimeError('tap %s did not appear in 30 s:\n%s'
                                   % (self.iface, self.output()[-3000:]))
            run('ip', 'netns', 'exec', self.ns, 'ip', 'addr', 'add', PEER_IP + '/24',
                'dev', self.iface)
            run('ip', 'netns', 'exec', self.ns, 'ip', 'link', 'set', self.iface, 'up')
            self.enter()
            self.wait_ready()
        except BaseException:
            self.stop(check=False)
            raise
        return self

    def enter(self):
        """This process (and what it starts) joins the namespace."""
        self.home_fd = os.open('/proc/self/ns/net', os.O_RDONLY)
        fd = os.open('/var/run/netns/' + self.ns, os.O_RDONLY)
        try:
            setns(fd)
        finally:
            os.close(fd)

    def leave(self):
        if self.home_fd is not None:
            setns(self.home_fd)
            os.close(self.home_fd)
            self.home_fd = None

    def wait_ready(self, timeout=30.0):
        end = time.time() + timeout
        last = None
        while time.time() < end:
            if self.proc.poll() is not None:
                raise RuntimeError('wirekv exited: %s' % self.output()[-3000:])
            try:
                with self.conn(timeout=1.0) as c:
                    if c.cmd('PING').raw == b'+PONG\r\n':
                        return
            except (OSError, wk.Closed, wk.RespError) as e:
                last = e
            time.sleep(0.1)
        raise RuntimeError('no PONG from %s in %.0f s (%s):\n%s'
                           % (SERVER_IP, timeout, last, self.output()[-3000:]))

    def conn(self, timeout=20.0):
        return wk.Conn(PORT, timeout=timeout, host=SERVER_IP)

    def client(self, **kw):
        import redis
        return redis.Redis(host=SERVER_IP, port=PORT,
                           socket_timeout=kw.pop('socket_timeout', 30), **kw)

    def output(self):
        try:
            with open(self.log, 'rb') as f:
                return f.read().decode(errors='replace')
        except OSError:
            return ''

    def stop(self, check=True):
        """SIGTERM; the server must exit 0 (a sanitizer report, a crash or
        a hang fails). Always removes the namespace."""
        rc = None
        try:
            self.leave()
            if self.proc is not None:
                if self.proc.poll() is None:
                    self.proc.send_signal(signal.SIGTERM)
                    try:
                        self.proc.wait(timeout=20)
                    except subprocess.TimeoutExpired:
                        self.proc.kill()
                        self.proc.wait(timeout=10)
                        rc = 'hung'
                rc = self.proc.returncode if rc is None else rc
        finally:
            run('ip', 'netns', 'del', self.ns, check=False)
            # EAL leaves its runtime directory behind
            shutil.rmtree('/var/run/dpdk/wk' + self.tag, ignore_errors=True)
        out = self.output()
        try:
            os.unlink(self.log)
        except OSError:
            pass
        if check and rc != 0:
            raise AssertionError('wirekv (dpdk) exited with %s:\n%s' % (rc, out[-4000:]))
        return rc, out


def cli(*args, timeout=30):
    return subprocess.run(['redis-cli', '-h', SERVER_IP, '-p', str(PORT)] + list(args),
                          capture_output=True, timeout=timeout)


def payload(n, seed):
    rnd = random.Random(seed)
    return bytes(rnd.getrandbits(8) for _ in range(min(n, 4096))) * (n // 4096 + 1)


SIZES = [0, 1, 2, 100, 1000, 1459, 1460, 1461, 4095, 4096, 16384, 65535, 65536,
         100000, 262144, 1 << 20]


class DataPathChecks:
    """Checks shared by the clean and the impaired server."""
    server = None

    def info_net(self):
        with self.server.conn() as c:
            return c.call('INFO', 'net').decode()

    def test_values_0_to_1mb_intact(self):
        r = self.server.client()
        for i, n in enumerate(SIZES):
            v = payload(n, i)[:n]
            key = 'val:%s:%d' % (self.__class__.__name__, n)
            self.assertTrue(r.set(key, v))
            got = r.get(key)
            self.assertEqual(len(got), n)
            self.assertEqual(got, v, 'value of %d bytes came back changed' % n)
        # several big ones in one pipeline, both ways
        p = r.pipeline(transaction=False)
        vals = {'pipe:%d' % i: payload(300000 + i, 100 + i)[:300000 + i] for i in range(4)}
        for k, v in vals.items():
            p.set(k, v)
        self.assertEqual(p.execute(), [True] * 4)
        p = r.pipeline(transaction=False)
        for k in vals:
            p.get(k)
        self.assertEqual(p.execute(), list(vals.values()))

    def test_pipelining_raw(self):
        n = 2000
        with self.server.conn() as c:
            c.send(b''.join(wk.encode('SET', 'p%d' % i, 'v%d' % i) for i in range(n)))
            for i in range(n):
                self.assertEqual(c.read().raw, b'+OK\r\n')
            c.send(b''.join(wk.encode('GET', 'p%d' % i) for i in range(n)))
            for i in range(n):
                self.assertEqual(c.read().value, b'v%d' % i)

    def test_half_close_after_deep_pipeline(self):
        """A client pipelines more replies than the server buffers, then
        shutdown(SHUT_WR) (like a --pipe client): every reply arrives,
        then EOF. The server pauses reading on output back-pressure and
        resumes with commands still queued when the FIN comes."""
        val = payload(100000, 21)[:100000]
        r = self.server.client()
        self.assertTrue(r.set('hc', val))
        r.close()  # later tests count connected clients
        n = 64
        want = (b'$%d\r\n' % len(val) + val + b'\r\n') * n
        for _ in range(2):
            s = socket.create_connection((SERVER_IP, PORT), timeout=60)
            try:
                s.sendall(wk.encode('GET', 'hc') * n)
                s.shutdown(socket.SHUT_WR)
                got = bytearray()
                while True:
                    b = s.recv(1 << 20)
                    if not b:
                        break
                    got += b
            finally:
                s.close()
            self.assertEqual(len(got), len(want))
            self.assertTrue(bytes(got) == want, 'replies came back changed')

    @staticmethod
    def connected(c):
        info = c.call('INFO', 'clients').decode()
        return int(info.split('connected_clients:')[1].split()[0]) - 1  # not this one

    def wait_connected(self, want, timeout=30):
        """Clients other than ours, once at most want (or timeout). One
        conn asks throughout: a conn per question would count the last
        one's close when the server had not processed it yet."""
        with self.server.conn() as c:
            end = time.time() + timeout
            n = self.connected(c)
            while time.time() < end and n > want:
                time.sleep(0.2)
                n = self.connected(c)
            return n

    def test_concurrent_clients(self):
        gc.collect()  # redis-py clients of earlier tests let go of their sockets
        before = self.wait_connected(0)
        r = subprocess.run(['redis-benchmark', '-h', SERVER_IP, '-p', str(PORT), '-c', '64',
                            '-n', '3000', '-t', 'ping,set,get,incr', '-q'],
                           capture_output=True, timeout=240)
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors='replace'))
        out = r.stdout.decode(errors='replace')
        for t in ('PING', 'SET', 'GET', 'INCR'):
            self.assertIn(t, out)
        # all 64 closed, and the stack let go of them
        self.assertLessEqual(self.wait_connected(before), before)


class TestDpdk(DataPathChecks, unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = DpdkServer('a').start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_ping_and_startup_report(self):
        r = cli('PING')
        self.assertEqual(r.stdout, b'PONG\n')
        out = self.server.output()
        for what in ('DPDK port 0: driver net_tap, MAC', 'DPDK queues: 2 RX + 2 TX',
                     'lcores 0,1', 'DPDK offloads:', 'DPDK steering: software'):
            self.assertIn(what, out)

    def test_command_families(self):
        c = self.server.client()
        # strings
        self.assertTrue(c.set('s', 'hello'))
        self.assertEqual(c.append('s', ' world'), 11)
        self.assertEqual(c.get('s'), b'hello world')
        self.assertEqual(c.incrby('n', 5), 5)
        self.assertEqual(c.mset({'a{t}': '1', 'b{t}': '2'}), True)
        self.assertEqual(c.mget('a{t}', 'b{t}', 'nope'), [b'1', b'2', None])
        # keys, across both workers' shards
        for i in range(50):
            c.set('k:%d' % i, i)
        self.assertEqual(c.exists(*['k:%d' % i for i in range(50)]), 50)
        self.assertTrue(c.expire('k:0', 100))
        self.assertTrue(0 < c.ttl('k:0') <= 100)
        self.assertEqual(len(c.keys('k:*')), 50)
        self.assertEqual(c.delete(*['k:%d' % i for i in range(50)]), 50)
        # server
        self.assertGreaterEqual(c.dbsize(), 3)
        self.assertEqual(c.config_get('io-backend'), {'io-backend': 'dpdk'})
        self.assertEqual(c.config_get('ip'), {'ip': SERVER_IP + '/24'})
        info = self.info_net()
        self.assertIn('# Net', info)
        self.assertIn('lcore0:queue=0,rx_pkts=', info)
        self.assertIn('lcore1:queue=1,rx_pkts=', info)
        self.assertIn('busy_cycles=', info)
        self.assertEqual(c.info('wirekv')['io_backend'], 'dpdk')
        # the families wirekv has (hash, list, set, zset as they land)
        with self.server.conn() as raw:
            known = {d.decode() for d in raw.call('COMMAND', 'LIST')}
        if 'hset' in known:
            self.assertEqual(c.hset('h', mapping={'f': 'v', 'g': 'w'}), 2)
            self.assertEqual(c.hgetall('h'), {b'f': b'v', b'g': b'w'})
        if 'rpush' in known:
            self.assertEqual(c.rpush('l', 'a', 'b', 'c'), 3)
            self.assertEqual(c.lrange('l', 0, -1), [b'a', b'b', b'c'])
        if 'sadd' in known:
            self.assertEqual(c.sadd('st', 'x', 'y'), 2)
            self.assertEqual(c.smembers('st'), {b'x', b'y'})
        if 'zadd' in known:
            self.assertEqual(c.zadd('z', {'m': 1, 'n': 2}), 2)
            self.assertEqual(c.zrange('z', 0, -1), [b'm', b'n'])

    def test_clients_killed_mid_request(self):
        gc.collect()
        before = self.wait_connected(0)
        victims = []
        # half a 1 MB SET, then the client dies
        code = ('import socket,time;s=socket.create_connection(("%s",%d));'
                's.sendall(b"*3\\r\\n$3\\r\\nSET\\r\\n$4\\r\\nhalf\\r\\n$1000000\\r\\n"+b"x"*500000);'
                'time.sleep(30)' % (SERVER_IP, PORT))
        for _ in range(3):
            victims.append(subprocess.Popen(['/usr/bin/python3', '-c', code]))
        # and a benchmark killed while it runs
        victims.append(subprocess.Popen(['redis-benchmark', '-h', SERVER_IP, '-p', str(PORT),
                                         '-c', '20', '-n', '10000000', '-t', 'set', '-q'],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(1.5)
        for v in victims:
            v.kill()
            v.wait(timeout=10)
        # the server keeps serving others, and lets the dead clients go
        with self.server.conn() as c:
            self.assertEqual(c.call('SET', 'after-kill', 'ok'), b'OK')
            self.assertEqual(c.call('GET', 'after-kill'), b'ok')
            self.assertIsNone(c.call('GET', 'half'))
        # the dead clients' conns go (their kernel sent FIN or RST)
        self.assertLessEqual(self.wait_connected(before), before)


class TestDpdkImpaired(DataPathChecks, unittest.TestCase):
    """The same data under 2 % loss, 5 % reordering and 1 % duplication in
    both directions: nothing lost, nothing corrupted."""

    @classmethod
    def setUpClass(cls):
        cls.server = DpdkServer('b', ['--net-impair', 'loss 2 reorder 5 dup 1 seed 7']).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_impairment_happened(self):
        self.assertIn('DPDK net-impair: loss 2% reorder 5% dup 1%', self.server.output())
        r = self.server.client()
        for i in range(200):
            r.set('imp:%d' % i, 'x' * 3000)
        info = self.info_net()
        lost = sum(int(f.split('=')[1]) for line in info.splitlines()
                   for f in line.split(',') if f.startswith('impair_lost='))
        self.assertGreater(lost, 0, info)


class TestDpdkErrors(unittest.TestCase):

    def test_bad_dpdk_args_one_line_exit_1(self):
        p = subprocess.run([wk.wirekv_path(), '--io-backend', 'dpdk', '--ip', SERVER_IP + '/24',
                            '--dpdk-args', '--no-pci --bogus-flag -l 0 --no-huge -m 64 '
                            '--file-prefix=wkbad%d' % os.getpid()],
                           capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 1)
        err = p.stderr.decode(errors='replace').strip()
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertIn("unrecognized option '--bogus-flag'", err)
        self.assertIn('bad EAL argument', err)

    def test_no_such_port(self):
        # EAL starts (no device at all), the port does not exist
        p = subprocess.run([wk.wirekv_path(), '--io-backend', 'dpdk', '--ip', SERVER_IP + '/24',
                            '--dpdk-args', '--no-pci -l 0 --no-huge -m 256 '
                            '--file-prefix=wknp%d' % os.getpid()],
                           capture_output=True, timeout=60)
        shutil.rmtree('/var/run/dpdk/wknp%d' % os.getpid(), ignore_errors=True)
        self.assertEqual(p.returncode, 1)
        err = p.stderr.decode(errors='replace').strip()
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertIn('dpdk-port 0: no such port', err)

    def test_missing_ip(self):
        p = subprocess.run([wk.wirekv_path(), '--io-backend', 'dpdk', '--dpdk-args', '--no-pci'],
                           capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 1)
        self.assertIn("io-backend dpdk needs 'ip'", p.stderr.decode())


if __name__ == '__main__':
    check_environment()
    wk.main()
