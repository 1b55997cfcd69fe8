#!/usr/bin/python3
"""Protocol errors and hostile clients: each protocol error gets Redis's exact
reply and the connection is closed while other clients go on being served;
garbage, half-sent requests and clients that never read do no harm."""

import os
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wk  # noqa: E402

PE = b'-ERR Protocol error: '

# (request bytes, replies before the error, error reply); the texts are
# redis-server 7.0.15's.
PROTOCOL_ERRORS = [
    (b'*abc\r\n', b'', PE + b'invalid multibulk length\r\n'),
    (b'*3000000000\r\n', b'', PE + b'invalid multibulk length\r\n'),
    (b'*1\r\n$abc\r\n', b'', PE + b'invalid bulk length\r\n'),
    (b'*1\r\n$-1\r\n', b'', PE + b'invalid bulk length\r\n'),
    (b'*1\r\n$536870913\r\n', b'', PE + b'invalid bulk length\r\n'),
    (b'*1\r\nx\r\n', b'', PE + b"expected '$', got 'x'\r\n"),
    (b'*2\r\n$4\r\nECHO\r\n:1\r\n', b'', PE + b"expected '$', got ':'\r\n"),
    (b'set "a\r\n', b'', PE + b'unbalanced quotes in request\r\n'),
    (b"set 'a\r\n", b'', PE + b'unbalanced quotes in request\r\n'),
    (b'set "a"b c\r\n', b'', PE + b'unbalanced quotes in request\r\n'),
    (b'a' * 70000, b'', PE + b'too big inline request\r\n'),
    (b'*' + b'1' * 70000, b'', PE + b'too big mbulk count string\r\n'),
    (b'*1\r\n$' + b'1' * 70000, b'', PE + b'too big bulk count string\r\n'),
    (b'PING\r\n*1\r\n$4\r\nPING\r\n*x\r\n', b'+PONG\r\n+PONG\r\n',
     PE + b'invalid multibulk length\r\n'),
    (wk.encode('SET', 'k', 'v') + b'*1\r\n$x\r\n', b'+OK\r\n',
     PE + b'invalid bulk length\r\n'),
]



def _vsz_kb(srv):
    try:
        with open(f'/proc/{srv.proc.pid}/status') as f:
            for line in f:
                if line.startswith('VmSize:'):
                    return int(line.split()[1])
    except (OSError, AttributeError):
        return None
    return None

