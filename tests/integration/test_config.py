#!/usr/bin/python3
"""Configuration: refused files, overrides, include, CONFIG GET/SET/RESETSTAT,
requirepass, maxclients, maxmemory, databases."""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wk  # noqa: E402

IS_WIREKV = wk.target() == 'wirekv'


class BadConfig(unittest.TestCase):
    """A file wirekv cannot use: exit status 1, one line on stderr naming the
    file, the line and the directive, and nothing listening. (redis-server
    prints a multi-line report without the file name; that is all the
    reference run checks.)"""

    def refused(self, config, lineno, directive, files=None, args=()):
        rc, err, port, path, listening = wk.run_config_error(
            config=config, files=files, args=args)
        self.assertEqual(rc, 1, 'exit status %r, output %r' % (rc, err))
        self.assertFalse(listening, 'something listens on the port')
        if IS_WIREKV:
            lines = err.strip().splitlines()
            self.assertEqual(len(lines), 1, 'want one line, got %r' % err)
            return lines[0], path
        if lineno is not None:
            self.assertIn('line %d' % lineno, err)
        return err, path

    def check_line(self, line, path, lineno, directive):
        if IS_WIREKV:
            self.assertIn(path, line)
            self.assertIn(':%d' % lineno, line)
        self.assertIn(directive, line)

    def test_unknown_directive(self):
        line, path = self.refused('port @PORT@\n# comment\nfoo-bar 1\n', 3,
                                  'foo-bar')
        self.check_line(line, path, 3, 'foo-bar')

    def test_bad_values(self):
        for directive, value in (('maxmemory', 'abc'), ('port', '99999'),
                                 ('maxclients', 'many'), ('databases', '0'),
                                 ('maxmemory-policy', 'nosuch'),
                                 ('loglevel', 'loud'), ('timeout', '-5'),
                                 ('hz', 'x')):
            conf = 'port @PORT@\n\n%s %s\n' % (directive, value)
            line, path = self.refused(conf, 3, directive)
            self.check_line(line, path, 3, directive)

    def test_wrong_number_of_arguments(self):
        line, path = self.refused('port @PORT@\nmaxmemory\n', 2, 'maxmemory')
        self.check_line(line, path, 2, 'maxmemory')

    def test_bad_include(self):
        line, path = self.refused('port @PORT@\ninclude @DIR@/missing.conf\n',
                                  None, 'include')
        self.assertIn('missing.conf', line)
        if IS_WIREKV:
            self.check_line(line, path, 2, 'include')

    def test_error_inside_included_file(self):
        line, _ = self.refused('port @PORT@\ninclude @DIR@/inc.conf\n', 2,
                               'nosuch-directive',
                               files={'inc.conf': 'timeout 5\n'
                                      'nosuch-directive yes\n'})
        if IS_WIREKV:
            self.assertIn('inc.conf:2', line)

    def test_unreadable_file(self):
        rc, err, port, _, listening = wk.run_config_error(
            args=['/nonexistent/wirekv.conf', '--port', '@PORT@'])
        self.assertEqual(rc, 1, err)
        self.assertFalse(listening)
        self.assertIn('/nonexistent/wirekv.conf', err)
        if IS_WIREKV:
            self.assertEqual(len(err.strip().splitlines()), 1, err)

    def test_bad_command_line_directive(self):
        rc, err, port, _, listening = wk.run_config_error(
            args=['--port', '@PORT@', '--no-such-directive', '1'])
        self.assertEqual(rc, 1, err)
        self.assertFalse(listening)
        self.assertIn('no-such-directive', err)


