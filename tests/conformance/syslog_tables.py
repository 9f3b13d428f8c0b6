#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sealcap authors
"""Convert the syslog conformance tables (JSONL, tests/data/corpus) into the
line format that tests/unit/test_syslog.c reads, so the C test needs no JSON
parser.  Standard library only; run by meson at build time:

    syslog_tables.py CORPUS_DIR ACCEPTED.md OUTPUT

Each table's expectations are mapped to sealcap's field conventions here
(documented next to each mapping); what cannot be mapped without guessing is
skipped with a reason, which the C test prints.

Output format, one item per line, values percent-encoded (bytes outside
0x21..0x7e, and '%', as %XX; an empty value is the empty string):

    T <table> <skipped> <reason...>   table header (cases skipped, why)
    C <table> <key>                   case start; key is stable per table
    rx <int>                          receive time (ns) to pass
    in <bytes>                        the message
    pri <int>                         -1: no PRI
    ver <int>
    ts none | ns <ns> <tz> | us <ns> <tz> | mdhms <M> <D> <h> <m> <s> | frac <ns>
    host|app|procid|msgid|tag <bytes> expected text; empty: absent
    msg <bytes>                       MSG exactly
    msgc <bytes>                      text from APPNAME (or MSG) to the end
    msgs <bytes>                      SP* followed by MSG (rsyslog %msg%)
    msgnb <bytes>                     MSG without its leading BOM
    sd 0|1                            structured data present
    sdfrag <off> 0|1                  SD is exactly raw[off:] and well formed
    bom 0|1, fmt <int>, valid 0|1
    acc <field,...> <class>           accepted disagreement (ACCEPTED.md)
    E
    S <bytes>                         extra seed for the property test only
                                      (inputs without expectations)
"""

import base64
import calendar
import fnmatch
import json
import os
import re
import sys

DEFAULT_RX = 1781481600 * 10**9        # 2026-06-15T00:00:00Z

FMT_UNKNOWN, FMT_5424, FMT_3164 = 0, 1, 2


def pct(b):
    if isinstance(b, str):
        b = b.encode('utf-8')
    out = []
    for c in b:
        if 0x21 <= c <= 0x7e and c != 0x25:
            out.append(chr(c))
        else:
            out.append('%%%02X' % c)
    return ''.join(out)


def iso_ns(s):
    """RFC 3339 text -> (UTC ns, offset minutes), exact (no float)."""
    m = re.fullmatch(r'(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?'
                     r'(Z|[+-]\d\d:\d\d)', s)
    if not m:
        raise ValueError('not RFC 3339: %r' % s)
    y, mo, d, h, mi, se = (int(x) for x in m.group(1, 2, 3, 4, 5, 6))
    frac = int((m.group(7) or '0')[:9].ljust(9, '0'))
    tz = 0
    if m.group(8) != 'Z':
        sign = -1 if m.group(8)[0] == '-' else 1
        tz = sign * (int(m.group(8)[1:3]) * 60 + int(m.group(8)[4:6]))
    secs = calendar.timegm((y, mo, d, h, mi, se, 0, 0, 0)) - tz * 60
    return secs * 10**9 + frac, tz


MONTHS = {m: i + 1 for i, m in enumerate(
    'jan feb mar apr may jun jul aug sep oct nov dec'.split())}


def mdhms(text):
    """'Mar  6 16:57:54' / 'Mar 07 19:06:53' -> 'mdhms 3 6 16 57 54'."""
    m = re.fullmatch(r'([A-Za-z]{3}) +(\d{1,2}) (\d\d):(\d\d):(\d\d)', text)
    if not m:
        raise ValueError('not a BSD timestamp: %r' % text)
    return 'mdhms %d %d %d %d %d' % (MONTHS[m.group(1).lower()],
                                     int(m.group(2)), int(m.group(3)),
                                     int(m.group(4)), int(m.group(5)))