class Protocol(unittest.TestCase):
    threads = 1

    def setUp(self):
        self.srv = wk.Server(directives={'threads': self.threads})
        self.other = self.srv.conn()
        self.assertEqual(self.other.cmd('SET', 'k0', 'v0').raw, b'+OK\r\n')

    def tearDown(self):
        self.other.close()
        code = self.srv.stop()
        self.assertEqual(code, 0, 'server did not exit cleanly: %r' % code)

    def assert_other_served(self, within=2.0):
        self.other.settimeout(within)
        t = time.time()
        self.assertEqual(self.other.cmd('GET', 'k0').raw, b'$2\r\nv0\r\n')
        self.assertLess(time.time() - t, within)
        self.other.settimeout(10)

    def test_protocol_errors(self):
        for req, before, err in PROTOCOL_ERRORS:
            with self.srv.conn() as c:
                c.send(req)
                got = b''
                c.settimeout(5)
                want = before + err
                while len(got) < len(want):
                    try:
                        d = c.sock.recv(65536)
                    except socket.timeout:
                        break
                    if not d:
                        break
                    got += d
                self.assertEqual(got, want, 'request %r' % req[:40])
                self.assertTrue(c.read_closed(),
                                'connection left open after %r' % req[:40])
            self.assert_other_served()

    def test_not_errors(self):
        # edge cases Redis accepts: empty lines, '*0', '*-1', huge counts
        with self.srv.conn() as c:
            c.send(b'\r\n\r\n  \r\nPING\r\n*0\r\n*-1\r\nPING\r\n')
            self.assertEqual(c.read().raw, b'+PONG\r\n')
            self.assertEqual(c.read().raw, b'+PONG\r\n')
            # a big (allowed) count: the server waits for the arguments
            c.send(b'*1048577\r\n$4\r\nECHO\r\n')
            c.settimeout(0.5)
            with self.assertRaises(socket.timeout):
                c.read()

    def test_huge_count_reserves_nothing(self):
        # Redis 7 accepts counts up to INT_MAX and waits for the arguments;
        # the announced count must not make the server reserve memory for
        # it (argv grows as arguments arrive), and a command that does
        # arrive in full afterwards on another connection is served.
        vsz_before = _vsz_kb(self.srv)
        with self.srv.conn() as c:
            c.send(b'*2147483647\r\n' + b'$4\r\nECHO\r\n' * 40)
            c.settimeout(0.5)
            with self.assertRaises(socket.timeout):
                c.read()
            with self.srv.conn() as other:
                self.assertEqual(other.cmd('PING').raw, b'+PONG\r\n')
            if vsz_before is not None:
                self.assertLess(_vsz_kb(self.srv) - vsz_before, 1024 * 1024)

    def test_unknown_command_and_arity(self):
        with self.srv.conn() as c:
            self.assertEqual(
                c.cmd('NOSUCH', 'a', 'b').raw,
                b"-ERR unknown command 'NOSUCH', with args beginning with: "
                b"'a' 'b' \r\n")
            self.assertEqual(c.cmd('nosuch').raw,
                             b"-ERR unknown command 'nosuch', with args "
                             b"beginning with: \r\n")
            self.assertEqual(c.cmd('GET').raw,
                             b"-ERR wrong number of arguments for 'get' "
                             b"command\r\n")
            self.assertEqual(c.cmd('get', 'a', 'b').raw,
                             b"-ERR wrong number of arguments for 'get' "
                             b"command\r\n")
            self.assertEqual(c.cmd('CLIENT', 'NOSUCH').raw,
                             b"-ERR unknown subcommand 'NOSUCH'. Try CLIENT "
                             b"HELP.\r\n")
            self.assertEqual(c.cmd('CONFIG', 'GET').raw,
                             b"-ERR wrong number of arguments for "
                             b"'config|get' command\r\n")
            c.send(b'nosuch "a b"\r\n')
            self.assertEqual(c.read().raw,
                             b"-ERR unknown command 'nosuch', with args "
                             b"beginning with: 'a b' \r\n")
            self.assertEqual(c.cmd('PING').raw, b'+PONG\r\n')

    def test_50mb_garbage(self):
        data = os.urandom(50 << 20)
        c = self.srv.conn()
        sent = 0
        try:
            c.settimeout(30)
            while sent < len(data):
                sent += c.sock.send(data[sent:sent + (1 << 20)])
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server closed on the first protocol error
        self.assertTrue(c.read_closed(10), 'garbage connection not closed')
        c.close()
        self.assert_other_served()
        self.assertIsNone(self.srv.proc.poll())

    def test_garbage_on_many_connections(self):
        for i in range(20):
            with self.srv.conn() as c:
                try:
                    c.send(os.urandom(100000))
                except (BrokenPipeError, ConnectionResetError):
                    pass
        self.assert_other_served()

    def test_disconnect_mid_bulk(self):
        for cut in (3, 10, 25, 40):
            req = wk.encode('SET', 'half', 'x' * 100000)
            with self.srv.conn() as c:
                c.send(req[:cut])
            with self.srv.conn() as c:
                c.send(wk.encode('SET', 'half', 'y' * 100)[:20])
                c.send(b'')
        c = self.srv.conn()
        c.send(b'*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$100000\r\nabc')
        c.sock.shutdown(socket.SHUT_WR)
        c.close()
        self.assert_other_served()
        self.assertEqual(self.other.cmd('GET', 'half').raw, b'$-1\r\n')
        self.assertEqual(self.other.cmd('DBSIZE').raw, b':1\r\n')

    def test_client_that_never_reads(self):
        big = b'z' * 100000
        self.other.call('SET', 'big', big)
        hog = self.srv.conn()
        hog.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        req = wk.encode('GET', 'big') * 10000
        done = threading.Event()

        def flood():
            try:
                hog.sock.settimeout(60)
                hog.sock.sendall(req)
            except OSError:
                pass
            done.set()
        t = threading.Thread(target=flood, daemon=True)
        t.start()
        time.sleep(0.5)
        for _ in range(20):
            self.assert_other_served(within=1.0)
            with self.srv.conn(timeout=2) as c:
                self.assertEqual(c.cmd('GET', 'k0').raw, b'$2\r\nv0\r\n')
            time.sleep(0.05)
        hog.close()
        t.join(10)
        self.assert_other_served()


