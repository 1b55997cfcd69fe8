"""Shared helpers for wirekv's integration tests.

Starts servers (wirekv-server or Debian's redis-server) on free 127.0.0.1
ports, talks raw RESP to them, and runs redis-cli / redis-benchmark with
timeouts. Every test starts its own server(s), so meson may run the files in
parallel.

Environment:
  WIREKV_SERVER   path of wirekv-server (default <repo>/build/app/wirekv-server)
  WIREKV_TARGET   'wirekv' (default) or 'redis': which server the suites test.
                  'redis' runs the same suites against redis-server, to check
                  that the tests themselves are right.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
REDIS_SERVER = '/usr/bin/redis-server'
SKIP_EXIT = 77

# wirekv directives that redis-server does not know (dropped for redis).
WIREKV_ONLY = {'threads', 'io-backend'}


def wirekv_path():
    return os.environ.get('WIREKV_SERVER',
                          os.path.join(REPO, 'build', 'app', 'wirekv-server'))


def target():
    t = os.environ.get('WIREKV_TARGET', 'wirekv')
    if t not in ('wirekv', 'redis'):
        raise SystemExit('WIREKV_TARGET must be wirekv or redis')
    return t


def require_tools(*names):
    """Exit 77 (meson: skipped) when a tool this file needs is missing."""
    for n in names:
        if shutil.which(n) is None and not os.path.exists(n):
            sys.stderr.write('SKIP: %s is not installed\n' % n)
            sys.exit(SKIP_EXIT)


def free_port():
    """A port nobody listens on now (bind port 0 and let the kernel pick)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def port_open(port, timeout=0.2):
    try:
        c = socket.create_connection(('127.0.0.1', port), timeout=timeout)
        c.close()
        return True
    except OSError:
        return False


# ---------------------------------------------------------------------------
# RESP client

class RespError(Exception):
    pass


class Closed(Exception):
    """The server closed the connection."""


class Reply:
    """One parsed reply: kind is the RESP type byte ('+', '-', ':', '$',
    '*', '_', ',', '#', '(', '=', '%', '~', '>', '|'), value the Python
    value (bytes, int, float, bool, None, list, list of pairs for maps),
    raw the exact bytes on the wire."""
    __slots__ = ('kind', 'value', 'raw', 'attrs')

    def __init__(self, kind, value, raw, attrs=None):
        self.kind, self.value, self.raw, self.attrs = kind, value, raw, attrs

    def __repr__(self):
        return 'Reply(%r)' % (self.raw if len(self.raw) < 300
                              else self.raw[:300] + b'...')

    def is_error(self):
        return self.kind == '-' or self.kind == '!'


def encode(*args):
    """A command as a RESP multibulk."""
    out = [b'*%d\r\n' % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, (int, float)):
            a = str(a).encode()
        out.append(b'$%d\r\n%s\r\n' % (len(a), a))
    return b''.join(out)


