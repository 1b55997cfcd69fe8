#!/usr/bin/python3
"""Generate lib/cmd/cmd_docs.c: Redis 7.0.15's COMMAND INFO / COMMAND DOCS
data, HELP texts and the LATENCY DOCTOR text for the commands wirekv has.

Usage (from the repository root, against a scratch redis-server 7.0.15):

    redis-server --port 7400 --save '' --appendonly no --daemonize yes \
        --enable-debug-command yes
    /usr/bin/python3 tools/gen-command-docs.py 7400 [lib/cmd/cmd_docs.c]
    redis-cli -p 7400 shutdown nosave

The script reads every reply in RESP3 (after HELLO 3) and stores it as a
tree of typed nodes; lib/cmd/cmd_docs_reply.c writes the tree back in RESP3
as it is, or in RESP2 with Redis's downgrade (maps become flat arrays, sets
arrays, null a null bulk), so the bytes are Redis's in both protocols.
Docs keep the full "arguments" trees.

Add a command here when wirekv gains one (subcommands as "parent|sub"),
then regenerate. A command in the table without data here still gets a
COMMAND INFO entry built from its table row.
"""
import socket
import sys

COMMANDS = [
    # strings
    "append", "decr", "decrby", "get", "getdel", "getex", "getrange", "getset",
    "incr", "incrby", "incrbyfloat", "lcs", "mget", "mset", "msetnx", "psetex",
    "set", "setex", "setnx", "setrange", "strlen", "substr",
    # keys
    "copy", "dbsize", "del", "dump", "exists", "expire", "expireat", "expiretime",
    "flushall", "flushdb", "keys", "move", "persist", "pexpire", "pexpireat",
    "pexpiretime", "pttl", "randomkey", "rename", "renamenx", "restore", "scan",
    "swapdb", "touch", "ttl", "type", "unlink",
    "object", "object|encoding", "object|freq", "object|help", "object|idletime",
    "object|refcount",
    # server
    "auth", "echo", "hello", "ping", "quit", "reset", "select", "time", "info",
    "shutdown", "debug",
    "client", "client|getname", "client|help", "client|id", "client|info",
    "client|kill", "client|list", "client|no-evict", "client|setname", "client|unblock",
    "config", "config|get", "config|help", "config|resetstat", "config|set",
    "command", "command|count", "command|docs", "command|getkeys", "command|help",
    "command|info", "command|list",
    "latency", "latency|doctor", "latency|help",
    # hashes
    "hdel", "hexists", "hget", "hgetall", "hincrby", "hincrbyfloat", "hkeys", "hlen",
    "hmget", "hmset", "hrandfield", "hscan", "hset", "hsetnx", "hstrlen", "hvals",
    # lists
    "lindex", "linsert", "llen", "lmove", "lmpop", "lpop", "lpos", "lpush", "lpushx",
    "lrange", "lrem", "lset", "ltrim", "rpop", "rpoplpush", "rpush", "rpushx",
    # blocking pops
    "blmove", "blmpop", "blpop", "brpop", "brpoplpush", "bzmpop", "bzpopmax", "bzpopmin",
    # sets
    "sadd", "scard", "sdiff", "sdiffstore", "sinter", "sintercard", "sinterstore",
    "sismember", "smembers", "smismember", "smove", "spop", "srandmember", "srem",
    "sscan", "sunion", "sunionstore",
    # sorted sets
    "zadd", "zcard", "zcount", "zdiff", "zdiffstore", "zincrby", "zinter", "zintercard",
    "zinterstore", "zlexcount", "zmpop", "zmscore", "zpopmax", "zpopmin", "zrandmember",
    "zrange", "zrangebylex", "zrangebyscore", "zrangestore", "zrank", "zrem",
    "zremrangebylex", "zremrangebyrank", "zremrangebyscore", "zrevrange",
    "zrevrangebylex", "zrevrangebyscore", "zrevrank", "zscan", "zscore", "zunion",
    "zunionstore",
]