class Out:
    def __init__(self):
        self.lines = []
        self.cases = {}          # table -> list of keys
        self.skipped = {}        # table -> [(what, reason)]

    def case(self, table, key, raw, rx=DEFAULT_RX, **exp):
        if isinstance(raw, str):
            raw = raw.encode('utf-8')
        self.cases.setdefault(table, []).append(key)
        lines = ['C %s %s' % (table, key), 'rx %d' % rx, 'in ' + pct(raw)]
        for k, v in exp.items():
            if v is None:
                continue
            if k in ('host', 'app', 'procid', 'msgid', 'tag', 'msg', 'msgc',
                     'msgs', 'msgnb'):
                lines.append('%s %s' % (k, pct(v)))
            elif k in ('pri', 'ver', 'sd', 'bom', 'fmt', 'valid'):
                lines.append('%s %d' % (k, int(v)))
            else:
                lines.append('%s %s' % (k, v))
        self.lines.append(lines)

    def skip(self, table, what, reason):
        self.skipped.setdefault(table, []).append((what, reason))


def load(corpus, rel):
    with open(os.path.join(corpus, rel), encoding='utf-8') as f:
        return [json.loads(l) for l in f if l.strip()]


def b64field(d, name):
    if d is None:
        return None
    if name + '_b64' in d:
        return base64.b64decode(d[name + '_b64'])
    v = d.get(name)
    return v.encode('utf-8') if isinstance(v, str) else v


# ---------------------------------------------------------------- go-syslog

def go_syslog(o, corpus):
    """influxdata/go-syslog.  Valid cases: every field the table gives; a
    field it leaves out must be absent here too.  Invalid cases: only the
    verdict (valid:false -> an error flag or a non-5424 format), since the
    partial best-effort results stop at the first error and we do not."""
    for idx, r in enumerate(load(corpus, 'conformance/go-syslog/'
                                 'go-syslog_rfc5424_cases.jsonl')):
        raw = b64field(r, 'input')
        if not r['valid']:
            o.case('go5424', idx, raw, valid=0)
            continue
        e = r['expected']
        ts = 'none'
        if 'timestamp' in e:
            ts = 'ns %d %d' % iso_ns(e['timestamp'])
        o.case('go5424', idx, raw, pri=e['priority'], ver=e['version'],
               ts=ts, host=e.get('hostname', ''), app=e.get('appname', ''),
               procid=e.get('procid', ''), msgid=e.get('msgid', ''),
               sd=1 if e.get('structured_data') else 0,
               msg=b64field(e, 'message') or b'', valid=1)

    for idx, r in enumerate(load(corpus, 'conformance/go-syslog/go-syslog_'
                                 'rfc5424_noncompliant_msg_cases.jsonl')):
        o.case('go5424nc', idx, b64field(r, 'input'), valid=0)

    # The table renders BSD timestamps with year 0000 (Go's time.Stamp has
    # no year): compare month, day and time.
    for idx, r in enumerate(load(corpus, 'conformance/go-syslog/'
                                 'go-syslog_rfc3164_cases.jsonl')):
        e = r['expected']
        m = re.fullmatch(r'0000-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z',
                         e['timestamp'])
        ts = 'mdhms %d %d %d %d %d' % tuple(int(x) for x in m.groups())
        o.case('go3164', idx, r['input'], pri=e['priority'], ts=ts,
               host=e.get('hostname', ''), app=e.get('appname', ''),
               procid=e.get('procid', ''), msg=e.get('message', ''),
               fmt=FMT_3164)


# ---------------------------------------------------------------- metron

def metron(o, corpus):
    """Apache Metron.  Its 'message' keeps the TAG ("%ASA-7-609001: Built
    ..."), so it is compared with the text from APPNAME on (msgc).  The
    epoch 'timestamp' is the header time in the year Metron assumed; it is
    passed as the receive time, so year inference must land on it."""
    for idx, r in enumerate(load(corpus, 'conformance/metron/'
                                 'syslog3164_parsed.jsonl')):
        rx = r['timestamp'] * 10**6
        o.case('metron3164', idx, r['original_string'], rx=rx,
               pri=int(r['syslog.header.pri']), ts='ns %d 0' % rx,
               host=r['syslog.header.hostName'],
               msgc=r['syslog.message'], fmt=FMT_3164)

    for idx, r in enumerate(load(corpus, 'conformance/metron/'
                                 'syslog5424_parsed.jsonl')):
        nil = lambda v: '' if v == '-' else v
        sd = any(k.startswith('syslog.structuredData.') for k in r)
        o.case('metron5424', idx, r['original_string'],
               pri=int(r['syslog.header.pri']),
               ver=int(r['syslog.header.version']),
               ts='ns %d %d' % iso_ns(r['syslog.header.timestamp']),
               host=nil(r['syslog.header.hostName']),
               app=nil(r['syslog.header.appName']),
               procid=nil(r['syslog.header.procId']),
               msgid=nil(r['syslog.header.msgId']), sd=int(sd),
               msg=r['syslog.message'], valid=1)

    fac = dict(kern=0, user=1, mail=2, daemon=3, auth=4, syslog=5, lpr=6,
               news=7, uucp=8, cron=9, authpriv=10, ftp=11,
               **{'local%d' % i: 16 + i for i in range(8)})
    sev = dict(emerg=0, alert=1, crit=2, error=3, err=3, warning=4, warn=4,
               notice=5, info=6, informational=6, debug=7)
    for idx, r in enumerate(load(corpus, 'conformance/metron/'
                                 'cisco_asa_parsed.jsonl')):
        rx = r['timestamp'] * 10**6
        o.case('metronasa', idx, r['original_string'], rx=rx,
               pri=fac[r['syslog_facility']] * 8 + sev[r['syslog_severity']],
               ts='ns %d 0' % rx, host=r.get('syslog_host', ''),
               app='%' + r['ciscotag'], fmt=FMT_3164)


