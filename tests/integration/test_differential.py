#!/usr/bin/python3
"""Differential test: the same command scripts against redis-server and
wirekv, compared reply by reply on the raw bytes.

Scripts are tests/integration/differential/*.cmds: one command per line in
redis-cli quoting, '#' comment lines. A line may end with one marker that says
how to compare a reply that is not deterministic (keep them rare):

  #!ignore        send, read both replies, compare nothing (TIME, RANDOMKEY)
  #!type          compare only the reply's type byte (INFO, CLIENT LIST)
  #!sorted        compare an array/set/map's elements as a multiset (KEYS)
  #!mask-id       compare with every integer masked (CLIENT ID, HELLO)
  #!range N       integer replies may differ by at most N (PTTL)
  #!scanall       the command is a SCAN (or SSCAN/HSCAN/ZSCAN key) with cursor 0:
                  iterate it to the end
                  on each server and compare the sorted union of elements

Every script runs on a fresh connection (FLUSHALL first), in RESP2 and in
RESP3 (HELLO 3 first), against wirekv with --threads 1 and --threads 4. Each
line is sent to both servers before the next line, so time-based replies
(TTL after EXPIRE 100) are taken within the same few milliseconds.

WIREKV_DIFF_REDIS_ONLY=1 compares two redis-server instances instead: every
line must then match, which checks the scripts and this runner.
WIREKV_DIFF_ONLY=name[,name] runs only those scripts.
"""

import glob
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wk  # noqa: E402

DIFF_DIR = os.path.join(wk.HERE, 'differential')
REDIS_ONLY = os.environ.get('WIREKV_DIFF_REDIS_ONLY') == '1'
MARKERS = ('ignore', 'type', 'sorted', 'mask-id', 'range', 'scanall')

_ESC = {'n': '\n', 'r': '\r', 't': '\t', 'b': '\b', 'a': '\a',
        '"': '"', '\\': '\\'}


def split_args(line):
    """redis-cli's sdssplitargs: returns a list of bytes, or None when the
    quotes are unbalanced."""
    args = []
    i, n = 0, len(line)
    while True:
        while i < n and line[i].isspace():
            i += 1
        if i >= n:
            return args
        cur = bytearray()
        inq = insq = False
        while True:
            if inq:
                if i >= n:
                    return None
                c = line[i]
                if (c == '\\' and i + 3 < n and line[i + 1] == 'x'
                        and all(h in '0123456789abcdefABCDEF'
                                for h in line[i + 2:i + 4])):
                    cur.append(int(line[i + 2:i + 4], 16))
                    i += 3
                elif c == '\\' and i + 1 < n:
                    i += 1
                    cur += _ESC.get(line[i], line[i]).encode()
                elif c == '"':
                    if i + 1 < n and not line[i + 1].isspace():
                        return None
                    inq = False
                    i += 1
                    break
                else:
                    cur += c.encode()
            elif insq:
                if i >= n:
                    return None
                c = line[i]
                if c == '\\' and i + 1 < n and line[i + 1] == "'":
                    i += 1
                    cur += b"'"
                elif c == "'":
                    if i + 1 < n and not line[i + 1].isspace():
                        return None
                    insq = False
                    i += 1
                    break
                else:
                    cur += c.encode()
            else:
                if i >= n:
                    break
                c = line[i]
                if c.isspace():
                    break
                if c == '"':
                    inq = True
                elif c == "'":
                    insq = True
                else:
                    cur += c.encode()
            i += 1
        args.append(bytes(cur))


class Line:
    __slots__ = ('script', 'lineno', 'text', 'args', 'marker', 'marg')

    def __init__(self, script, lineno, text, args, marker, marg):
        self.script, self.lineno, self.text = script, lineno, text
        self.args, self.marker, self.marg = args, marker, marg


def load_script(path):
    name = os.path.basename(path)
    lines = []
    with open(path, encoding='utf-8') as f:
        for no, raw in enumerate(f, 1):
            text = raw.rstrip('\n')
            s = text.strip()
            if not s or s.startswith('#'):
                continue
            marker = marg = None
            k = s.rfind(' #!')
            if k >= 0:
                m = s[k + 3:].split()
                if not m or m[0] not in MARKERS:
                    raise ValueError('%s:%d: unknown marker %r'
                                     % (name, no, s[k:]))
                marker, marg = m[0], m[1:]
                s = s[:k].rstrip()
            args = split_args(s)
            if not args:
                raise ValueError('%s:%d: unbalanced quotes' % (name, no))
            lines.append(Line(name, no, s, args, marker, marg))
    return lines


def _mask_ints(v):
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, int):
        return 0
    if isinstance(v, list):
        return [_mask_ints(x) for x in v]
    if isinstance(v, tuple):
        return tuple(_mask_ints(x) for x in v)
    return v


def _sort_key(v):
    return repr(v)


def compare(line, a, b):
    """None if the replies agree under the line's marker, else a reason."""
    m = line.marker
    if m == 'ignore':
        return None
    if m == 'type':
        return None if a.kind == b.kind else 'reply types differ'
    if m == 'sorted':
        if a.kind != b.kind:
            return 'reply types differ'
        if not isinstance(a.value, list) or not isinstance(b.value, list):
            return None if a.raw == b.raw else 'replies differ'
        sa = sorted(a.value, key=_sort_key)
        sb = sorted(b.value, key=_sort_key)
        return None if sa == sb else 'element sets differ'
    if m == 'mask-id':
        if a.kind != b.kind:
            return 'reply types differ'
        return (None if _mask_ints(a.value) == _mask_ints(b.value)
                else 'replies differ (integers masked)')
    if m == 'range':
        n = int(line.marg[0]) if line.marg else 0
        if a.kind != b.kind:
            return 'reply types differ'
        if isinstance(a.value, int) and isinstance(b.value, int) \
                and not isinstance(a.value, bool):
            return (None if abs(a.value - b.value) <= n
                    else 'integers differ by more than %d' % n)
        return None if a.raw == b.raw else 'replies differ'
    return None if a.raw == b.raw else 'replies differ'