class Conn:
    """A raw RESP connection: send bytes, read exactly one reply."""

    def __init__(self, port, timeout=10.0, host='127.0.0.1'):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.pos = 0

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def settimeout(self, t):
        self.sock.settimeout(t)

    def send(self, data):
        self.sock.sendall(data)

    def cmd(self, *args):
        """Send one command, return its Reply."""
        self.send(encode(*args))
        return self.read()

    def call(self, *args):
        """Send one command, return the Python value; raise on error."""
        r = self.cmd(*args)
        if r.is_error():
            raise RespError(r.value.decode(errors='replace'))
        return r.value

    # -- reading
    def _fill(self):
        data = self.sock.recv(1 << 20)
        if not data:
            raise Closed('connection closed by server')
        self.buf += data

    def _line(self):
        while True:
            i = self.buf.find(b'\r\n', self.pos)
            if i >= 0:
                line = bytes(self.buf[self.pos:i])
                self.pos = i + 2
                return line
            self._fill()

    def _exact(self, n):
        while len(self.buf) - self.pos < n + 2:
            self._fill()
        data = bytes(self.buf[self.pos:self.pos + n])
        if self.buf[self.pos + n:self.pos + n + 2] != b'\r\n':
            raise RespError('bulk not terminated by CRLF')
        self.pos += n + 2
        return data

    def read(self):
        """Exactly one complete reply, nested aggregates included."""
        if self.pos > 65536:
            del self.buf[:self.pos]
            self.pos = 0
        start = self.pos
        kind, value, attrs = self._read_value()
        raw = bytes(self.buf[start:self.pos])
        return Reply(kind, value, raw, attrs)

    def read_raw(self):
        return self.read().raw

    def _read_value(self):
        attrs = None
        line = self._line()
        if not line:
            raise RespError('empty reply line')
        t = chr(line[0])
        rest = line[1:]
        if t == '|':  # attribute, then the real reply
            n = int(rest)
            attrs = [(self._read_value()[1], self._read_value()[1])
                     for _ in range(n)]
            line = self._line()
            t, rest = chr(line[0]), line[1:]
        if t in '+-':
            return t, rest, attrs
        if t == ':':
            return t, int(rest), attrs
        if t == '(':
            return t, int(rest), attrs
        if t == ',':
            s = rest.decode().lower()
            v = {'inf': float('inf'), '-inf': float('-inf')}.get(s)
            return t, float(s) if v is None else v, attrs
        if t == '#':
            return t, rest == b't', attrs
        if t == '_':
            return t, None, attrs
        if t in '$=!':
            n = int(rest)
            if n < 0:
                return t, None, attrs
            return t, self._exact(n), attrs
        if t in '*~>':
            n = int(rest)
            if n < 0:
                return t, None, attrs
            return t, [self._read_value()[1] for _ in range(n)], attrs
        if t == '%':
            n = int(rest)
            return t, [(self._read_value()[1], self._read_value()[1])
                       for _ in range(n)], attrs
        raise RespError('unknown reply type %r in %r' % (t, line[:80]))

    def read_closed(self, timeout=5.0):
        """True when the server closes the connection within timeout
        (pending replies are read and dropped)."""
        end = time.time() + timeout
        self.sock.settimeout(0.2)
        try:
            while time.time() < end:
                try:
                    d = self.sock.recv(1 << 16)
                except socket.timeout:
                    continue
                except ConnectionResetError:
                    return True
                if not d:
                    return True
            return False
        finally:
            self.sock.settimeout(10.0)


# ---------------------------------------------------------------------------
# servers

