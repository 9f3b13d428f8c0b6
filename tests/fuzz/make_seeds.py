#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the fuzz seed corpora (tests/fuzz/seeds/NAME/) from the repository's
own test data.  Usage: make_seeds.py BUILD_DIR

syslog      messages of tests/data/corpus (RFC examples, conformance inputs,
            vendor samples, Japanese), each after 8 bytes of receive time
framer      the RFC 5424 examples octet-counted and LF-framed, go-syslog
            framing cases, under several configurations
net         the Ethernet frames of tests/data/pcap
text        the Japanese corpus lines (Shift_JIS, UTF-8, cut) in both modes
block       the golden store's blocks (tests/data/golden), one per seed
store       the golden segment as is (mode 0), its blocks (modes 1 and 3,
            with the decryption key), its leaves (2)
index       the golden segment's index, written by BUILD_DIR's sealctl
checkpoint  the golden checkpoints file, each note, each body, the keys
proof       an inclusion proof, a consistency proof and an evidence package
            of the golden store, made by BUILD_DIR's sealctl
Seeds are named by content hash, so re-running adds nothing twice.
"""
import glob, hashlib, json, os, shutil, struct, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, '..', 'data')
GOLDEN = os.path.join(DATA, 'golden', 'store-v3')
RX = struct.pack('<q', 1796403000 * 10**9)


def put(name, data):
    d = os.path.join(HERE, 'seeds', name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()[:16]), 'wb') as f:
        f.write(data)


def jsonl(path):
    with open(path, encoding='utf-8') as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def syslog_seeds():
    msgs = []
    for path in glob.glob(os.path.join(DATA, 'corpus', '*', '*', '*.jsonl')) + \
            glob.glob(os.path.join(DATA, 'corpus', '*', '*.jsonl')):
        for i, o in enumerate(jsonl(path)):
            for k in ('input', 'original_string', 'raw'):
                v = o.get(k)
                if isinstance(v, str) and i < 40:
                    msgs.append(v.encode('utf-8', 'surrogateescape'))
    for path in glob.glob(os.path.join(DATA, 'corpus', 'vendor', 'sc4s', '*.txt')):
        with open(path, 'rb') as f:
            msgs += f.read().split(b'\n')[:80]
    for path in glob.glob(os.path.join(DATA, 'corpus', 'ja', '*')):
        if not path.endswith('.md'):
            with open(path, 'rb') as f:
                msgs += f.read().split(b'\n')[:20]
    for m in msgs:
        if len(m) <= 4096:
            put('syslog', RX + m)
    return msgs


def text_seeds():
    # charset (0 ASCII, 1 UTF-8, 2 Shift_JIS, 3 binary) | 4 for escaped mode
    for name, cs in (('sjis.txt', 2), ('utf8.txt', 1), ('truncated-sjis.bin', 2),
                     ('truncated-utf8.bin', 1)):
        with open(os.path.join(DATA, 'corpus', 'ja', name), 'rb') as f:
            lines = f.read().split(b'\n')[:6]
        for line in lines:
            if line:
                put('text', bytes([cs]) + line)
                put('text', bytes([cs | 4]) + line)
    put('text', b'\x00<13>plain ascii, a tab\there and a backslash \\ too')
    put('text', b'\x07' + bytes(range(256)))


def framer_seeds(msgs):
    with open(os.path.join(DATA, 'corpus', 'rfc-examples', 'rfc5424_examples.octet-counted.bin'), 'rb') as f:
        octet = f.read()
    with open(os.path.join(DATA, 'corpus', 'rfc-examples', 'rfc5424_examples.lf-framed.bin'), 'rb') as f:
        lf = f.read()
    # config: mode|nul, max_msg/4, len_limit, cut seed
    for cfg in (b'\x00\x40\x80\x07', b'\x01\x10\x20\x03', b'\x02\x40\x80\x00', b'\x06\x08\x80\x11'):
        put('framer', cfg + octet)
        put('framer', cfg + lf)
    for name in ('go-syslog_octetcounting_cases.jsonl', 'go-syslog_nontransparent_cases.jsonl'):
        for o in jsonl(os.path.join(DATA, 'corpus', 'conformance', 'go-syslog', name)):
            s = o['input'].encode('utf-8', 'surrogateescape')
            put('framer', b'\x00\xff\x80\x05' + s)
    stream = b''.join(b'%d %s' % (len(m), m) for m in msgs[:30])
    put('framer', b'\x01\xff\x80\x09' + stream)
    put('framer', b'\x02\x20\x80\x09' + b'\n'.join(msgs[:30]))


def net_seeds():
    for path in glob.glob(os.path.join(DATA, 'pcap', '*.pcap')):
        with open(path, 'rb') as f:
            b = f.read()
        magic = struct.unpack('<I', b[:4])[0]
        end = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
        off = 24
        while off + 16 <= len(b):
            incl = struct.unpack(end + 'I', b[off + 8:off + 12])[0]
            put('net', b[off + 16:off + 16 + incl])
            off += 16 + incl


def golden_blocks():
    with open(os.path.join(GOLDEN, 'segments', '00000001.seg'), 'rb') as f:
        seg = f.read()
    off, blocks = 128, []
    while off + 320 <= len(seg):
        stored = struct.unpack('<I', seg[off + 60:off + 64])[0]
        blocks.append(seg[off:off + 320 + stored])
        off += 320 + stored
    return seg, blocks


def run(*args, **kw):
    return subprocess.run(args, check=True, capture_output=True, **kw)


def main():
    build = os.path.abspath(sys.argv[1])
    sealctl = os.path.join(build, 'tools', 'sealctl', 'sealctl')
    shutil.rmtree(os.path.join(HERE, 'seeds'), ignore_errors=True)
    framer_seeds(syslog_seeds())
    text_seeds()
    net_seeds()
    seg, blocks = golden_blocks()
    for b in blocks:
        put('block', b)
    put('store', b'\x00' + seg)
    put('store', b'\x05' + seg[128:])
    put('store', b'\x07' + seg[128:])
    with open(os.path.join(GOLDEN, 'leaves'), 'rb') as f:
        put('store', b'\x02' + f.read())
    with open(os.path.join(GOLDEN, 'checkpoints'), 'rb') as f:
        cps = f.read()
    put('checkpoint', b'\x00' + cps)
    for body in cps.split(b'\n\n'):
        if not body.startswith(b'\xe2\x80\x94'):
            put('checkpoint', b'\x01' + body.strip(b'\n') + b'\n')
    for path in glob.glob(os.path.join(DATA, 'golden', 'keys-v2', '*.pub')) + \
            glob.glob(os.path.join(GOLDEN, 'keys', '*.pub')):
        with open(path, 'rb') as f:
            put('checkpoint', b'\x00' + f.read())
    with tempfile.TemporaryDirectory() as tmp:
        store = os.path.join(tmp, 'store')
        shutil.copytree(GOLDEN, store)
        # export reads payloads and takes no decryption key: the plain v2 store.
        v2 = os.path.join(tmp, 'v2')
        shutil.copytree(os.path.join(DATA, 'golden', 'store-v2'), v2)
        key = os.path.join(tmp, 'enc.key')
        shutil.copy(os.path.join(DATA, 'golden', 'golden-enc.key'), key)
        os.chmod(key, 0o600)
        run(sealctl, 'rebuild-index', store)
        with open(os.path.join(store, 'index', '00000001.idx'), 'rb') as f:
            idx = f.read()
        put('index', b'\x00' + idx)
        put('index', b'\x01' + idx)
        old = os.path.join(tmp, 'old-checkpoint')
        with open(old, 'wb') as f:
            f.write(cps[:cps.index(b'\n\n', cps.index(b'\n\n') + 2) + 1])
        out = os.path.join(tmp, 'proof.json')
        # Small documents (record 3.0 is 8,000 bytes of noise): each
        # execution parses the whole JSON.
        for args in (('prove', store, '--record', '4.1', '--decrypt-key', key),
                     ('prove', store, '--record', '5.0', '--decrypt-key', key),
                     ('consistency', store, '--old', old),
                     ('export', '--host', 'ups-2', v2),
                     ('export', '--host', 'dicom-gw-1', v2)):
            run(sealctl, *args, '--out', out)
            with open(out, 'rb') as f:
                p = f.read()
            put('proof', b'\x00' + p)
            put('proof', b'\x01' + p)


if __name__ == '__main__':
    main()
