#!/usr/bin/python3
"""Side-by-side benchmark: wirekv-server against Debian's redis-server.

Each server runs pinned to one core (--server-cpu, default 0) with one
worker; redis-benchmark runs pinned to another (--client-cpu, default 1).
For every round, workload and pipeline depth it records throughput and the
server's CPU time (utime+stime from /proc/PID/stat), then prints per-round
figures, medians over rounds and the wirekv/redis ratios.

Then the memory test: 1M keys of 16 bytes with 32-byte values loaded into
each server; used_memory and RSS growth per key. With --mem-types, also
one collection per type with 1M elements (16-byte fields/members, 32-byte
hash values, scores 0..1M-1): used_memory growth per element.

  /usr/bin/python3 tools/bench.py                 # 3 rounds, full sizes
  /usr/bin/python3 tools/bench.py --rounds 5 --requests 2000000
  /usr/bin/python3 tools/bench.py --tests lpush lpop sadd hset zadd --pipelines 16 \
      --no-memory                                 # issue 6's data-type figures
  /usr/bin/python3 tools/bench.py --rounds 0 --mem-types hash zset set list
"""
import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port, proc, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server on port {port} did not answer PING")


def start(kind, port, cpu, server_bin):
    if kind == "redis":
        cmd = ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
               "--save", "", "--appendonly", "no", "--io-threads", "1"]
    else:
        cmd = [server_bin, "--port", str(port), "--bind", "127.0.0.1", "--threads", "1"]
    proc = subprocess.Popen(["taskset", "-c", str(cpu)] + cmd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(port, proc)
    return proc


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        m = re.search(r"VmRSS:\s+(\d+) kB", f.read())
    return int(m.group(1)) * 1024


def info_field(port, field):
    out = subprocess.run(["redis-cli", "-p", str(port), "info", "memory"],
                         capture_output=True, text=True, timeout=30).stdout
    m = re.search(rf"^{field}:(\d+)", out, re.M)
    return int(m.group(1)) if m else None


def run_benchmark(port, test, pipeline, args):
    cmd = ["taskset", "-c", str(args.client_cpu), "redis-benchmark", "-p", str(port),
           "-t", test, "-n", str(args.requests), "-c", str(args.clients),
           "-r", str(args.keyspace), "-d", str(args.data_size), "-P", str(pipeline), "--csv"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600).stdout
    for line in out.splitlines():
        cols = [c.strip('"') for c in line.split(",")]
        if cols and cols[0].upper().startswith(test.upper()):
            return float(cols[1])
    raise RuntimeError(f"no result for {test} in redis-benchmark output:\n{out}")


def bench_round(kind, args):
    port = free_port()
    proc = start(kind, port, args.server_cpu, args.server)
    results = {}
    try:
        for pipeline in args.pipelines:
            for test in args.tests:
                cpu0 = cpu_seconds(proc.pid)
                t0 = time.time()
                rps = run_benchmark(port, test, pipeline, args)
                wall = time.time() - t0
                cpu = cpu_seconds(proc.pid) - cpu0
                ops_per_cpu = args.requests / cpu if cpu > 0 else float("nan")
                results[(test, pipeline)] = (rps, ops_per_cpu, cpu / wall if wall else 0)
    finally:
        stop(proc)
    return results


def load_keys(port, nkeys):
    """1M distinct 16-byte keys (key:%012d), 32-byte values, through redis-cli --pipe."""
    value = b"v" * 32
    chunks = []
    for i in range(nkeys):
        k = b"key:%012d" % i
        chunks.append(b"*3\r\n$3\r\nSET\r\n$16\r\n%s\r\n$32\r\n%s\r\n" % (k, value))
    data = b"".join(chunks)
    subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input=data,
                   capture_output=True, timeout=300, check=True)


def collection_commands(mtype, n):
    """RESP for one 1M-element collection, in batches of 100 elements per command."""
    verbs = {"hash": b"HSET", "set": b"SADD", "zset": b"ZADD", "list": b"RPUSH"}
    key = b"big:" + mtype.encode()
    out = []
    for start in range(0, n, 100):
        args = [verbs[mtype], key]
        for i in range(start, min(n, start + 100)):
            member = b"member:%09d" % i  # 16 bytes
            if mtype == "hash":
                args += [member, b"v" * 32]
            elif mtype == "zset":
                args += [b"%d" % i, member]
            else:
                args.append(member)
        out.append(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args))
    return b"".join(out)