# ---------------------------------------------------------------- otel

def otel(o, corpus):
    """OpenTelemetry stanza.  Octet counting and the NUL trailer are the TCP
    framer's work: the frame is removed here and the parser sees the
    message.  {TS} (current time, "Jan _2 15:04:05") is a fixed January
    time; the zone of location-configured cases is applied to the expected
    instant (the parser has no per-source zone: ACCEPTED.md)."""
    ts_text = 'Jan  5 08:52:35'
    zone_off = {'UTC': 0, 'America/Detroit': -300, 'Europe/Athens': 120}
    rx = calendar.timegm((2026, 1, 10, 0, 0, 0, 0, 0, 0)) * 10**9
    for idx, r in enumerate(load(corpus, 'conformance/otel/'
                                 'otel_stanza_syslog_cases.jsonl')):
        cfg, e = r['config'], r['expected_attributes']
        raw = r['input'].replace('{TS}', ts_text).encode('utf-8')
        if cfg.get('enable_octet_counting'):
            m = re.match(rb'(\d+) ', raw)
            if not r['valid_for_tcp'] or not m:
                o.skip('otel', idx, 'octet-counting framing error case '
                       '(framer, not parser)')
                continue
            raw = raw[m.end():m.end() + int(m.group(1))]
        if cfg.get('non_transparent_framing_trailer') == 'NUL':
            raw = raw.rstrip(b'\0')
        exp = dict(pri=e.get('priority', -1), msg=e.get('message', ''))
        if cfg['protocol'] == 'none':
            pass
        else:
            exp.update(host=e.get('hostname', ''), app=e.get('appname', ''),
                       procid=e.get('proc_id', ''), msgid=e.get('msg_id', ''))
            if cfg['protocol'] == 'rfc5424':
                exp.update(ver=e['version'], sd=int('structured_data' in e),
                           ts='ns %d %d' % iso_ns(r['expected_timestamp']))
            else:
                off = zone_off[cfg['location']]
                secs = calendar.timegm((2026, 1, 5, 8, 52, 35, 0, 0, 0))
                exp.update(ts='ns %d 0' % ((secs - off * 60) * 10**9))
        o.case('otel', idx, raw, rx=rx, **exp)


# ---------------------------------------------------------------- RFC text

