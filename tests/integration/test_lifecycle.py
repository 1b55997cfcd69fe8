#!/usr/bin/python3
"""Connection and process life: CLIENT KILL, QUIT, idle timeout, SIGTERM and
SIGINT (exit 0 after answering what was already sent), SHUTDOWN."""

import os
import signal
import sys
import socket
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wk  # noqa: E402


def client_field(conn, field):
    info = conn.call('CLIENT', 'INFO').decode()
    for kv in info.split():
        k, _, v = kv.partition('=')
        if k == field:
            return v
    raise KeyError(field)


class ClientKill(unittest.TestCase):
    threads = 1

    def setUp(self):
        self.srv = wk.Server(directives={'threads': self.threads})

    def tearDown(self):
        self.assertEqual(self.srv.stop(), 0)

    def test_kill_by_id(self):
        with self.srv.conn() as victim, self.srv.conn() as killer:
            vid = victim.call('CLIENT', 'ID')
            self.assertEqual(killer.cmd('CLIENT', 'KILL', 'ID', str(vid)).raw,
                             b':1\r\n')
            self.assertTrue(victim.read_closed())
            self.assertEqual(killer.cmd('CLIENT', 'KILL', 'ID', str(vid)).raw,
                             b':0\r\n')
            self.assertEqual(killer.cmd('PING').raw, b'+PONG\r\n')

    def test_kill_by_addr(self):
        with self.srv.conn() as victim, self.srv.conn() as killer:
            addr = client_field(victim, 'addr')
            self.assertEqual(
                '%s:%d' % victim.sock.getsockname(), addr)
            self.assertEqual(killer.cmd('CLIENT', 'KILL', 'ADDR', addr).raw,
                             b':1\r\n')
            self.assertTrue(victim.read_closed())
        with self.srv.conn() as victim, self.srv.conn() as killer:
            addr = client_field(victim, 'addr')
            # the old form: CLIENT KILL ip:port
            self.assertEqual(killer.cmd('CLIENT', 'KILL', addr).raw,
                             b'+OK\r\n')
            self.assertTrue(victim.read_closed())
            self.assertEqual(killer.cmd('CLIENT', 'KILL', addr).raw,
                             b'-ERR No such client\r\n')

    def test_kill_skipme(self):
        with self.srv.conn() as me:
            myid = str(me.call('CLIENT', 'ID'))
            addr = client_field(me, 'addr')
            self.assertEqual(me.cmd('CLIENT', 'KILL', 'ID', myid).raw,
                             b':0\r\n')
            self.assertEqual(me.cmd('CLIENT', 'KILL', 'ADDR', addr,
                                    'SKIPME', 'yes').raw, b':0\r\n')
            self.assertEqual(me.cmd('CLIENT', 'KILL', 'ID', myid,
                                    'SKIPME', 'maybe').raw,
                             b'-ERR syntax error\r\n')
            self.assertEqual(me.cmd('CLIENT', 'KILL', 'ID', 'abc').raw,
                             b'-ERR client-id should be greater than 0\r\n')
            self.assertEqual(me.cmd('CLIENT', 'KILL', 'ID', myid,
                                    'SKIPME', 'no').raw, b':1\r\n')
            self.assertTrue(me.read_closed())

    def test_kill_across_workers(self):
        # many clients, so that they land on different workers
        conns = [self.srv.conn() for _ in range(16)]
        try:
            ids = [c.call('CLIENT', 'ID') for c in conns]
            self.assertEqual(len(set(ids)), len(ids))
            with self.srv.conn() as killer:
                for i, c in enumerate(conns[:8]):
                    self.assertEqual(
                        killer.cmd('CLIENT', 'KILL', 'ID', str(ids[i])).raw,
                        b':1\r\n')
                    self.assertTrue(c.read_closed())
                listed = killer.call('CLIENT', 'LIST').decode()
                live = set(int(ln.split()[0][3:])
                           for ln in listed.splitlines() if ln)
                for i in range(16):
                    self.assertEqual(ids[i] in live, i >= 8, listed)
            for c in conns[8:]:
                self.assertEqual(c.cmd('PING').raw, b'+PONG\r\n')
        finally:
            for c in conns:
                c.close()

    def test_quit(self):
        with self.srv.conn() as c:
            c.send(wk.encode('QUIT') + wk.encode('PING'))
            self.assertEqual(c.read().raw, b'+OK\r\n')
            self.assertTrue(c.read_closed())
        with self.srv.conn() as c:
            self.assertEqual(c.cmd('PING').raw, b'+PONG\r\n')


    def test_kill_client_that_does_not_read(self):
        # Redis frees a killed client at once, pending output and all: a
        # client that stopped reading must not survive CLIENT KILL
        with self.srv.conn() as killer:
            self.assertEqual(killer.cmd('SET', 'big', 'x' * 1000000).raw, b'+OK\r\n')
            victim = self.srv.conn()
            victim.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            vid = victim.call('CLIENT', 'ID')
            victim.send(wk.encode('GET', 'big') * 200)
            time.sleep(0.5)
            self.assertEqual(killer.cmd('CLIENT', 'KILL', 'ID', str(vid)).raw, b':1\r\n')
            deadline = time.time() + 3
            while b'id=%d ' % vid in killer.cmd('CLIENT', 'LIST').raw:
                self.assertLess(time.time(), deadline, 'killed client still listed')
                time.sleep(0.05)
            self.assertEqual(killer.cmd('PING').raw, b'+PONG\r\n')
            victim.close()