class GoodConfig(unittest.TestCase):
    def test_command_line_overrides_file(self):
        with wk.Server(config='maxmemory 1mb\ntimeout 30\nport 1\n',
                       directives={'maxmemory': '2mb'}) as s, s.conn() as c:
            self.assertEqual(c.call('CONFIG', 'GET', 'maxmemory'),
                             [b'maxmemory', b'2097152'])
            self.assertEqual(c.call('CONFIG', 'GET', 'timeout'),
                             [b'timeout', b'30'])

    def test_include(self):
        s = wk.Server(start=False)
        inc = os.path.join(s.tmpdir, 'inc.conf')
        with open(inc, 'w') as f:
            f.write('# included\nmaxmemory 3mb\n  timeout   77  \n')
        s.config = 'hz 10\ninclude %s\nmaxmemory-policy "allkeys-lru"\n' % inc
        s.start()
        try:
            with s.conn() as c:
                self.assertEqual(c.call('CONFIG', 'GET', 'maxmemory'),
                                 [b'maxmemory', b'3145728'])
                self.assertEqual(c.call('CONFIG', 'GET', 'timeout'),
                                 [b'timeout', b'77'])
                self.assertEqual(c.call('CONFIG', 'GET', 'maxmemory-policy'),
                                 [b'maxmemory-policy', b'allkeys-lru'])
        finally:
            s.stop()

    def test_config_get_set_resetstat(self):
        with wk.Server() as s, s.conn() as c:
            self.assertEqual(c.call('CONFIG', 'SET', 'timeout', '123'), b'OK')
            self.assertEqual(c.call('CONFIG', 'GET', 'timeout'),
                             [b'timeout', b'123'])
            self.assertEqual(c.call('CONFIG', 'SET', 'maxmemory', '5mb',
                                    'maxmemory-policy', 'allkeys-random'),
                             b'OK')
            self.assertEqual(c.call('CONFIG', 'GET', 'maxmemory'),
                             [b'maxmemory', b'5242880'])
            self.assertEqual(c.call('CONFIG', 'GET', 'maxmemory-policy'),
                             [b'maxmemory-policy', b'allkeys-random'])
            # a bad pair makes the whole CONFIG SET fail
            r = c.cmd('CONFIG', 'SET', 'timeout', '5', 'maxmemory', 'abc')
            self.assertEqual(
                r.raw, b"-ERR CONFIG SET failed (possibly related to argument"
                b" 'maxmemory') - argument must be a memory value\r\n")
            self.assertEqual(c.call('CONFIG', 'GET', 'timeout'),
                             [b'timeout', b'123'])
            r = c.cmd('CONFIG', 'SET', 'hz', '11', 'databases', '3')
            self.assertEqual(
                r.raw, b"-ERR CONFIG SET failed (possibly related to argument"
                b" 'databases') - can't set immutable config\r\n")
            # the setting reaches every connection
            with s.conn() as c2:
                self.assertEqual(c2.call('CONFIG', 'GET', 'timeout'),
                                 [b'timeout', b'123'])
            for _ in range(20):
                c.call('PING')
            before = self.stat(c, 'total_commands_processed')
            self.assertGreater(before, 20)
            self.assertEqual(c.call('CONFIG', 'RESETSTAT'), b'OK')
            after = self.stat(c, 'total_commands_processed')
            self.assertLess(after, 5)

    def stat(self, c, name):
        for line in c.call('INFO', 'stats').decode().splitlines():
            if line.startswith(name + ':'):
                return int(line.split(':')[1])
        self.fail('INFO stats has no %s' % name)

    def test_config_set_on_threads(self):
        with wk.Server(directives={'threads': 4}) as s, s.conn() as c:
            c.call('CONFIG', 'SET', 'maxmemory', '1')
            # every worker must refuse writes now, whatever slot
            for k in ('a', 'b', 'c', 'foo', 'bar', 'k1', 'k2', 'k3'):
                r = c.cmd('SET', k, 'v')
                self.assertEqual(r.raw, OOM, k)
            c.call('CONFIG', 'SET', 'maxmemory', '0')
            for k in ('a', 'b', 'c', 'foo', 'bar', 'k1', 'k2', 'k3'):
                self.assertEqual(c.call('SET', k, 'v'), b'OK')


OOM = b"-OOM command not allowed when used memory > 'maxmemory'.\r\n"


def no_sys_resource():
    """A command prefix that drops CAP_SYS_RESOURCE (which may raise a
    hard limit) when this process has it."""
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('CapEff:') and int(line.split()[1], 16) & (1 << 24):
                return ['setpriv', '--bounding-set=-sys_resource', '--']
    return []