def rfc_examples(o, corpus):
    """The RFC examples.  SD fragments and bare timestamps are wrapped in a
    minimal RFC 5424 message; a fragment is valid when the SD read covers
    all of it without a fault."""
    for idx, r in enumerate(load(corpus, 'rfc-examples/rfc_examples.jsonl')):
        kind = r.get('kind', '')
        e = r.get('expected')
        if kind == 'structured-data fragment':
            pre = '<14>1 - - - - - '
            o.case('rfc', idx, pre + r['input'],
                   sdfrag='%d %d' % (len(pre), int(r['valid'])))
        elif kind == 'timestamp':
            raw = '<14>1 %s - - - - -' % r['input']
            if r['valid']:
                o.case('rfc', idx, raw, valid=1,
                       ts='ns %d %d' % iso_ns(r['input']))
            else:
                o.case('rfc', idx, raw, valid=0)
        elif r['rfc'] == '5424':
            o.case('rfc', idx, r['input'], ver=e['version'],
                   pri=e['facility'] * 8 + e['severity'],
                   ts='ns %d %d' % iso_ns(e['timestamp']),
                   host=e['hostname'] or '', app=e['appname'] or '',
                   procid=e['procid'] or '', msgid=e['msgid'] or '',
                   sd=int(bool(e['structured_data'])),
                   msgnb=e['msg'] or '', bom=int(e.get('msg_has_bom', 0)),
                   valid=1)
        elif e is not None:
            o.case('rfc', idx, r['input'],
                   pri=e['facility'] * 8 + e['severity'],
                   ts=mdhms(e['timestamp']), host=e['hostname'],
                   app=e['tag'], msg=e['content'], fmt=FMT_3164)
        elif 'relay must add' in kind:
            # No PRI, no header: nothing to attribute.
            o.case('rfc', idx, r['input'], pri=-1, ts='none',
                   msg=r['input'], fmt=FMT_UNKNOWN)
        else:
            o.skip('rfc', idx, 'the RFC gives no parsed fields (%s)' % kind)


# ---------------------------------------------------------------- rsyslog

RS_SKIP = [
    (r'^imtcp-spacelf-escape', 'receive-time escaping options (spaceLF, 8-bit)'),
    (r'^(imtcp|imptcp)', 'TCP framing test (the framer, not the parser)'),
    (r'^mmleefparse', 'LEEF field extraction module'),
    (r'^pmnull', 'pmnull parser: no parsing by design'),
    (r'^pmlastmsg', 'pmlastmsg parser module'),
    (r'^pmsnare-(cc|mod)', 'pmsnare module with escape options'),
    (r'^parsertest-snare_ccoff_udp2', 'space-cc template option'),
    (r'^parsertest-parse_invld_regex', 'template regex error test'),
    (r'^pmrfc3164-(drop|headerless)', 'headerless detection: no output'),
    (r'^pmrfc3164-(AtSignsInHostname_off|tagEndingByColon)',
     'config drops messages rsyslog cannot parse as configured'),
    (r'^msg-deadlock', 'no output template'),
    (r'^mmpstrucdata-(invalid|max-sd|large)',
     'mmpstrucdata limits/filters, no per-message output'),
]

RS_FAC = dict(kern=0, user=1, mail=2, daemon=3, auth=4, syslog=5, lpr=6,
              news=7, uucp=8, cron=9, authpriv=10, ftp=11, ntp=12, audit=13,
              alert=14, clock=15, **{'local%d' % i: 16 + i for i in range(8)})
RS_SEV = dict(emerg=0, alert=1, crit=2, err=3, warning=4, notice=5, info=6,
              debug=7)

# Property -> regex for its rendering inside a template line.
RS_PROP = {
    'PRI': rb'(?P<pri>\d+)', 'pri': rb'(?P<pri>\d+)',
    'syslogfacility-text': rb'(?P<fac>[a-z0-9]+)',
    'syslogseverity-text': rb'(?P<sev>[a-z]+)',
    'syslogfacility': rb'(?P<facn>\d+)', 'syslogseverity': rb'(?P<sevn>\d+)',
    'timestamp': rb'(?P<ts3164>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d)',
    'timestamp:::date-rfc3164': rb'(?P<ts3164>[A-Z][a-z]{2} [ \d]\d '
                                rb'\d\d:\d\d:\d\d)',
    'timestamp:::date-rfc3164-buggyday': rb'(?P<ts3164>[A-Z][a-z]{2} \d\d '
                                         rb'\d\d:\d\d:\d\d)',
    'timestamp:::date-rfc3339': rb'(?P<ts3339>\S+)',
    'timestamp:::date-subseconds': rb'(?P<frac>\d+)',
    'hostname': rb'(?P<host>[^,]*?)', 'HOSTNAME': rb'(?P<host>[^,]*?)',
    'programname': rb'(?P<prog>.*?)',
    'syslogtag': rb'(?P<tag>.*?)',
    'app-name': rb'(?P<appname>.*?)',
    'msg': rb'(?P<msg>.*)',
    'rawmsg': rb'(?P<raw>.*)',
    '$!RFC5424-SD': rb'(?P<sdjson>.*)', '$!rfc5424-sd': rb'(?P<sdjson>.*)',
    '$!structured-data': rb'(?P<sdjson>.*)',
}

IS_5424 = re.compile(rb'<\d{1,3}>\d{1,3} ')