class ProtocolThreads4(Protocol):
    threads = 4


# Raw byte streams whose whole answer (and whether the connection is closed
# afterwards) must be the same as redis-server's: inline quoting, odd but
# legal multibulk framing, several requests in one segment.
RAW_CASES = [
    b'set a "x\\x41y"\r\nget a\r\n', b'set a "\\n\\t\\\\"\r\nget a\r\n',
    b"set a 'it\\'s'\r\nget a\r\n", b'set a ""\r\nget a\r\n',
    b'echo "a" "b"\r\n', b'  ping   \r\n', b'ping\n', b'ping\r',
    b'ping\rping\r\n', b'*1\r\n$4\r\nping\r\n*1\r\n$4\r\nping',
    b'*2\r\n$4\r\necho\r\n$0\r\n\r\n', b'*1\r\n$0\r\n\r\n',
    b'*2\r\n$3\r\nget\r\n$1\r\nab\r\n', b'*1\r\n$4\r\nping\n\n',
    b'*1 \r\n$4\r\nping\r\n', b'*+1\r\n$4\r\nping\r\n',
    b'*01\r\n$04\r\nping\r\n', b'*1\r\n$4 \r\nping\r\n',
    b'*1\r\n$+4\r\nping\r\n', b'*\r\n', b'$4\r\nping\r\n',
    b'echo "\\xzz"\r\n', b'echo "\\x4"\r\n', b'echo "a\\"b"\r\n',
    b'echo \'a"b\'\r\n', b'echo a"b"\r\n', b'echo "a"\'b\'\r\n',
    b'*3\r\n$3\r\nset\r\n$1\r\nk\r\n$-1\r\n', b'*1\r\n$2147483648\r\n',
    b'*2147483648\r\n', b'*-2\r\nping\r\n', b'\x00\r\n',
    b'*1\r\n$4\r\nPING\r\n' * 3, b'PING\r\n' * 3,
    b'*2\r\n$4\r\necho\r\n$3\r\nabc\r\n*1\r\n$4\r\nPING\r\n',
    b'set k v\r\nobject encoding k\r\n', b'quit\r\nping\r\n',
    b'*1\r\n$4\r\nquit\r\nping\r\n', b'echo ' + b'a' * 70000 + b'\r\n',
    b'*1\r\n$70000\r\n' + b'a' * 70000 + b'\r\n',
    b'*1048577\r\n$4\r\nECHO\r\n',
]


def raw_exchange(port, data, quiet=0.25, first=1.0):
    """Send data, collect everything until the server is quiet for `quiet`
    seconds (`first` for the first bytes: a loaded machine may be slow to
    answer at all) or closes; returns the bytes plus a <CLOSED> mark."""
    s = socket.create_connection(('127.0.0.1', port), timeout=5)
    try:
        s.sendall(data)
    except OSError:
        pass
    s.settimeout(first)
    out = b''
    try:
        while True:
            d = s.recv(1 << 20)
            if not d:
                out += b'<CLOSED>'
                break
            out += d
            s.settimeout(quiet)
    except socket.timeout:
        pass
    except ConnectionResetError:
        out += b'<CLOSED>'
    s.close()
    return out


class RawDifferential(unittest.TestCase):
    def test_same_bytes_as_redis(self):
        with wk.Server(kind='redis') as ref, \
                wk.Server(directives={'threads': 2}) as dut:
            bad = []
            for case in RAW_CASES:
                a = raw_exchange(ref.port, case)
                b = raw_exchange(dut.port, case)
                if a != b:
                    bad.append('%r\n    expected %r\n    got      %r'
                               % (case[:60], a[:200], b[:200]))
            self.assertFalse(bad, '\n'.join(bad))


if __name__ == '__main__':
    wk.main()