class Limits(unittest.TestCase):
    def test_requirepass(self):
        with wk.Server(directives={'requirepass': 's3cret'}) as s:
            with s.conn() as c:
                self.assertEqual(c.cmd('PING').raw,
                                 b'-NOAUTH Authentication required.\r\n')
                self.assertEqual(c.cmd('GET', 'a').raw,
                                 b'-NOAUTH Authentication required.\r\n')
                self.assertEqual(
                    c.cmd('AUTH', 'wrong').raw,
                    b'-WRONGPASS invalid username-password pair or user is'
                    b' disabled.\r\n')
                self.assertEqual(c.cmd('AUTH', 's3cret').raw, b'+OK\r\n')
                self.assertEqual(c.cmd('SET', 'a', '1').raw, b'+OK\r\n')
                self.assertEqual(c.cmd('AUTH', 'default', 's3cret').raw,
                                 b'+OK\r\n')
                self.assertEqual(c.cmd('AUTH', 'a', 'b', 'c').raw,
                                 b'-ERR syntax error\r\n')
            with s.conn() as c:
                r = c.cmd('HELLO', '3')
                self.assertEqual(
                    r.raw, b'-NOAUTH HELLO must be called with the client '
                    b'already authenticated, otherwise the HELLO AUTH'
                    b' <user> <pass> option can be used to authenticate the '
                    b'client and select the RESP protocol version at the same'
                    b' time\r\n')
                r = c.cmd('HELLO', '3', 'AUTH', 'default', 'bad')
                self.assertEqual(
                    r.raw, b'-WRONGPASS invalid username-password pair or '
                    b'user is disabled.\r\n')
                r = c.cmd('HELLO', '3', 'AUTH', 'default', 's3cret')
                self.assertEqual(r.kind, '%')
                self.assertEqual(c.cmd('GET', 'a').raw, b'$1\r\n1\r\n')
            p = wk.redis_cli(s.port, '--no-auth-warning', '-a', 's3cret',
                             'get', 'a')
            self.assertEqual(p.stdout, b'1\n')

    def test_maxclients(self):
        with wk.Server(directives={'maxclients': 3}) as s:
            # the readiness probe's connection may not be reaped yet (its
            # EOF can reach another worker after our connects): retry,
            # bounded, until each of the three gets a slot
            conns = []
            for _ in range(3):
                for _ in range(50):
                    c = s.conn()
                    try:
                        if c.cmd('PING').raw == b'+PONG\r\n':
                            conns.append(c)
                            break
                    except (wk.Closed, OSError):
                        pass
                    c.close()
                    time.sleep(0.05)
                else:
                    self.fail('no client slot within maxclients 3')
            extra = s.conn()
            try:
                r = extra.read()
                self.assertEqual(r.raw,
                                 b'-ERR max number of clients reached\r\n')
                self.assertTrue(extra.read_closed())
            finally:
                extra.close()
            for c in conns:
                self.assertEqual(c.cmd('PING').raw, b'+PONG\r\n')
            conns.pop().close()
            # a slot is free again (bounded wait for the close to be seen)
            for _ in range(50):
                with s.conn() as c:
                    try:
                        if c.cmd('PING').raw == b'+PONG\r\n':
                            break
                    except (wk.Closed, OSError):
                        pass
                time.sleep(0.05)
            else:
                self.fail('no client slot freed after a close')
            for c in conns:
                c.close()

    def open_files_limit(self, pid):
        with open('/proc/%d/limits' % pid) as f:
            for line in f:
                if line.startswith('Max open files'):
                    return int(line.split()[3])
        self.fail('no open files limit in /proc/%d/limits' % pid)

    def test_open_files_limit_raised_for_maxclients(self):
        # like redis-server: a soft limit too small for maxclients is raised
        prefix = ['prlimit', '--nofile=128:4096', '--']
        with wk.Server(directives={'maxclients': 1000, 'threads': 2}, prefix=prefix) as s:
            self.assertGreaterEqual(self.open_files_limit(s.proc.pid), 1000 + 32)
            conns = [s.conn() for _ in range(300)]
            for i, c in enumerate(conns):
                self.assertEqual(c.cmd('SET', 'k%d' % i, 'v').raw, b'+OK\r\n')
            with s.conn() as c:
                self.assertEqual(c.call('CONFIG', 'GET', 'maxclients'),
                                 [b'maxclients', b'1000'])
                self.assertEqual(c.call('DBSIZE'), 300)
                # CONFIG SET raises it further, up to the hard limit
                self.assertEqual(c.call('CONFIG', 'SET', 'maxclients', '3000'), b'OK')
                self.assertGreaterEqual(self.open_files_limit(s.proc.pid), 3000 + 32)
                reserved = 32 + 2 * (2 + 1)
                r = c.cmd('CONFIG', 'SET', 'maxclients', '5000')
                prefix = (b"-ERR CONFIG SET failed (possibly related to argument "
                          b"'maxclients') - The operating system is not able to handle the "
                          b"specified number of clients, try with ")
                self.assertTrue(r.raw.startswith(prefix), r.raw)
                self.assertEqual(c.call('CONFIG', 'GET', 'maxclients'),
                                 [b'maxclients', b'3000'])
                # Redis's search backs off 16 at a time from what was asked
                fits = int(r.raw[len(prefix):-2])
                self.assertTrue(4096 - reserved - 16 < fits <= 4096 - reserved, fits)
                self.assertEqual(c.call('CONFIG', 'SET', 'maxclients', str(fits)), b'OK')
            for c in conns:
                c.close()

    def test_maxclients_lowered_to_open_files_limit(self):
        # a hard limit the server may not pass: maxclients shrinks to fit,
        # with redis-server's warnings, and the clients it promises work
        prefix = ['prlimit', '--nofile=128:128', '--'] + no_sys_resource()
        with wk.Server(directives={'maxclients': 1000, 'threads': 1}, prefix=prefix) as s:
            self.assertEqual(self.open_files_limit(s.proc.pid), 128)
            reserved = 32 + 1 * (2 + 1)  # margin; an io_uring, an eventfd, a listener
            want = 128 - reserved
            self.assertIn('You requested maxclients of 1000 requiring at least %d max file '
                          'descriptors.' % (1000 + reserved), s.stdout())
            self.assertIn('maxclients has been reduced to %d' % want, s.stdout())
            conns = [s.conn() for _ in range(want)]
            with conns[0] as c:
                self.assertEqual(c.call('CONFIG', 'GET', 'maxclients'),
                                 [b'maxclients', str(want).encode()])
                # as redis-server: more than fits is refused, with the number that does
                r = c.cmd('CONFIG', 'SET', 'maxclients', '1000')
                self.assertEqual(
                    r.raw, b"-ERR CONFIG SET failed (possibly related to argument "
                    b"'maxclients') - The operating system is not able to handle the "
                    b"specified number of clients, try with %d\r\n" % want)
                self.assertEqual(c.call('CONFIG', 'GET', 'maxclients'),
                                 [b'maxclients', str(want).encode()])
                self.assertEqual(c.call('CONFIG', 'SET', 'maxclients', '50'), b'OK')
                self.assertEqual(c.call('CONFIG', 'SET', 'maxclients', str(want)), b'OK')
            for c in conns[1:]:
                self.assertEqual(c.cmd('PING').raw, b'+PONG\r\n')
            for c in conns:
                c.close()

    def test_open_files_limit_too_small_to_start(self):
        prefix = ['prlimit', '--nofile=24:24', '--'] + no_sys_resource()
        s = wk.Server(directives={'threads': 1}, prefix=prefix, start=False)
        s.start(wait=False)
        try:
            self.assertEqual(s.proc.wait(timeout=10), 1)
            self.assertIn("Your current 'ulimit -n' of 24 is not enough for the server "
                          "to start", s.stdout())
        finally:
            s.stop(check=False)

    def test_maxmemory_noeviction(self):
        with wk.Server() as s, s.conn() as c:
            c.call('SET', 'before', 'v')
        with wk.Server(directives={'maxmemory': 1,
                                   'maxmemory-policy': 'noeviction'}) as s, \
                s.conn() as c:
            self.assertEqual(c.cmd('SET', 'a', 'v').raw, OOM)
            self.assertEqual(c.cmd('INCR', 'n').raw, OOM)
            self.assertEqual(c.cmd('MSET', 'a', '1', 'b', '2').raw, OOM)
            self.assertEqual(c.cmd('APPEND', 'a', 'x').raw, OOM)
            self.assertEqual(c.cmd('GET', 'a').raw, b'$-1\r\n')
            self.assertEqual(c.cmd('DEL', 'a').raw, b':0\r\n')
            self.assertEqual(c.cmd('PING').raw, b'+PONG\r\n')
            self.assertEqual(c.cmd('CONFIG', 'SET', 'maxmemory', '0').raw,
                             b'+OK\r\n')
            self.assertEqual(c.cmd('SET', 'a', 'v').raw, b'+OK\r\n')
            self.assertEqual(c.cmd('CONFIG', 'SET', 'maxmemory', '1').raw,
                             b'+OK\r\n')
            self.assertEqual(c.cmd('GET', 'a').raw, b'$1\r\nv\r\n')
            self.assertEqual(c.cmd('SET', 'b', 'v').raw, OOM)

    def test_databases(self):
        with wk.Server(directives={'databases': 4}) as s, s.conn() as c:
            self.assertEqual(c.cmd('SELECT', '3').raw, b'+OK\r\n')
            self.assertEqual(c.cmd('SELECT', '4').raw,
                             b'-ERR DB index is out of range\r\n')
            self.assertEqual(c.cmd('SELECT', '-1').raw,
                             b'-ERR DB index is out of range\r\n')
            self.assertEqual(c.cmd('COPY', 'a', 'b', 'DB', '4').raw,
                             b'-ERR DB index is out of range\r\n')
            self.assertEqual(c.call('CONFIG', 'GET', 'databases'),
                             [b'databases', b'4'])