def rs_template_regex(tpl):
    # The table keeps rsyslog's escapes ("\\n"); one line per message.
    tpl = tpl.encode('ascii').decode('unicode_escape')
    if tpl.endswith('\n'):
        tpl = tpl[:-1]
    parts = re.split(r'(%[^%]+%)', tpl)
    rx = b''
    for p in parts:
        if p.startswith('%') and p.endswith('%') and len(p) > 1:
            name = p[1:-1]
            if name not in RS_PROP:
                return None
            g = RS_PROP[name]
            # syslogtag starts with programname: a back-reference resolves
            # commas inside the tag ('05",result_code=200,b').
            if name == 'syslogtag' and b'(?P<prog>' in rx:
                g = rb'(?P<tag>(?P=prog).*?)'
            if g in rx:
                return None
            rx += g
        else:
            rx += re.escape(p.encode('latin-1'))
    return re.compile(rx, re.S)


def rs_unescape(text, raw):
    """rsyslog escapes control (and optionally 8-bit) bytes as #ooo on
    receive.  Undo it for the bytes the input really has, so that a literal
    '#011' typed in a message stays as it is."""
    def sub(m):
        c = int(m.group(1), 8)
        if (c < 0x20 or c == 0x7f or c >= 0x80) and bytes([c]) in raw:
            return bytes([c])
        return m.group(0)
    return re.sub(rb'#([0-3][0-7][0-7])', sub, text)


def rsyslog(o, corpus):
    """rsyslog testbench: each output line of a test is matched against the
    test's template, which yields rsyslog's view of each property; it is
    then mapped to our conventions:
      - %PRI% 13 for a message without PRI is rsyslog's default: pri -1;
      - $RS_HOSTNAME (the receiver's name stands in) means: no HOSTNAME;
      - %msg% keeps the separator space after the TAG: msgs (SP* + MSG);
        for RFC 5424 input it is exact;
      - for RFC 5424, %syslogtag% is synthesised as APP[PROCID]: compare
        APPNAME and PROCID instead;
      - control characters come back from rsyslog's #ooo escapes."""
    for t in load(corpus, 'conformance/rsyslog/rsyslog_testbench_cases.jsonl'):
        name = t['test']
        table = 'rsyslog'
        why = next((r for p, r in RS_SKIP if re.search(p, name)), None)
        if why is None and 'expected_output' not in t:
            why = 'expected output given only as substrings'
        tpls = t['output_templates']
        if why is None and len(tpls) != 1:
            why = 'no single output template'
        if why:
            o.skip(table, name, why)
            continue
        special = name == 'parsertest-parse3.sh'
        if special:
            tre = re.compile(rb'"(?P<ts19>[^"]*)", "(?P<host>[^"]*)", '
                             rb'"(?P<prog>[^"]*)", "(?P<pid>[^"]*)", '
                             rb'"(?P<sevn>\d)", "(?P<msg>.*)"', re.S)
        else:
            tre = rs_template_regex(tpls[0])
        if tre is None:
            o.skip(table, name, 'template uses unsupported properties')
            continue
        msgs = []
        for inp in t['inputs']:
            d = inp['data'].encode('utf-8')
            if inp['kind'] == 'stream':
                msgs += [l for l in d.split(b'\n') if l]
            else:
                msgs.append(d)
        outl = t['expected_output'].encode('utf-8').split(b'\n')
        if outl and outl[-1] == b'':
            outl.pop()
        if len(outl) != len(msgs):
            o.skip(table, name, '%d output lines for %d messages (filter)'
                   % (len(outl), len(msgs)))
            continue
        cfg = t['rsyslog_config']
        first_space_removed = 'remove.msgFirstSpace="on"' in cfg
        for k, (raw, line) in enumerate(zip(msgs, outl)):
            m = tre.fullmatch(line)
            key = '%s#%d' % (name, k)
            if not m:
                o.skip(table, key, 'output line does not match template')
                continue
            g = {a: b for a, b in m.groupdict().items() if b is not None}
            is5424 = bool(IS_5424.match(raw))
            exp = {}
            if 'pri' in g:
                pri = int(g['pri'])
                exp['pri'] = -1 if pri == 13 and not raw.startswith(b'<') \
                    else pri
            elif 'fac' in g and 'sev' in g:
                pri = RS_FAC[g['fac'].decode()] * 8 + RS_SEV[g['sev'].decode()]
                exp['pri'] = -1 if pri == 13 and not raw.startswith(b'<') \
                    else pri
            if 'ts3164' in g:
                exp['ts'] = mdhms(g['ts3164'].decode())
            if 'ts3339' in g:
                exp['ts'] = 'us %d %d' % iso_ns(g['ts3339'].decode())
            if 'ts19' in g:
                exp['ts'] = 'ns %d 0' % iso_ns(g['ts19'].decode() + 'Z')[0]
            if 'frac' in g:
                exp['ts'] = 'frac %d' % int(g['frac'].decode()
                                           .ljust(9, '0')[:9])
            if 'host' in g:
                exp['host'] = b'' if g['host'] == b'$RS_HOSTNAME' \
                    else g['host']
            tag = g.get('tag')
            if tag in (b'-',):
                tag = b''
            prog = g.get('prog', g.get('appname'))
            if prog == b'-':
                prog = b''
            if is5424:
                if prog is not None:
                    exp['app'] = prog
                if tag is not None and tag.endswith(b']') and b'[' in tag:
                    exp['procid'] = tag[tag.index(b'[') + 1:-1]
            else:
                if prog is not None:
                    exp['app'] = rs_unescape(prog, raw)
                if tag is not None:
                    exp['tag'] = rs_unescape(tag, raw)
                if 'pid' in g:
                    exp['procid'] = g['pid']
            if 'msg' in g:
                msg = rs_unescape(g['msg'], raw)
                if is5424 or first_space_removed:
                    exp['msg'] = msg
                else:
                    exp['msgs'] = msg
            if 'sdjson' in g:
                j = g['sdjson'].strip()
                exp['sd'] = int(j not in (b'null', b'', b'{ "custom-sd": '
                                          b'null }'))
            o.case(table, key, raw, **exp)


