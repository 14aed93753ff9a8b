#!/usr/bin/env python3
"""The same work as mime-bench, done with Python's email package (policy.default).

  bench_python.py [--iterations N] FILE...   per file: ms per parse (parse only, and parse + decode), MB/s
  bench_python.py --memory FILE              peak resident memory added by one parse + decode

"parse + decode" matches what MIMEParser.parse does: headers (subject, from, to), the text and HTML bodies, and
the decoded content of every other leaf part.
"""
import email, email.policy, os, resource, sys, time

def parse_only(data):
    return email.message_from_bytes(data, policy=email.policy.default)

def parse_and_decode(data):
    msg = email.message_from_bytes(data, policy=email.policy.default)
    total = len(str(msg["subject"] or ""))
    for name in ("from", "to", "cc"):
        if msg[name] is not None:
            total += len(msg[name].addresses)
    for part in msg.walk():
        if part.is_multipart():
            continue
        content = part.get_content()
        total += len(content)
    return total

def main(argv):
    iterations = None
    memory = False
    if "--iterations" in argv:
        i = argv.index("--iterations")
        iterations = int(argv[i + 1])
        del argv[i:i + 2]
    if "--memory" in argv:
        memory = True
        argv.remove("--memory")
    for path in argv:
        data = open(path, "rb").read()
        name = os.path.basename(path)
        if memory:
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            parse_and_decode(data)
            after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            print(f"{name}: {len(data)} bytes, peak memory added by one parse {(after - before) / 1e6:.1f} MB "
                  f"({(after - before) / len(data):.2f} x message size)")
            continue
        count = iterations or max(3, min(200, 20_000_000 // max(len(data), 1)))
        for label, fn in (("parse", parse_only), ("parse+decode", parse_and_decode)):
            fn(data)
            start = time.perf_counter()
            for _ in range(count):
                fn(data)
            per = (time.perf_counter() - start) / count
            print(f"python  {name:<18} {len(data):10d} bytes  {per * 1000:8.3f} ms/{label:<12} {len(data) / per / 1e6:8.1f} MB/s  [{count} runs]")

if __name__ == "__main__":
    main(sys.argv[1:])