def collection_memory(kind, mtype, args):
    port = free_port()
    proc = start(kind, port, args.server_cpu, args.server)
    try:
        used0 = info_field(port, "used_memory")
        subprocess.run(["redis-cli", "-p", str(port), "--pipe"],
                       input=collection_commands(mtype, args.mem_keys),
                       capture_output=True, timeout=300, check=True)
        time.sleep(0.5)
        used1 = info_field(port, "used_memory")
        enc = subprocess.run(["redis-cli", "-p", str(port), "object", "encoding", "big:" + mtype],
                             capture_output=True, text=True, timeout=30).stdout.strip()
    finally:
        stop(proc)
    return (used1 - used0) / args.mem_keys, enc


def memory_test(kind, args):
    port = free_port()
    proc = start(kind, port, args.server_cpu, args.server)
    try:
        used0 = info_field(port, "used_memory")
        rss0 = rss_bytes(proc.pid)
        load_keys(port, args.mem_keys)
        time.sleep(0.5)
        used1 = info_field(port, "used_memory")
        rss1 = rss_bytes(proc.pid)
        dbsize = int(subprocess.run(["redis-cli", "-p", str(port), "dbsize"],
                                    capture_output=True, text=True, timeout=30).stdout)
    finally:
        stop(proc)
    return {"keys": dbsize, "used_per_key": (used1 - used0) / args.mem_keys,
            "rss_per_key": (rss1 - rss0) / args.mem_keys, "used_memory": used1, "rss": rss1}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--server", default=os.path.join(ROOT, "build", "app", "wirekv-server"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=1000000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--keyspace", type=int, default=100000)
    ap.add_argument("--data-size", type=int, default=32)
    ap.add_argument("--pipelines", type=int, nargs="+", default=[1, 16])
    ap.add_argument("--tests", nargs="+", default=["set", "get"])
    ap.add_argument("--server-cpu", type=int, default=0)
    ap.add_argument("--client-cpu", type=int, default=1)
    ap.add_argument("--mem-keys", type=int, default=1000000)
    ap.add_argument("--no-memory", action="store_true")
    ap.add_argument("--mem-types", nargs="*", default=[], choices=["hash", "set", "zset", "list"])
    args = ap.parse_args()

    if not os.access(args.server, os.X_OK):
        sys.exit(f"{args.server} not found: build first (meson setup build --buildtype=release && ninja -C build)")

    print(f"# server cpu {args.server_cpu}, redis-benchmark cpu {args.client_cpu}; "
          f"-c {args.clients} -r {args.keyspace} -d {args.data_size} -n {args.requests}; "
          f"{args.rounds} rounds, servers alternate within each round")
    rounds = {"wirekv": [], "redis": []}
    for r in range(args.rounds):
        for kind in (("wirekv", "redis") if r % 2 == 0 else ("redis", "wirekv")):
            res = bench_round(kind, args)
            rounds[kind].append(res)
            for (test, p), (rps, opc, util) in sorted(res.items()):
                print(f"round {r + 1} {kind:6} {test.upper():4} P{p:<3} {rps:>12,.0f} ops/s "
                      f"{opc:>12,.0f} ops/cpu-s  server cpu {util * 100:5.1f}%")
            sys.stdout.flush()

    print("\n# medians over rounds               wirekv        redis    ratio")
    for p in (args.pipelines if args.rounds else []):
        for test in args.tests:
            key = (test, p)
            w_rps = statistics.median(x[key][0] for x in rounds["wirekv"])
            r_rps = statistics.median(x[key][0] for x in rounds["redis"])
            w_opc = statistics.median(x[key][1] for x in rounds["wirekv"])
            r_opc = statistics.median(x[key][1] for x in rounds["redis"])
            print(f"{test.upper():4} P{p:<3} ops/s           {w_rps:>13,.0f} {r_rps:>12,.0f} {w_rps / r_rps:8.2f}x")
            print(f"{test.upper():4} P{p:<3} ops/cpu-second  {w_opc:>13,.0f} {r_opc:>12,.0f} {w_opc / r_opc:8.2f}x")

    if not args.no_memory:
        print(f"\n# memory: {args.mem_keys} keys, 16 B keys, 32 B values")
        for kind in ("wirekv", "redis"):
            m = memory_test(kind, args)
            print(f"{kind:6} keys {m['keys']:>8}  used_memory {m['used_memory'] / 2**20:8.1f} MiB "
                  f"({m['used_per_key']:6.1f} B/key)  RSS {m['rss'] / 2**20:8.1f} MiB ({m['rss_per_key']:6.1f} B/key)")
    for mtype in args.mem_types:
        w, wenc = collection_memory("wirekv", mtype, args)
        r, renc = collection_memory("redis", mtype, args)
        print(f"{mtype:5} {args.mem_keys} elements: wirekv {w:6.1f} B/element ({wenc}), "
              f"redis {r:6.1f} B/element ({renc}), ratio {w / r:5.2f}")


if __name__ == "__main__":
    main()