class Server:
    """One server process on its own port.

    kind: 'wirekv' or 'redis' (default: WIREKV_TARGET).
    directives: dict or list of (name, value) pairs given as --name value.
    config: text of a config file to write and pass first (optional).
    prefix: a command that execs the server (prlimit, setpriv), optional.
    """

    def __init__(self, kind=None, directives=None, config=None, port=None,
                 start=True, extra_args=None, prefix=None):
        self.kind = kind or target()
        self.port = port or free_port()
        self.directives = list((directives or {}).items()
                               if isinstance(directives, dict)
                               else (directives or []))
        self.config = config
        self.extra_args = extra_args or []
        self.prefix = prefix or []  # e.g. ['prlimit', '--nofile=64', '--']
        self.proc = None
        self.tmpdir = tempfile.mkdtemp(prefix='wk-it-')
        self.stderr_path = os.path.join(self.tmpdir, 'stderr')
        self.stdout_path = os.path.join(self.tmpdir, 'stdout')
        if start:
            self.start()

    def argv(self):
        if self.kind == 'wirekv':
            argv = self.prefix + [wirekv_path()]
        else:
            argv = self.prefix + [REDIS_SERVER]
        if self.config is not None:
            path = os.path.join(self.tmpdir, 'server.conf')
            with open(path, 'w') as f:
                f.write(self.config)
            argv.append(path)
        argv += ['--port', str(self.port), '--bind', '127.0.0.1']
        if self.kind == 'redis':
            argv += ['--save', '', '--appendonly', 'no', '--dir', self.tmpdir,
                     '--daemonize', 'no',
                     # wirekv always has DEBUG SLEEP/OBJECT
                     '--enable-debug-command', 'local']
        for name, value in self.directives:
            if self.kind == 'redis' and name in WIREKV_ONLY:
                continue
            argv += ['--' + name, str(value)]
        return argv + self.extra_args

    def start(self, wait=True):
        with open(self.stdout_path, 'wb') as out, \
                open(self.stderr_path, 'wb') as err:
            self.proc = subprocess.Popen(self.argv(), stdout=out, stderr=err,
                                         stdin=subprocess.DEVNULL,
                                         cwd=self.tmpdir)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=10.0):
        """Wait until the server answers PING (bounded)."""
        end = time.time() + timeout
        last = None
        while time.time() < end:
            if self.proc.poll() is not None:
                raise RuntimeError('%s exited with %s before answering PING:'
                                   ' %s' % (self.kind, self.proc.returncode,
                                            self.stderr()[-2000:]))
            try:
                with Conn(self.port, timeout=1.0) as c:
                    r = c.cmd('PING')
                    if r.raw == b'+PONG\r\n' or r.is_error():
                        # an -NOAUTH error also proves it is serving
                        return
            except (OSError, Closed, RespError) as e:
                last = e
            time.sleep(0.05)
        self.stop()
        raise RuntimeError('%s on port %d did not answer PING in %.0fs (%s)'
                           % (self.kind, self.port, timeout, last))

    def stderr(self):
        try:
            with open(self.stderr_path, 'rb') as f:
                return f.read().decode(errors='replace')
        except OSError:
            return ''

    def stdout(self):
        try:
            with open(self.stdout_path, 'rb') as f:
                return f.read().decode(errors='replace')
        except OSError:
            return ''

    def conn(self, timeout=10.0):
        return Conn(self.port, timeout=timeout)

    def client(self, **kw):
        import redis
        return redis.Redis(host='127.0.0.1', port=self.port,
                           socket_timeout=kw.pop('socket_timeout', 10),
                           **kw)

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout=10.0):
        """Exit status, or None if it is still running after timeout."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout=10.0, check=True):
        """SIGTERM, wait, SIGKILL on timeout. Returns the exit status.
        With check, a wirekv that does not exit 0 (a sanitizer report at
        exit, a crash, a hang) raises AssertionError with its stderr."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            if self.wait(timeout) is None:
                self.proc.kill()
                self.proc.wait(timeout=10)
        rc = self.proc.returncode
        err = self.stderr() if check and rc != 0 and self.kind == 'wirekv' else ''
        shutil.rmtree(self.tmpdir, ignore_errors=True)
        if err or (check and rc != 0 and self.kind == 'wirekv'):
            self.proc = None
            raise AssertionError(f'wirekv exited with status {rc}:\n{err[-4000:]}')
        return rc

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.stop()


def run_config_error(config=None, args=(), kind=None, timeout=10.0,
                     files=None):
    """Start a server that must refuse its configuration. config (text) is
    written to a file passed first; files maps names to texts written beside
    it. '@PORT@' in texts/args becomes a free port, '@DIR@' the directory.
    Returns (exit status or None if still running at timeout, stderr+stdout,
    port, config path)."""
    kind = kind or target()
    port = free_port()
    tmp = tempfile.mkdtemp(prefix='wk-it-')

    def subst(s):
        return s.replace('@PORT@', str(port)).replace('@DIR@', tmp)
    for name, text in (files or {}).items():
        with open(os.path.join(tmp, name), 'w') as f:
            f.write(subst(text))
    argv = [wirekv_path() if kind == 'wirekv' else REDIS_SERVER]
    path = None
    if config is not None:
        path = os.path.join(tmp, 'bad.conf')
        with open(path, 'w') as f:
            f.write(subst(config))
        argv.append(path)
    argv += [subst(a) for a in args]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, cwd=tmp)
    try:
        out, err = p.communicate(timeout=timeout)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        rc = None
    listening = port_open(port)
    shutil.rmtree(tmp, ignore_errors=True)
    return rc, (err + out).decode(errors='replace'), port, path, listening


# ---------------------------------------------------------------------------
# redis-cli / redis-benchmark

def redis_cli(port, *args, input=None, timeout=30.0):
    """Run redis-cli against 127.0.0.1:port; returns CompletedProcess."""
    argv = ['redis-cli', '-h', '127.0.0.1', '-p', str(port)] + list(args)
    return subprocess.run(argv, input=input, capture_output=True,
                          timeout=timeout)


def redis_benchmark(port, *args, timeout=60.0):
    argv = ['redis-benchmark', '-h', '127.0.0.1', '-p', str(port)] + list(args)
    return subprocess.run(argv, capture_output=True, timeout=timeout)


def main():
    """unittest.main with verbosity, for every test file."""
    import unittest
    unittest.main(verbosity=2)
