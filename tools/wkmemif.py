"""wirekv-server (io-backend dpdk) and wirekv-loadgen over net_memif, for
tests/integration/test_loadgen.py and tools/bench-report.

The two processes share a memif socket under /run (a unix socket: memif
has no kernel interface, so no namespace is needed and nothing can leave
the machine); DPDK always runs with --no-pci --no-huge and a file prefix of
its own. Addresses are in 198.18.0.0/15: the server 198.18.0.2, the
generator 198.18.0.1.
"""

import json
import os
import select
import shutil
import signal
import subprocess
import time

SERVER_IP = '198.18.0.2'
LOADGEN_IP = '198.18.0.1'
PORT = 6379


class MemifServer:
    """wirekv-server on the server end of a memif; tag makes names unique."""

    def __init__(self, server_bin, tag, lcores='0', extra=(), log=None):
        self.server_bin = server_bin
        self.tag = '%d%s' % (os.getpid(), tag)
        self.socket = '/run/wk-%s.sock' % self.tag
        self.prefix = 'wksrv' + self.tag
        self.lcores = lcores
        self.extra = list(extra)
        self.log = log or '/tmp/wk-memif-%s.log' % self.tag
        self.proc = None

    def dpdk_args(self):
        return ('-l %s --no-pci --no-huge -m 1024 --vdev=net_memif0,role=server,socket=%s '
                '--file-prefix=%s' % (self.lcores, self.socket, self.prefix))

    def start(self, timeout=60.0):
        argv = [self.server_bin, '--io-backend', 'dpdk', '--ip', SERVER_IP + '/24',
                '--port', str(PORT), '--save', '', '--dpdk-args', self.dpdk_args()] + self.extra
        with open(self.log, 'wb') as out:
            self.proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        end = time.time() + timeout
        while time.time() < end:
            if self.proc.poll() is not None:
                raise RuntimeError('wirekv-server exited with %s:\n%s'
                                   % (self.proc.returncode, self.output()[-3000:]))
            if ' ready: DPDK' in self.output():
                return self
            time.sleep(0.05)
        self.stop(check=False)
        raise RuntimeError('wirekv-server (memif) not ready in %.0f s:\n%s'
                           % (timeout, self.output()[-3000:]))

    def pid(self):
        return self.proc.pid

    def output(self):
        try:
            with open(self.log, 'rb') as f:
                return f.read().decode(errors='replace')
        except OSError:
            return ''

    def stop(self, check=True):
        """SIGTERM; returns (exit status, log). check: it must exit 0."""
        rc = None
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
                rc = 'hung'
        if self.proc is not None and rc is None:
            rc = self.proc.returncode
        out = self.output()
        for path in (self.socket, self.log):
            try:
                os.unlink(path)
            except OSError:
                pass
        shutil.rmtree('/var/run/dpdk/' + self.prefix, ignore_errors=True)
        if check and rc != 0:
            raise AssertionError('wirekv-server (memif) exited with %s:\n%s' % (rc, out[-4000:]))
        return rc, out


def loadgen_argv(loadgen_bin, server, lcores='1', run_tag='', args=()):
    prefix = 'wklg%s%s' % (server.tag, run_tag)
    dpdk = ('-l %s --no-pci --no-huge -m 1024 --vdev=net_memif0,role=client,socket=%s '
            '--file-prefix=%s' % (lcores, server.socket, prefix))
    return [loadgen_bin, '--dpdk-args', dpdk, '--ip', LOADGEN_IP + '/24',
            '--server', '%s:%d' % (SERVER_IP, PORT)] + list(args), prefix


def run_loadgen(loadgen_bin, server, args, lcores='1', timeout=120, run_tag='', cpu=None):
    """Run wirekv-loadgen --json against server; returns (exit status,
    parsed JSON or None, stderr text)."""
    argv, prefix = loadgen_argv(loadgen_bin, server, lcores, run_tag, list(args) + ['--json'])
    if cpu is not None:
        argv = ['taskset', '-c', str(cpu)] + argv
    try:
        p = subprocess.run(argv, capture_output=True, timeout=timeout)
    finally:
        shutil.rmtree('/var/run/dpdk/' + prefix, ignore_errors=True)
    out = p.stdout.decode(errors='replace').strip()
    doc = None
    if out:
        try:
            doc = json.loads(out.splitlines()[-1])
        except ValueError:
            doc = None
    return p.returncode, doc, p.stderr.decode(errors='replace')


def run_loadgen_then_stop(loadgen_bin, server, args, lcores='1', timeout=120, run_tag='',
                          on_report=None):
    """Run wirekv-loadgen --json --linger, stop the server once the report
    is out, then the generator. DPDK 22.11's memif PMD unmaps the peer's
    rings when the peer disconnects, while a polling lcore may still be
    inside rx_burst on them: the side that stays must not be polling. A
    server whose lcores share cores with the generator (preempted in the
    middle of a burst) hit that window. Returns (generator exit status,
    parsed JSON or None, its stderr, server exit status, server log).
    on_report(server), if given, runs once the report is out and before
    the server stops (e.g. to read its CPU time)."""
    argv, prefix = loadgen_argv(loadgen_bin, server, lcores, run_tag,
                                list(args) + ['--json', '--linger'])
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    doc, line, end = None, b'', time.time() + timeout
    try:
        while time.time() < end and not line.endswith(b'\n') and p.poll() is None:
            ready, _, _ = select.select([p.stdout], [], [], 0.2)
            if ready:
                chunk = os.read(p.stdout.fileno(), 65536)
                if not chunk:
                    break
                line += chunk
        if line.strip():
            try:
                doc = json.loads(line.decode(errors='replace').strip().splitlines()[-1])
            except ValueError:
                doc = None
        if on_report:
            on_report(server)
        server_rc, server_out = server.stop(check=False)
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
        try:
            _, err = p.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            _, err = p.communicate()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        shutil.rmtree('/var/run/dpdk/' + prefix, ignore_errors=True)
    return p.returncode, doc, err.decode(errors='replace'), server_rc, server_out