class Side:
    """One server and the connection a script runs on."""

    def __init__(self, server):
        self.server = server
        self.conn = None

    def fresh(self, proto):
        if self.conn:
            self.conn.close()
        self.conn = self.server.conn(timeout=5.0)
        hello = None
        if proto == 3:
            hello = self.conn.cmd('HELLO', '3')
        r = self.conn.cmd('FLUSHALL')
        return hello, r

    def run(self, args):
        self.conn.send(wk.encode(*args))
        return self.conn.read()

    def scanall(self, args, limit=10000):
        """Iterate a SCAN from cursor 0; returns a Reply-like set result."""
        elems = []
        cursor = b'0'
        # SSCAN/HSCAN/ZSCAN key cursor ...: the cursor is the third word
        at = 2 if args[0].lower() in (b'sscan', b'hscan', b'zscan') else 1
        for _ in range(limit):
            r = self.run(list(args[:at]) + [cursor] + list(args[at + 1:]))
            if r.is_error() or not isinstance(r.value, list):
                return r
            cursor = r.value[0]
            elems += r.value[1]
            if cursor == b'0':
                break
        else:
            return wk.Reply('-', b'SCAN did not finish', b'-SCAN loop\r\n')
        elems.sort()
        return wk.Reply('*', elems, repr(elems).encode())


def run_script(lines, ref, dut, proto):
    """Runs a script on both sides; returns a list of mismatch reports."""
    out = []
    ha, fa = ref.fresh(proto)
    hb, fb = dut.fresh(proto)
    if proto == 3 and (ha.kind != hb.kind):
        out.append('HELLO 3: reply types differ: %r vs %r' % (ha.raw, hb.raw))
    if fa.raw != fb.raw:
        out.append('FLUSHALL: %r vs %r' % (fa.raw, fb.raw))
    for ln in lines:
        try:
            if ln.marker == 'scanall':
                a = ref.scanall(ln.args)
            else:
                a = ref.run(ln.args)
        except Exception as e:  # the reference must always answer
            raise RuntimeError('%s:%d: redis-server failed on %r: %r'
                               % (ln.script, ln.lineno, ln.text, e))
        try:
            if ln.marker == 'scanall':
                b = dut.scanall(ln.args)
            else:
                b = dut.run(ln.args)
        except Exception as e:
            out.append('%s:%d [RESP%d] %s\n    expected %r\n    got      '
                       'no reply (%s: %s); script stopped'
                       % (ln.script, ln.lineno, proto, ln.text, a.raw,
                          type(e).__name__, e))
            if dut.server.proc.poll() is not None:
                out.append('    server exited with status %s; restarted'
                           % dut.server.proc.returncode)
                dut.server.start()
            return out
        why = compare(ln, a, b)
        if why:
            out.append('%s:%d [RESP%d] %s: %s\n    expected %r\n    got      %r'
                       % (ln.script, ln.lineno, proto, ln.text, why,
                          a.raw[:400], b.raw[:400]))
    return out


SCRIPTS = sorted(glob.glob(os.path.join(DIFF_DIR, '*.cmds')))
_only = os.environ.get('WIREKV_DIFF_ONLY')
if _only:
    SCRIPTS = [s for s in SCRIPTS
               if os.path.basename(s)[:-5] in _only.split(',')]


class Differential(unittest.TestCase):
    servers = {}

    @classmethod
    def setUpClass(cls):
        cls.servers['ref'] = wk.Server(kind='redis')
        if REDIS_ONLY:
            cls.servers['t1'] = wk.Server(kind='redis')
            cls.servers['t4'] = wk.Server(kind='redis')
        else:
            cls.servers['t1'] = wk.Server(kind='wirekv',
                                          directives={'threads': 1})
            cls.servers['t4'] = wk.Server(kind='wirekv',
                                          directives={'threads': 4})

    @classmethod
    def tearDownClass(cls):
        for s in cls.servers.values():
            s.stop()

    def check(self, path, variant):
        lines = load_script(path)
        ref = Side(self.servers['ref'])
        dut = Side(self.servers[variant])
        problems = []
        for proto in (2, 3):
            problems += run_script(lines, ref, dut, proto)
        for s in (ref, dut):
            if s.conn:
                s.conn.close()
        if problems:
            self.fail('%d mismatch(es) against redis-server (%s):\n%s'
                      % (len(problems), variant, '\n'.join(problems)))


def _make(path, variant):
    def t(self):
        self.check(path, variant)
    return t


for _p in SCRIPTS:
    _n = os.path.basename(_p)[:-5].replace('-', '_')
    for _v in ('t1', 't4'):
        setattr(Differential, 'test_%s_%s' % (_n, _v), _make(_p, _v))


class ScriptSyntax(unittest.TestCase):
    def test_scripts_parse(self):
        self.assertTrue(SCRIPTS, 'no differential scripts found')
        for p in SCRIPTS:
            self.assertTrue(load_script(p), p)

    def test_split_args(self):
        self.assertEqual(split_args('set "a b" \'c d\' "\\x00\\r\\n"'),
                         [b'set', b'a b', b'c d', b'\x00\r\n'])
        self.assertIsNone(split_args('set "a'))


if __name__ == '__main__':
    wk.main()