class ClientKillThreads4(ClientKill):
    threads = 4


def tcp_states(port):
    """TCP states (hex, as in /proc/net/tcp) of the sockets bound to port,
    the listener excepted."""
    states = []
    with open('/proc/net/tcp') as f:
        next(f)
        for line in f:
            fields = line.split()
            local, state = fields[1], fields[3]
            if int(local.split(':')[1], 16) == port and state != '0A':
                states.append(state)
    return states


class SocketRelease(unittest.TestCase):
    """Every way a connection ends gives its socket back to the kernel:
    nothing stays in CLOSE_WAIT, no descriptor is left open, and
    no io_uring registered-file slot outlives its connection."""

    def open_fds(self, srv):
        return len(os.listdir('/proc/%d/fd' % srv.proc.pid))

    def registered_only(self, srv):
        """Sockets that an io_uring registered-file table of the server
        still holds but no fd of the server names: released connections
        whose socket the kernel cannot free. fdinfo lists the table as
        'UserFiles: N' followed by '  idx: socket:[inode]' lines."""
        fd_dir = '/proc/%d/fd' % srv.proc.pid
        open_links, held = set(), set()
        for fd in os.listdir(fd_dir):
            try:
                open_links.add(os.readlink(os.path.join(fd_dir, fd)))
                with open('/proc/%d/fdinfo/%s' % (srv.proc.pid, fd)) as f:
                    lines = f.read().splitlines()
            except OSError:
                continue
            in_table = False
            for line in lines:
                if line.startswith('UserFiles:'):
                    in_table = True
                elif in_table and ':' in line and line.startswith(' '):
                    held.add(line.split(':', 1)[1].strip())
                else:
                    in_table = False
        return sorted(held - open_links)

    def state(self, srv):
        held = sorted(st for st in tcp_states(srv.port) if st in ('01', '08'))
        return held, self.open_fds(srv), self.registered_only(srv)

    def wait_released(self, srv, fds_before):
        """Waits up to 5 s until the server holds no socket on its port
        ESTABLISHED (01) or in CLOSE_WAIT (08), its fd count is back to
        fds_before (None: any) and no registered slot outlives its fd.
        Returns the fd count."""
        deadline = time.time() + 5
        while True:
            held, fds, orphans = self.state(srv)
            if not held and not orphans and fds_before in (None, fds):
                return fds
            self.assertLess(time.time(), deadline,
                            'server sockets in states %s, %d fds open (%s before), '
                            'registered but closed: %s' % (held, fds, fds_before, orphans))
            time.sleep(0.05)

    def test_closed_connections_leave_no_socket(self):
        with wk.Server(directives={'threads': 2}) as srv:
            if wk.target() == 'wirekv':
                # registered files from Linux 6.13 on (uring.c says why)
                major, minor = (int(x) for x in os.uname().release.split('.')[:2])
                with srv.conn() as c:
                    net = c.call('INFO', 'net').decode()
                on = (major, minor) >= (6, 13)
                self.assertEqual('fixed_files=0,' not in net, on, net)
            fds_before = self.wait_released(srv, None)
            for rnd in range(3):
                conns = [srv.conn() for _ in range(40)]
                for i, c in enumerate(conns):
                    key = 'k%d:%d' % (rnd, i)
                    self.assertEqual(c.cmd('SET', key, key).raw, b'+OK\r\n')
                    self.assertEqual(c.call('GET', key), key.encode())
                with srv.conn() as killer:
                    for i, c in enumerate(conns):
                        if i % 3 == 0:
                            c.close()                      # the client hangs up
                        elif i % 3 == 1:
                            self.assertEqual(c.cmd('QUIT').raw, b'+OK\r\n')
                            self.assertTrue(c.read_closed())
                            c.close()
                        else:
                            cid = c.call('CLIENT', 'ID')
                            self.assertEqual(
                                killer.cmd('CLIENT', 'KILL', 'ID', str(cid)).raw,
                                b':1\r\n')
                            self.assertTrue(c.read_closed())
                            c.close()
                self.wait_released(srv, fds_before)


