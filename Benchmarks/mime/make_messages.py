#!/usr/bin/env python3
"""Writes the benchmark messages: message-100k.eml and message-10m.eml (deterministic, CRLF).

Each is a typical rich mail: multipart/mixed with multipart/alternative (quoted-printable text/plain and text/html,
UTF-8 with some non-ASCII), a multipart/related inline image, and base64 attachments that make up most of the size.
"""
import base64, os, random, sys

def qp(text):
    import quopri
    return quopri.encodestring(text.encode("utf-8")).decode("ascii").replace("\n", "\r\n")

def b64(data):
    return "\r\n".join(base64.encodebytes(data).decode("ascii").splitlines())

def message(total, seed):
    rng = random.Random(seed)
    words = ["Grüße", "meeting", "invoice", "naïve", "report", "schedule", "déjà", "update", "quarterly", "Zürich",
             "the", "and", "for", "with", "please", "review", "attached", "€", "thanks", "regards"]
    text_size = max(2000, total // 50)
    para = []
    while sum(len(p) for p in para) < text_size:
        para.append(" ".join(rng.choice(words) for _ in range(rng.randint(8, 40))) + ".")
    text = "\n\n".join(para)
    html = "<html><body>" + "".join(f"<p>{p}</p>\n" for p in para) + '<img src="cid:logo@example.com"></body></html>'
    remaining = total - 3 * text_size - 4000
    attachments = []
    count = 1 if total < 1_000_000 else 4
    for i in range(count):
        size = max(1000, remaining * 3 // 4 // count)
        attachments.append((f"document-{i}.pdf", "application/pdf", rng.randbytes(size)))
    logo = rng.randbytes(2000)
    parts = [
        "From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <juergen@example.com>",
        "To: Alice <alice@example.org>, \"Bob, B.\" <bob@example.org>",
        "Cc: team: carol@example.org, dave@example.org;",
        "Subject: =?UTF-8?B?UXVhcnRhbHNiZXJpY2h0IOKAkyBHcsO8w59l?=",
        "Date: Tue, 1 Jul 2025 10:52:37 +0200",
        "Message-ID: <bench-%d@example.com>" % seed,
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="=_mixed_0123456789"',
        "",
        "This is a multi-part message in MIME format.",
        "--=_mixed_0123456789",
        'Content-Type: multipart/related; boundary="=_related_0123456789"',
        "",
        "--=_related_0123456789",
        'Content-Type: multipart/alternative; boundary="=_alt_0123456789"',
        "",
        "--=_alt_0123456789",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        qp(text),
        "--=_alt_0123456789",
        "Content-Type: text/html; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        qp(html),
        "--=_alt_0123456789--",
        "--=_related_0123456789",
        "Content-Type: image/png",
        "Content-Transfer-Encoding: base64",
        "Content-ID: <logo@example.com>",
        "Content-Disposition: inline",
        "",
        b64(logo),
        "--=_related_0123456789--",
    ]
    for name, ctype, data in attachments:
        parts += [
            "--=_mixed_0123456789",
            f'Content-Type: {ctype}; name="{name}"',
            "Content-Transfer-Encoding: base64",
            f'Content-Disposition: attachment; filename="{name}"',
            "",
            b64(data),
        ]
    parts += ["--=_mixed_0123456789--", ""]
    return "\r\n".join(parts).encode("ascii")

if __name__ == "__main__":
    args = sys.argv[1:]
    sizes = [("message-100k.eml", 100_000, 1), ("message-10m.eml", 10_000_000, 2)]
    if "--size" in args:  # one extra message of the given size, for the memory check
        i = args.index("--size")
        size = int(args[i + 1])
        del args[i:i + 2]
        sizes = [(f"message-{size // 1_000_000}m.eml", size, 3)]
    out = args[0] if args else os.path.dirname(os.path.abspath(__file__))
    for name, size, seed in sizes:
        data = message(size, seed)
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        print(f"{name}: {len(data)} bytes")