# Containers whose HELP reply is kept verbatim (argv of the HELP request).
HELPS = {
    "client": ["CLIENT", "HELP"],
    "config": ["CONFIG", "HELP"],
    "command": ["COMMAND", "HELP"],
    "latency": ["LATENCY", "HELP"],
    "debug": ["DEBUG", "HELP"],
    "object": ["OBJECT", "HELP"],
}


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def _fill(self):
        d = self.s.recv(1 << 16)
        if not d:
            raise EOFError("redis-server closed the connection")
        self.buf += d

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        i = self.buf.index(b"\r\n")
        line, self.buf = self.buf[:i], self.buf[i + 2:]
        return line

    def _bytes(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        b, self.buf = self.buf[:n], self.buf[n + 2:]
        return b

    def read(self):
        """One reply as (type, value); aggregates hold lists of replies
        (maps: flat key, value, key, value ...)."""
        line = self._line()
        t, p = chr(line[0]), line[1:]
        if t in "+-":
            return (t, p)
        if t == ":":
            return (t, int(p))
        if t in "$=":
            n = int(p)
            if n < 0:
                return ("_", None)
            return (t, self._bytes(n))
        if t in "*~>":
            n = int(p)
            if n < 0:
                return ("_", None)
            return (t, [self.read() for _ in range(n)])
        if t == "%":
            return (t, [self.read() for _ in range(2 * int(p))])
        if t == "_":
            return (t, None)
        raise ValueError("unexpected reply %r" % line)

    def cmd(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a.encode() if isinstance(a, str) else a
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.s.sendall(out)
        return self.read()


def c_str(b):
    out = []
    for ch in b:
        c = chr(ch)
        if c == "\\":
            out.append("\\\\")
        elif c == '"':
            out.append('\\"')
        elif c == "\n":
            out.append("\\n")
        elif c == "?":
            out.append("\\?")  # no trigraphs
        elif 32 <= ch < 127:
            out.append(c)
        else:
            out.append("\\%03o" % ch)
    return '"' + "".join(out) + '"'


class Nodes:
    """Flattens reply trees into one node array; an aggregate's elements
    are contiguous, starting at its kids index."""

    def __init__(self):
        self.rows = []

    def add(self, tree):
        idx = len(self.rows)
        self.rows.append(None)
        self._fill(idx, tree)
        return idx

    def _fill(self, idx, tree):
        t, v = tree
        if t in "$+":
            self.rows[idx] = "{'%s', %d, 0, %s}" % (t, len(v), c_str(v))
        elif t == ":":
            self.rows[idx] = "{':', 0, %dLL, NULL}" % v
        elif t == "_":
            self.rows[idx] = "{'_', 0, 0, NULL}"
        elif t in "*~%":
            kids = len(self.rows)
            self.rows.extend([None] * len(v))
            n = len(v) // 2 if t == "%" else len(v)
            self.rows[idx] = "{'%s', %d, %d, NULL}" % (t, n, kids)
            for i, kid in enumerate(v):
                self._fill(kids + i, kid)
        else:
            raise ValueError("cannot store reply type %r" % t)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    port = int(sys.argv[1])
    out_path = sys.argv[2] if len(sys.argv) > 2 else "lib/cmd/cmd_docs.c"
    c = Conn(port)
    t, server = c.cmd("HELLO", "3")
    if t != "%":
        sys.exit("HELLO 3 failed: %r" % (server,))
    info = dict(zip([k[1] for k in server[0::2]], [v[1] for v in server[1::2]]))
    version = info[b"version"].decode()
    if version != "7.0.15":
        sys.stderr.write("warning: redis-server %s is not 7.0.15, the version wirekv "
                         "speaks as\n" % version)

    nodes = Nodes()
    records = []
    for name in sorted(COMMANDS):
        t, entries = c.cmd("COMMAND", "INFO", name)
        entry = entries[0]
        if entry[0] != "*":
            sys.exit("redis-server does not know %s" % name)
        fields = entry[1]
        has_sub = fields[9][0] == "*" and len(fields[9][1]) > 0
        info_idx = nodes.add(("*", fields[:9]))
        t, docmap = c.cmd("COMMAND", "DOCS", name)
        body = docmap[1][1]
        kept = []
        for i in range(0, len(body), 2):
            if body[i][1] != b"subcommands":
                kept += [body[i], body[i + 1]]
        docs_idx = nodes.add(("%", kept))
        records.append((name, info_idx, docs_idx, has_sub))

    helps = []
    for parent in sorted(HELPS):
        t, lines = c.cmd(*HELPS[parent])
        if t != "*":
            sys.exit("%s failed: %r (start redis-server with "
                     "--enable-debug-command yes)" % (" ".join(HELPS[parent]), lines))
        helps.append((parent, [l[1] for l in lines]))

    t, doctor = c.cmd("LATENCY", "DOCTOR")
    if t != "=":
        sys.exit("LATENCY DOCTOR: %r" % (doctor,))
    doctor = doctor[4:]  # drop the verbatim "txt:" prefix

    w = []
    w.append("/* Generated by tools/gen-command-docs.py from redis-server %s: do not edit.\n"
             " * Regenerate (from the repository root) with\n"
             " *   redis-server --port 7400 --save '' --appendonly no --daemonize yes \\\n"
             " *       --enable-debug-command yes\n"
             " *   /usr/bin/python3 tools/gen-command-docs.py 7400 lib/cmd/cmd_docs.c\n"
             " *   redis-cli -p 7400 shutdown nosave\n"
             " * Data: Redis's COMMAND INFO entries (without subcommands) and COMMAND\n"
             " * DOCS maps (without subcommands, full argument trees) as node trees,\n"
             " * HELP texts, and the LATENCY DOCTOR text. */\n" % version)
    w.append('#include "cmd/cmd_docs.h"\n\n#include <stddef.h>\n')
    w.append("const struct cmd_doc_node cmd_doc_nodes[] = {")
    for i, row in enumerate(nodes.rows):
        w.append("\t/* %d */ %s," % (i, row))
    w.append("};\n")
    w.append("/* sorted by name (strcmp order) for bsearch */")
    w.append("const struct cmd_doc cmd_docs[] = {")
    for name, ii, di, sub in records:
        w.append('\t{"%s", %d, %d, %s},' % (name, ii, di, "true" if sub else "false"))
    w.append("};")
    w.append("const size_t cmd_docs_count = sizeof(cmd_docs) / sizeof(cmd_docs[0]);\n")
    for parent, lines in helps:
        w.append("static const char *const help_%s[] = {" % parent)
        for l in lines:
            w.append("\t%s," % c_str(l))
        w.append("\tNULL,\n};")
    w.append("\nconst struct cmd_help cmd_helps[] = {")
    for parent, _ in helps:
        w.append('\t{"%s", help_%s},' % (parent, parent))
    w.append("\t{NULL, NULL},\n};\n")
    w.append("const char cmd_latency_doctor_text[] =")
    parts = doctor.split(b". ")
    for i, p in enumerate(parts):
        w.append("\t%s" % c_str(p + (b". " if i < len(parts) - 1 else b"")))
    w[-1] += ";"
    with open(out_path, "w") as f:
        f.write("\n".join(w) + "\n")
    print("wrote %s: %d commands, %d nodes" % (out_path, len(records), len(nodes.rows)))


if __name__ == "__main__":
    main()