class IdleTimeout(unittest.TestCase):
    def test_client_that_does_not_read_times_out(self):
        # Redis's lastinteraction counts reads and writes only: a client
        # that stopped reading its replies is idle and times out
        with wk.Server(directives={'timeout': 1, 'hz': 50}) as s:
            with s.conn() as watcher:
                self.assertEqual(watcher.cmd('SET', 'big', 'x' * 1000000).raw, b'+OK\r\n')
                stuck = s.conn()
                stuck.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                sid = stuck.call('CLIENT', 'ID')
                stuck.send(wk.encode('GET', 'big') * 30)
                deadline = time.time() + 6
                while b'id=%d ' % sid in watcher.cmd('CLIENT', 'LIST').raw:
                    self.assertLess(time.time(), deadline, 'stuck client never timed out')
                    time.sleep(0.1)
                stuck.close()

    def test_idle_client_closed(self):
        with wk.Server(directives={'timeout': 1, 'hz': 50}) as s:
            idle = s.conn()
            busy = s.conn()
            self.assertEqual(idle.cmd('PING').raw, b'+PONG\r\n')
            t0 = time.time()
            closed = False
            while time.time() - t0 < 6:
                self.assertEqual(busy.cmd('PING').raw, b'+PONG\r\n')
                idle.settimeout(0.3)
                try:
                    d = idle.sock.recv(100)
                    if not d:
                        closed = True
                        break
                except OSError as e:
                    if not isinstance(e, TimeoutError):
                        closed = True
                        break
            took = time.time() - t0
            self.assertTrue(closed, 'idle client not closed within 6 s')
            self.assertGreaterEqual(took, 0.9)
            self.assertEqual(busy.cmd('PING').raw, b'+PONG\r\n')
            idle.close()
            busy.close()


class Signals(unittest.TestCase):
    def batch_then_signal(self, sig, threads):
        s = wk.Server(directives={'threads': threads})
        try:
            with s.conn(timeout=20) as c:
                n = 20000
                keys = ['k%d' % (i % 500) for i in range(n)]
                c.send(b''.join(wk.encode('INCR', k) for k in keys))
                first = c.read()  # the server is working on the batch
                self.assertEqual(first.raw, b':1\r\n')
                s.signal(sig)
                counts = {keys[0]: 1}
                for i in range(1, n):
                    counts[keys[i]] = counts.get(keys[i], 0) + 1
                    r = c.read()
                    self.assertEqual(r.raw, b':%d\r\n' % counts[keys[i]],
                                     'reply %d after the signal' % i)
            self.assertEqual(s.wait(10), 0, s.stderr()[-2000:])
            self.assertFalse(wk.port_open(s.port))
        finally:
            s.stop()

    def test_sigterm(self):
        self.batch_then_signal(signal.SIGTERM, 1)

    def test_sigint(self):
        self.batch_then_signal(signal.SIGINT, 1)

    def test_sigterm_threads4(self):
        self.batch_then_signal(signal.SIGTERM, 4)

    def test_sigterm_idle_clients(self):
        s = wk.Server(directives={'threads': 2})
        conns = [s.conn() for _ in range(10)]
        s.signal(signal.SIGTERM)
        self.assertEqual(s.wait(10), 0)
        for c in conns:
            self.assertTrue(c.read_closed())
            c.close()
        s.stop()

    def test_shutdown_command(self):
        for args in (('SHUTDOWN',), ('SHUTDOWN', 'NOSAVE'),
                     ('shutdown', 'now')):
            s = wk.Server(directives={'threads': 2})
            with s.conn() as c, s.conn() as other:
                c.send(wk.encode(*args))
                self.assertTrue(c.read_closed(), args)
                self.assertTrue(other.read_closed(), args)
            self.assertEqual(s.wait(10), 0, args)
            self.assertFalse(wk.port_open(s.port))
            s.stop()


if __name__ == '__main__':
    wk.main()
