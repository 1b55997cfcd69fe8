"""wirekv-loadgen against wirekv-server's DPDK backend over net_memif: a
small load for a few seconds with every reply checked and 0 errors, the
JSON report's fields and their sanity, and proof that the checker catches
a wrong value from the server (a key the test changes behind the
generator's back) and reports it as an error.

memif is a unix socket between the two processes: no namespace, no kernel
interface, no traffic anywhere else; DPDK runs with --no-pci --no-huge.
Root only (EAL's runtime files, /run sockets), else skipped (exit 77).
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wk  # noqa: E402

sys.path.insert(0, os.path.join(wk.REPO, 'tools'))
import wkmemif  # noqa: E402

KEYS = 2000
FILL_CLIENTS = 8


def skip(why):
    sys.stderr.write('SKIP: %s\n' % why)
    sys.exit(wk.SKIP_EXIT)


def loadgen_path():
    return os.environ.get('WIREKV_LOADGEN',
                          os.path.join(wk.REPO, 'build', 'tools', 'wirekv-loadgen'))


def check_environment():
    if os.geteuid() != 0:
        skip('the memif load-generator test needs root (DPDK runtime files, /run sockets)')
    for path in (wk.wirekv_path(), loadgen_path()):
        if not os.path.exists(path):
            skip('not built: %s' % path)


class TestLoadgen(unittest.TestCase):
    """A server of its own for each generator run, stopped before the
    generator lets go of the link (see wkmemif.run_loadgen_then_stop: DPDK
    22.11's memif unmaps a departing peer's rings under a poller that a busy
    machine may have preempted). Runs that read keys fill them first in the
    same run (--prefill)."""

    def run_lg(self, args, tag, timeout=120):
        server = wkmemif.MemifServer(wk.wirekv_path(), 'lg' + tag).start()
        rc, doc, err, src, out = wkmemif.run_loadgen_then_stop(
            loadgen_path(), server, args, run_tag=tag, timeout=timeout)
        self.assertEqual(src, 0, out[-3000:])
        return rc, doc, err, out

    def assert_sane(self, doc):
        for field in ('ops_per_sec', 'errors', 'hits', 'misses', 'ops', 'verified'):
            self.assertIn(field, doc)
        lat = doc['latency_us']
        for field in ('p50', 'p99', 'p999', 'max'):
            self.assertIn(field, lat)
        self.assertGreater(doc['ops_per_sec'], 0)
        self.assertGreater(lat['p50'], 0)
        self.assertLessEqual(lat['p50'], lat['p99'])
        self.assertLessEqual(lat['p99'], lat['p999'])
        self.assertLessEqual(lat['p999'], lat['max'])
        self.assertEqual(doc['ops'], doc['sets'] + doc['gets'])
        self.assertEqual(doc['verified'], doc['ops'])
        self.assertEqual(doc['hits'] + doc['misses'], doc['gets'])
        cdf = doc['latency_cdf']
        self.assertTrue(cdf)
        self.assertAlmostEqual(cdf[-1][1], 1.0, places=6)
        self.assertEqual([p[0] for p in cdf], sorted(p[0] for p in cdf))

    def test_fill_sets_every_key_once(self):
        # each of the connections SETs its own slice once
        rc, doc, err, out = self.run_lg(['--clients', str(FILL_CLIENTS), '--ratio', '1:0',
                                         '--key-pattern', 'S', '--key-maximum', str(KEYS - 1),
                                         '--requests', str(KEYS // FILL_CLIENTS),
                                         '--pipeline', '8'], 'fill')
        self.assertIsNotNone(doc, err)
        self.assertEqual(rc, 0, err)
        self.assertEqual(doc['errors'], 0, err)
        self.assertEqual(doc['sets'], KEYS)
        self.assertEqual(doc['gets'], 0)
        self.assert_sane(doc)
        # shared memory cannot corrupt a frame: the port marks RX checksums
        # good (as Linux's loopback does); every reply is still verified
        self.assertIn('DPDK offloads: RX checksum not needed (shared-memory link)', out)

    def test_mixed_load_verified_no_errors(self):
        rc, doc, err, _ = self.run_lg(['--clients', '16', '--pipeline', '4', '--ratio', '1:10',
                                       '--key-maximum', str(KEYS - 1), '--test-time', '3',
                                       '--prefill'], 'mix')
        self.assertIsNotNone(doc, err)
        self.assertEqual(rc, 0, err)
        self.assertEqual(doc['errors'], 0, err)
        self.assertEqual(doc['error_detail']['lost_requests'], 0)
        self.assert_sane(doc)
        # the prefill set every key with this seed (and is not counted):
        # every GET is a hit whose value was compared byte for byte
        self.assertGreater(doc['hits'], 1000)
        self.assertEqual(doc['misses'], 0)
        self.assertGreater(doc['sets'], 0)
        self.assertGreater(doc['seconds'], 2.5)
        self.assertEqual(doc['lcores'][0]['connections'], 16)
        self.assertGreater(doc['lcores'][0]['cycles_per_op'], 0)

    def test_misses_are_not_errors(self):
        # keys never set: nil replies, counted as misses
        rc, doc, err, _ = self.run_lg(['--clients', '4', '--ratio', '0:1',
                                       '--key-minimum', '500000', '--key-maximum', '500999',
                                       '--requests', '50'], 'miss')
        self.assertIsNotNone(doc, err)
        self.assertEqual(rc, 0, err)
        self.assertEqual(doc['errors'], 0)
        self.assertEqual(doc['misses'], 200)
        self.assertEqual(doc['hits'], 0)
        self.assertEqual(doc['sets'], 0)

    def test_wrong_value_is_caught(self):
        # the poison SET changes key 5 after the prefill, behind the
        # checker's back (a value lg_value never produces); GETs over 0..15
        # must read it and flag it
        rc, doc, err, _ = self.run_lg(['--clients', '4', '--ratio', '0:1', '--key-maximum', '15',
                                       '--requests', '100', '--prefill', '--poison-key', '5'],
                                      'poison')
        self.assertIsNotNone(doc, err)
        self.assertEqual(rc, 3, err)
        self.assertGreater(doc['errors'], 0)
        self.assertEqual(doc['errors'], doc['error_detail']['mismatch'])
        self.assertIn('GET key:000000000005', err)
        self.assertIn('is not the value this generator sets', err)
        # the other 15 keys still verify: their GETs are hits
        self.assertGreater(doc['hits'], 0)
        self.assertEqual(doc['hits'] + doc['errors'], doc['gets'])

    def test_other_seed_every_get_is_an_error(self):
        # values written with seed 1 read back by a generator with seed 2
        rc, doc, err, _ = self.run_lg(['--clients', '2', '--ratio', '0:1', '--seed', '2',
                                       '--prefill', '--prefill-seed', '1',
                                       '--key-minimum', '100', '--key-maximum', '199',
                                       '--requests', '20'], 'seed')
        self.assertIsNotNone(doc, err)
        self.assertEqual(rc, 3, err)
        self.assertEqual(doc['error_detail']['mismatch'], 40)
        self.assertEqual(doc['hits'], 0)

    def test_prefill_with_the_run_seed_makes_every_get_a_hit(self):
        rc, doc, err, _ = self.run_lg(['--clients', '2', '--ratio', '0:1', '--seed', '2',
                                       '--prefill', '--key-minimum', '100',
                                       '--key-maximum', '199', '--requests', '20'], 'seed2')
        self.assertIsNotNone(doc, err)
        self.assertEqual(rc, 0, err)
        self.assertEqual(doc['hits'], 40)
        self.assertEqual(doc['sets'], 0)


class TestLoadgenTwoLcores(unittest.TestCase):
    """Server and generator on 2 lcores each (sharing the 2 cores, so a
    small bounded load): memif has one queue pair per lcore and no RSS, so
    both steer frames between their lcores in software, and the generator
    picks each connection's local port so that its flow lands on the lcore
    that owns it."""

    def test_two_lcores_split_the_connections(self):
        server = wkmemif.MemifServer(wk.wirekv_path(), 'two', lcores='0-1').start()
        # the server stops before the generator lets go of the link: see
        # run_loadgen_then_stop (a memif peer's disconnect while a shared
        # core has the server's poller preempted inside rx_burst)
        rc, doc, err, src, out = wkmemif.run_loadgen_then_stop(
            loadgen_path(), server,
            ['--clients', '6', '--pipeline', '4', '--ratio', '1:1',
             '--key-maximum', '99', '--requests', '300'],
            lcores='0-1', run_tag='two', timeout=120)
        self.assertEqual(src, 0, out[-3000:])
        self.assertIsNotNone(doc, err)
        self.assertEqual(rc, 0, err)
        self.assertEqual(doc['errors'], 0, err)
        self.assertEqual(doc['verified'], doc['ops'])
        self.assertEqual(doc['ops'], 6 * 300)
        self.assertEqual([lc['connections'] for lc in doc['lcores']], [3, 3])
        for lc in doc['lcores']:
            self.assertGreater(lc['ops'], 0)

    def test_fewer_server_lcores_is_a_clear_error(self):
        server = wkmemif.MemifServer(wk.wirekv_path(), 'one', lcores='0').start()
        try:
            rc, doc, err = wkmemif.run_loadgen(
                loadgen_path(), server, ['--connect-timeout', '2', '--requests', '1'],
                lcores='0-1', run_tag='one', timeout=60)
        finally:
            server.stop(check=False)
        self.assertEqual(rc, 1, err)
        self.assertIsNone(doc)
        self.assertIn('net_memif also needs as many lcores here as the server has', err)


class TestLoadgenNoServer(unittest.TestCase):

    def test_no_server_exit_1(self):
        # memif's client end does not start without the server's socket
        server = wkmemif.MemifServer(wk.wirekv_path(), 'none')   # never started
        rc, doc, err = wkmemif.run_loadgen(loadgen_path(), server,
                                           ['--connect-timeout', '2', '--requests', '1'],
                                           timeout=60)
        self.assertEqual(rc, 1, err)
        self.assertIsNone(doc)
        self.assertIn('wirekv-loadgen: port 0 (net_memif): rte_eth_dev_start', err)
        self.assertIn('is the other end of the device, the server, running?', err)


if __name__ == '__main__':
    check_environment()
    wk.main()