class RuntimeConfig(unittest.TestCase):
    """CONFIG SET takes effect on the running server, on every worker."""

    def send_quiet(self, c, data):
        try:
            c.send(data)
        except OSError:
            pass  # the server may close before reading it all

    def uring_info(self, c):
        """INFO net's line for io_uring worker 0, as a dict."""
        for line in c.call('INFO', 'net').decode().splitlines():
            if line.startswith('uring0:'):
                return dict(kv.split('=') for kv in line.split(':', 1)[1].split(','))
        self.fail('INFO net has no uring0 line')

    def closed_loop(self, conns, laps, last=None):
        """Each client sends PING again as soon as it has its reply, laps
        times; with last, the first client's final request is that command
        instead, and its reply is returned."""
        ping = wk.encode('PING')
        for c in conns:
            c.send(ping)
        for lap in range(laps):
            for i, c in enumerate(conns):
                self.assertEqual(c.read().raw, b'+PONG\r\n')
                c.send(wk.encode(*last) if last and i == 0 and lap == laps - 1 else ping)
        replies = [c.read().raw for c in conns]
        self.assertEqual(replies[1:], [b'+PONG\r\n'] * (len(conns) - 1))
        return replies[0]

    def test_io_coalesce_us(self):
        """Completion coalescing batches a busy closed loop, but a budget of
        100 ms never holds a lone client long: a wait that runs out its
        time halves the batch. io-coalesce-us 0 turns it off at once, under
        load too."""
        with wk.Server(directives={'threads': 1, 'io-coalesce-us': 100000}) as s:
            conns = [s.conn() for _ in range(24)]
            self.assertEqual(self.closed_loop(conns, 300, ('CONFIG', 'SET', 'io-coalesce-us', '0')),
                             b'+OK\r\n')
            self.closed_loop(conns, 100)
            off = self.uring_info(conns[0])
            self.assertEqual(off['coalesce_target'], '1')
            self.closed_loop(conns, 100)
            self.assertEqual(self.uring_info(conns[0])['coalesced_waits'], off['coalesced_waits'])

            self.assertEqual(conns[0].call('CONFIG', 'SET', 'io-coalesce-us', '100000'), b'OK')
            self.assertEqual(conns[0].call('CONFIG', 'GET', 'io-coalesce-us'),
                             [b'io-coalesce-us', b'100000'])
            self.closed_loop(conns, 300)
            busy = self.uring_info(conns[0])
            self.assertGreater(int(busy['coalesced_waits']), int(off['coalesced_waits']))
            # one client alone: at most a few waits run out their time
            lat = []
            for _ in range(30):
                t = time.monotonic()
                self.assertEqual(conns[0].call('PING'), b'PONG')
                lat.append(time.monotonic() - t)
            self.assertLess(sum(lat), 1.0, lat)
            self.assertLess(max(lat[10:]), 0.05, lat)
            self.assertEqual(self.uring_info(conns[0])['coalesce_target'], '1')

            r = conns[0].cmd('CONFIG', 'SET', 'io-coalesce-us', '-5')
            self.assertEqual(
                r.raw, b"-ERR CONFIG SET failed (possibly related to argument"
                b" 'io-coalesce-us') - argument must be between 0 and 100000 inclusive\r\n")
            for c in conns:
                c.close()

    def test_proto_max_bulk_len(self):
        big = wk.encode('SET', 'big', 'x' * (2 << 20))
        err = b'-ERR Protocol error: invalid bulk length\r\n'
        with wk.Server(directives={'proto-max-bulk-len': '1mb',
                                   'threads': 2}) as s:
            with s.conn() as c:
                self.send_quiet(c, big)
                self.assertEqual(c.read().raw, err)
        with wk.Server(directives={'threads': 2}) as s:
            with s.conn() as c:
                self.assertEqual(c.call('CONFIG', 'SET', 'proto-max-bulk-len',
                                        '1mb'), b'OK')
                self.send_quiet(c, big)
                self.assertEqual(c.read().raw, err)
            for _ in range(4):  # new connections, any worker
                with s.conn() as c:
                    self.send_quiet(c, big)
                    self.assertEqual(c.read().raw, err)

    def test_requirepass_at_runtime(self):
        with wk.Server(directives={'threads': 2}) as s:
            with s.conn() as c:
                c.call('CONFIG', 'SET', 'requirepass', 'pw')
                # the connection that set it stays authenticated
                self.assertEqual(c.cmd('PING').raw, b'+PONG\r\n')
            for _ in range(4):
                with s.conn() as c:
                    self.assertEqual(c.cmd('GET', 'a').raw,
                                     b'-NOAUTH Authentication required.\r\n')
                    self.assertEqual(c.cmd('AUTH', 'pw').raw, b'+OK\r\n')
            with s.conn() as c:
                c.call('AUTH', 'pw')
                c.call('CONFIG', 'SET', 'requirepass', '')
            with s.conn() as c:
                self.assertEqual(c.cmd('PING').raw, b'+PONG\r\n')

    def test_maxclients_at_runtime(self):
        with wk.Server(directives={'threads': 2}) as s:
            c1 = s.conn()
            c1.call('CONFIG', 'SET', 'maxclients', '2')
            c2 = s.conn()
            self.assertEqual(c2.cmd('PING').raw, b'+PONG\r\n')
            c3 = s.conn()
            self.assertEqual(c3.read().raw,
                             b'-ERR max number of clients reached\r\n')
            for c in (c1, c2, c3):
                c.close()

    def test_timeout_at_runtime(self):
        with wk.Server(directives={'threads': 2, 'hz': 50}) as s:
            with s.conn() as c:
                c.call('CONFIG', 'SET', 'timeout', '1')
            idle = [s.conn() for _ in range(4)]
            for c in idle:
                self.assertTrue(c.read_closed(6), 'idle client kept open')
                c.close()


if __name__ == '__main__':
    wk.main()
