#!/usr/bin/python3
"""redis-benchmark against wirekv's DPDK backend and its io_uring backend,
in a network namespace of its own, and both results side by side.

  sudo /usr/bin/python3 tools/bench-dpdk.py [--build build] [-n 200000]

DPDK: the server runs inside the namespace on net_tap (--no-pci --no-huge,
lcores 0-1); the tap's kernel side is 198.18.0.1/24, the server
198.18.0.2. io_uring: after the DPDK server has gone (and its tap with it),
198.18.0.2/32 is put on the namespace's lo and wirekv listens there with 2
threads. Both are driven by redis-benchmark inside the namespace (-c 50,
SET/GET, -P 1 and -P 16). The comparison is what this machine allows: the
client's kernel TCP is on both paths; the DPDK server's packets cross the
tap (a kernel copy per frame, and its 2 lcores poll on the same cores the
client needs), the io_uring server's cross loopback. The real speed test is
a NIC, or the memif load generator. Traffic never leaves the namespace.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IP = '198.18.0.2'
PEER = '198.18.0.1'


def sh(*argv, check=True):
    return subprocess.run(list(argv), capture_output=True, timeout=60, check=check)


def in_ns(ns, *argv):
    return ['ip', 'netns', 'exec', ns] + list(argv)


def wait_pong(ns, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        r = subprocess.run(in_ns(ns, 'redis-cli', '-h', IP, 'PING'), capture_output=True,
                           timeout=10)
        if r.stdout.strip() == b'PONG':
            return
        time.sleep(0.2)
    raise RuntimeError('server on %s did not answer PING' % IP)


def benchmark(ns, n):
    results = {}
    for pipeline in (1, 16):
        for test in ('set', 'get'):
            r = subprocess.run(in_ns(ns, 'redis-benchmark', '-h', IP, '-c', '50', '-n', str(n),
                                     '-P', str(pipeline), '-t', test, '-r', '100000',
                                     '-d', '32', '-q'),
                               capture_output=True, timeout=600)
            m = re.search(rb'(\d+(?:\.\d+)?) requests per second', r.stdout.split(b'\r')[-1])
            results[(test.upper(), pipeline)] = float(m.group(1)) if m else 0.0
            print('  %-4s -P %-2d %12.0f ops/s' % (test.upper(), pipeline,
                                                   results[(test.upper(), pipeline)]),
                  flush=True)
    return results


def stop(proc):
    if proc and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--build', default=os.path.join(REPO, 'build'))
    ap.add_argument('-n', type=int, default=200000)
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit('bench-dpdk.py needs root (network namespace, net_tap)')
    server = os.path.join(a.build, 'app', 'wirekv-server')
    tag = str(os.getpid())
    ns, iface = 'wkbench' + tag, 'wkb' + tag
    proc = None
    results = {}
    sh('ip', 'netns', 'add', ns)
    try:
        sh(*in_ns(ns, 'ip', 'link', 'set', 'lo', 'up'))
        print('DPDK backend (net_tap, lcores 0-1):', flush=True)
        proc = subprocess.Popen(in_ns(ns, server, '--io-backend', 'dpdk', '--ip', IP + '/24',
                                      '--dpdk-args', '-l 0-1 --no-pci --no-huge -m 1024 '
                                      '--vdev=net_tap0,iface=%s --file-prefix=wkb%s' % (iface, tag)),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        end = time.time() + 30
        while sh(*in_ns(ns, 'ip', 'link', 'show', iface), check=False).returncode != 0:
            if proc.poll() is not None or time.time() > end:
                raise RuntimeError('the DPDK server did not bring up its tap: %s'
                                   % proc.stderr.read().decode(errors='replace'))
            time.sleep(0.1)
        sh(*in_ns(ns, 'ip', 'addr', 'add', PEER + '/24', 'dev', iface))
        sh(*in_ns(ns, 'ip', 'link', 'set', iface, 'up'))
        wait_pong(ns)
        results['dpdk'] = benchmark(ns, a.n)
        stop(proc)

        print('io_uring backend (2 threads, %s on lo):' % IP, flush=True)
        sh(*in_ns(ns, 'ip', 'addr', 'add', IP + '/32', 'dev', 'lo'))
        proc = subprocess.Popen(in_ns(ns, server, '--bind', IP, '--threads', '2'),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_pong(ns)
        results['uring'] = benchmark(ns, a.n)
        stop(proc)
    finally:
        stop(proc)
        sh('ip', 'netns', 'del', ns, check=False)
        shutil.rmtree('/var/run/dpdk/wkb' + tag, ignore_errors=True)

    print('\n%-10s %14s %14s %8s' % ('test', 'dpdk ops/s', 'uring ops/s', 'ratio'))
    for key in sorted(results['dpdk']):
        d, u = results['dpdk'][key], results['uring'][key]
        print('%-10s %14.0f %14.0f %7.2fx' % ('%s -P %d' % key, d, u, d / u if u else 0))


if __name__ == '__main__':
    main()