# ---------------------------------------------------------------- main

def read_accepted(path):
    """ACCEPTED.md entries: lines '- `table:key-glob` `field,...` reason'
    under a '## class' heading."""
    acc, cls = [], None
    with open(path, encoding='utf-8') as f:
        for line in f:
            if line.startswith('## '):
                cls = line[3:].strip().split(':')[0].strip()
            m = re.match(r'- `([^`:]+):([^`]+)` `([a-z,]+)`', line)
            if m:
                acc.append([m.group(1), m.group(2), m.group(3), cls, 0])
    return acc


def seeds(corpus):
    """Inputs with no usable expectations: syslog-loose (expected values
    live in its Rust test) and the Yamaha RTX samples.  Fuzz seeds only."""
    out = []
    for r in load(corpus, 'conformance/syslog-loose/'
                  'syslog_loose_test_inputs.jsonl'):
        out.append(r['input'])
    for r in load(corpus, 'vendor/yamaha/yamaha_rtx_samples.jsonl'):
        out.append(r['raw'])
    return out


def main():
    corpus, accepted, output = sys.argv[1:4]
    o = Out()
    go_syslog(o, corpus)
    metron(o, corpus)
    otel(o, corpus)
    rfc_examples(o, corpus)
    rsyslog(o, corpus)
    acc = read_accepted(accepted)

    res = ['# generated by tests/conformance/syslog_tables.py from '
           'tests/data/corpus and tests/conformance/ACCEPTED.md',
           '# do not edit']
    tables = list(dict.fromkeys(list(o.cases) + list(o.skipped)))
    for t in tables:
        sk = o.skipped.get(t, [])
        reasons = sorted(set(r for _, r in sk))
        res.append('T %s %d %s' % (t, len(sk), pct('; '.join(reasons))))
    for lines in o.lines:
        table, key = lines[0].split(' ', 2)[1:]
        for a in acc:
            if a[0] == table and fnmatch.fnmatchcase(key, a[1]):
                lines.append('acc %s %s' % (a[2], pct(a[3] or '')))
                a[4] += 1
        res += lines
        res.append('E')
    res += ['S ' + pct(x) for x in seeds(corpus)]
    unused = ['%s:%s' % (a[0], a[1]) for a in acc if a[4] == 0]
    if unused:
        sys.exit('ACCEPTED.md entries that match no case: ' +
                 ', '.join(unused))
    with open(output, 'w', encoding='ascii') as f:
        f.write('\n'.join(res) + '\n')


if __name__ == '__main__':
    main()
