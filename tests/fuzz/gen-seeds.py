#!/usr/bin/env python3
"""Write the fuzz seeds as hex text: tests/fuzz/seeds/<target>/<name>.hex.

Each seed is described here in readable form (the server's side of a
dialogue, a config file, a message) and encoded in the byte layout its
harness expects (see the comment at the top of tests/fuzz/fuzz_<target>.c).
The hex files are committed; run `make fuzz-seeds` after changing this.
"""
import os
import shutil
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "seeds")

# ---- engine: [cfg][nrcpt] then one [len][bytes] chunk per receive -------
OFF, STARTTLS, IMPLICIT = 0, 1, 2
PLAIN, LOGIN = 1 << 2, 2 << 2
CLEAR_OK, EIGHTBIT, SIZEHINT = 1 << 4, 1 << 5, 1 << 6

GREET = "220 mx.example.org ESMTP\r\n"
EHLO_PRE = "250-mx.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n250 8BITMIME\r\n"
EHLO_POST = ("250-mx.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
             "250-AUTH PLAIN LOGIN\r\n250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n")
EHLO_NOPIPE = "250-mx.example.org\r\n250-AUTH=LOGIN\r\n250 AUTH LOGIN PLAIN\r\n"
GO = "220 2.0.0 Ready to start TLS\r\n"
OK = "250 2.1.0 Ok\r\n"
DATA = "354 End data with <CR><LF>.<CR><LF>\r\n"
QUEUED = "250 2.0.0 Ok: queued as 4F2A1\r\n"


def engine(cfg, nrcpt, *chunks, mech=0):
    b = bytes([cfg, (nrcpt - 1) | (mech << 2)])
    for c in chunks:
        c = c.encode("latin-1") if isinstance(c, str) else c
        assert len(c) < 256, c
        b += bytes([len(c)]) + c
    return b


ENGINE = {
    "starttls_plain_pipelined": engine(STARTTLS | PLAIN | SIZEHINT, 2, GREET, EHLO_PRE, GO, EHLO_POST,
                                       "235 2.7.0 Authentication successful\r\n",
                                       OK + OK + OK + DATA, QUEUED),
    "starttls_login_one_by_one": engine(STARTTLS | LOGIN, 1, GREET, EHLO_PRE, GO, EHLO_NOPIPE,
                                        "334 VXNlcm5hbWU6\r\n", "334 UGFzc3dvcmQ6\r\n",
                                        "235 ok\r\n", OK, "250 ok\r\n", DATA, QUEUED),
    "implicit_tls_plain": engine(IMPLICIT | PLAIN | EIGHTBIT, 1, GREET, EHLO_POST, "235 ok\r\n",
                                 OK + OK + DATA, QUEUED),
    "plain_smtp_no_auth": engine(OFF, 1, GREET, "250 mx\r\n", OK, OK, DATA, QUEUED),
    "cleartext_auth_allowed": engine(OFF | PLAIN | CLEAR_OK, 1, GREET, "250-mx\r\n250 AUTH PLAIN\r\n",
                                     "235 ok\r\n", OK, OK, DATA, QUEUED),
    "cleartext_auth_refused": engine(OFF | PLAIN, 1, GREET, "250-mx\r\n250 AUTH PLAIN\r\n"),
    "starttls_refused": engine(STARTTLS | PLAIN, 1, GREET, EHLO_PRE, "454 4.7.0 TLS not available\r\n"),
    "starttls_not_offered": engine(STARTTLS | PLAIN, 1, GREET, "250-mx\r\n250 AUTH PLAIN\r\n"),
    "injection_after_220": engine(STARTTLS | PLAIN, 1, GREET, EHLO_PRE,
                                  GO + "250-mx\r\n250 AUTH PLAIN\r\n"),
    "auth_failed": engine(STARTTLS | PLAIN | LOGIN, 1, GREET, EHLO_PRE, GO, EHLO_POST,
                          "535 5.7.8 Error: authentication failed\r\n"),
    "login_bad_third_challenge": engine(STARTTLS | LOGIN, 1, GREET, EHLO_PRE, GO, EHLO_POST,
                                        "334 VXNlcm5hbWU6\r\n", "334 UGFzc3dvcmQ6\r\n", "334 eA==\r\n"),
    "rcpt_partly_refused": engine(STARTTLS | PLAIN, 3, GREET, EHLO_PRE, GO, EHLO_POST, "235 ok\r\n",
                                  OK + "550 5.1.1 <b@example.org>: Recipient address rejected\r\n"
                                  + OK + "450 4.2.0 try later\r\n" + DATA, QUEUED),
    "all_rcpts_refused_data_354": engine(STARTTLS | PLAIN, 1, GREET, EHLO_PRE, GO, EHLO_POST,
                                         "235 ok\r\n", OK + "550 5.1.1 no\r\n" + DATA, "250 ok\r\n"),
    "size_over_limit": engine(STARTTLS | SIZEHINT, 1, GREET, EHLO_PRE, GO,
                              "250-mx\r\n250-SIZE 10\r\n250 PIPELINING\r\n"),
    "data_tempfail_multiline": engine(STARTTLS, 1, GREET, EHLO_PRE, GO, EHLO_POST,
                                      OK + OK + "451-4.3.0 one\r\n451 4.3.0 two\r\n"),
    "body_refused": engine(STARTTLS, 1, GREET, EHLO_PRE, GO, EHLO_POST, OK + OK + DATA,
                           "554 5.7.1 spam\r\n"),
    "greeting_421": engine(STARTTLS, 1, "421 4.3.2 shutting down\r\n"),
    "split_reply_bytes": engine(STARTTLS, 1, "2", "20 mx\r", "\n", "250-mx\r\n250 STARTT", "LS\r\n",
                                "220 go\r\n", "250 mx\r\n", OK, OK, DATA, QUEUED),
    "reply_before_command_sent": engine(STARTTLS, 1, GREET, "250-mx\r\n250 STARTTLS\r\n", GO, "250 mx\r\n",
                                        OK + OK),
    "eof_mid_reply": engine(STARTTLS, 1, GREET, "250-mx\r\n"),
    # SCRAM-SHA-256 (byte 1 bits 2-4 = 3) with the harness's nonce; a wrong
    # server signature, then the OAUTHBEARER error challenge (5)
    "scram_wrong_signature": engine(STARTTLS, 1, GREET, EHLO_PRE, GO,
                                    "250-mx\r\n250 AUTH SCRAM-SHA-256 PLAIN\r\n",
                                    "334 cj1mdXp6Q2xpZW50Tm9uY2UtMDEyM3gscz1jMkZzZEE9PSxpPTI=\r\n",
                                    "334 dj1BQUFB\r\n", "235 ok\r\n", mech=3),
    "oauthbearer_error": engine(STARTTLS, 1, GREET, EHLO_PRE, GO,
                                "250-mx\r\n250 AUTH OAUTHBEARER\r\n",
                                "334 eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIn0=\r\n",
                                "535 5.7.8 no\r\n", mech=5),
    "bare_lf_replies": engine(OFF, 1, "220 mx\n", "250 mx\n", "250 ok\n", "250 ok\n", "354 go\n", "250 ok\n"),
}

# ---- reply: raw server bytes --------------------------------------------
REPLY = {
    "single": b"250 OK\r\n",
    "multiline": b"250-mx.example.org\r\n250-PIPELINING\r\n250 8BITMIME\r\n",
    "code_only": b"250\r\n354 \r\n",
    "code_changes": b"250-a\r\n251 b\r\n",
    "bare_cr": b"250 a\rb\r\n",
    "nul": b"250 a\x00b\r\n",
    "long_line": b"250 " + b"x" * 600 + b"\r\n",
    "longest_line": b"250 " + b"x" * 508 + b"\r\n",  # CONFIG_POSTLET_REPLY_LINE_MAX
    "bad_first_digit": b"650 no\r\n",
    "bare_lf": b"220 a\n250-b\n250 c\n",
}

# ---- ehlo: the reply to EHLO --------------------------------------------
EHLO = {
    "postfix": EHLO_PRE.encode(),
    "postfix_after_tls": EHLO_POST.encode(),
    "old_auth_equals": b"250-mx\r\n250-AUTH=PLAIN LOGIN\r\n250-starttls\r\n250 size\r\n",
    "huge_size": b"250-mx\r\n250-SIZE 99999999999999999999999\r\n250 STARTTLS\r\n",
    "prefix_keywords": b"250-mx\r\n250-STARTTLSX\r\n250-AUTHX PLAIN\r\n250 DSN\r\n",
    "one_line": b"250 mx.example.org\r\n",
    "not_250": b"251-mx\r\n251 STARTTLS\r\n",
    "refused": b"550 5.7.1 go away\r\n",
}

# ---- sasl: [capacity/4] then data (NUL splits user and password) --------
SASL = {
    "plain": bytes([32]) + b"alerts@example.com\x00s3cr3t",
    "exact_fit": bytes([3]) + b"a\x00b",
    "too_small": bytes([1]) + b"user\x00password",
    "empty": bytes([4]),
    "long_user": bytes([255]) + b"u" * 300 + b"\x00p",
    "binary": bytes([64]) + bytes(range(256))[:90],
}

# ---- body: [slice seed] then the message --------------------------------
BODY = {
    "lf_lines": b"\x00Subject: x\n\nline one\nline two\n",
    "dots": b"\x35.\n..\n.x\nend\n.",
    "mixed_endings": b"\x71a\rb\nc\r\nd\r\r\ne\n\rf",
    "no_final_newline": b"\x10last line",
    "empty": b"\x00",
    "tiny_windows": b"\x00..\r\n.\r\n",
    "crlf_split": b"\xf3" + b"x" * 16 + b"\r\n." * 8,
}

# ---- conf: [selector] then the file --------------------------------------
README_CONF = """defaults
tls on
tls_trust_file /etc/ssl/certs/ca-certificates.crt
logfile ~/.postlet.log

account work
host smtp.example.com
port 587
tls_starttls on
auth on
user alerts@example.com
passwordeval "cat /etc/postlet/secret"
from alerts@example.com

account default : work
"""
CONF = {
    "readme": b"\x00" + README_CONF.encode(),
    "readme_work": b"\x03" + README_CONF.encode(),
    "password_world_readable": b"\x80account a\nhost h\npassword secret\n",
    "quotes_and_escapes": b"\x04account a\nhost \"smtp example\"\nuser \"a\\\"b\\\\c\"\n"
                          b"password \"p w\"\ntimeout 30\nport 465\ntls_starttls off\n",
    "inherit_chain": b"\x05account a\nhost h1\nauth plain\naccount b : a\nport 2525\n"
                     b"account c : a, b\nauth login\n",
    "crlf_comments": b"\x02# comment\r\n\r\naccount default\r\nhost x\r\n  # indented\r\n",
    "unknown_key": b"\x00account a\nbogus value\n",
    "bad_values": b"\x00account a\nport 99999\ntls maybe\nauth cram-md5\n",
    # the last auth value (libFuzzer found the harness's stale bound on it)
    "auth_external": b"\x00account a\nauth external\n",
    "long_option": b"\x00tls_trust_file=/etc/ssl/ca.pem\n",
    "unterminated_quote": b"\x00host \"abc\n",
    "longest_line": b"\x00#" + b"x" * 4095 + b"\nhost h\n",  # CONF_LINE_MAX
}

# ---- message: [flags] then the message -----------------------------------
MESSAGE = {
    "simple": b"\x00From: a@example.org\nTo: b@example.org\nSubject: hi\n\nbody\n",
    "t_flag_lists": b"\x01To: \"Doe, J.\" <j@example.org>, k@example.org (K)\n"
                    b"Cc: team: x@example.org, y@example.org;\nBcc: hidden@example.org\n"
                    b"Subject: s\n\nbody\n.\nmore\n",
    "folded_headers": b"\x00To: a@example.org,\n b@example.org,\r\n\tc@example.org\r\n"
                      b"Bcc: z@example.org,\n  w@example.org\nSubject: x\r\n\r\nbody\r\n",
    "dot_ends_input": b"\x00To: a@x\n\nline\n.\nnot read\n",
    "no_headers": b"\x00just a body line\nand another\n",
    "angle_comments": b"\x00To: (c\\)omment) <a(b)@x> , \"q\\\"uoted\"@y\n\n",
    "over_limit": b"\x02To: a@x\n\n" + b"x" * 100 + b"\n",
    "longest_address": b"\x01To: <" + b"a" * 244 + b"@example.org>\n\n",  # CONFIG_POSTLET_ADDR_MAX
    "eight_bit": b"\x00Subject: caf\xc3\xa9\nTo: a@x\n\n\xff\xfe\n",
}

# ---- scram: [flags] server-first "\n" server-final (harness base64s them) --
SHA1, RAW = 1, 2
CN = "fyko+d2lbbFgONRv9qkxdawL"  # the harness's client nonce (RFC 5802)


def scram(flags, first, final=""):
    return bytes([flags]) + (first + "\n" + final).encode("latin-1")


SCRAM = {
    # RFC 5802 section 5, with the server's correct signature
    "rfc5802_sha1": scram(SHA1, "r=" + CN + "3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
                          "v=rmF9pqV8S7suAoZWja4dJRkFsKQ="),
    "wrong_signature": scram(0, "r=" + CN + "3rfc,s=QSXCR+Q6sek8bf92,i=64",
                             "v=rmF9pqV8S7suAoZWja4dJRkFsKQ="),
    "server_error": scram(0, "r=" + CN + "x,s=c2FsdA==,i=1", "e=invalid-proof"),
    "extension_after_i": scram(0, "r=" + CN + "x,s=c2FsdA==,i=2,x=y", "v=AAAA,z"),
    "mandatory_extension": scram(0, "m=must,r=" + CN + "x,s=c2FsdA==,i=2"),
    "foreign_nonce": scram(0, "r=Xyko+d2lbbFgONRv9qkxdawLx,s=c2FsdA==,i=2"),
    "only_our_nonce": scram(0, "r=" + CN + ",s=c2FsdA==,i=2"),
    "bad_salt": scram(0, "r=" + CN + "x,s=c2F!dA==,i=2"),
    "iterations_over_limit": scram(0, "r=" + CN + "x,s=c2FsdA==,i=100001"),
    "iterations_zero": scram(0, "r=" + CN + "x,s=c2FsdA==,i=0"),
    "raw_text": scram(RAW, "cj1meWtvK2QybGJiRmdPTlJ2OXFreGRhd0x4LHM9YzJGc2RBPT0saT0y"),
    "empty": scram(0, ""),
}

# ---- oauth: [status buffer size] then the JSON of the error challenge ----
OAUTH = {
    "invalid_token": b"\x20" + b'{"status":"invalid_token","schemes":"bearer","scope":"mail"}',
    "dovecot_401": b"\x20" + b'{"status":"401","schemes":"bearer","scope":"mail"}',
    "spaces": b"\x20" + b'{ "schemes" : "bearer" , "status" :\n "401" }',
    "truncated": b"\x04" + b'{"status":"invalid_token"}',
    "number_status": b"\x20" + b'{"status":401}',
    "no_status": b"\x20" + b'{"error":"x"}',
    "unterminated": b"\x40" + b'{"status":"abc',
    "zero_buffer": b"\x00" + b'{"status":"x"}',
    "control_bytes": b"\x20" + b'{"status":"a\x01\xffb"}',
}

# ---- spool: [mode] then a spool record, a state file or a queue payload ---
import struct
import zlib


def payload(sender, rcpts, msg, envid=b"", flags=0, declared=None):
    env = sender + b"\0" + envid + b"\0" + b"".join(r + b"\0" for r in rcpts)
    n = len(msg) if declared is None else declared
    return (b"PLQ1" + bytes([flags, 0, 0, 128]) + struct.pack("<HHIQQ", len(rcpts), len(env), 0, n, 0)
            + env + msg)


TAG = bytes([8, 7, 6, 5, 4, 3, 2, 1])  # the harness's sound record


def state(attempts=0, error=b""):
    return (struct.pack("<IqqHBB", attempts, 1700000000, 1700000060, 451 if error else 0, 128, 0)
            + error.ljust(96, b"\0")[:96] + b"\0" * 8)


def record(pl, tag=TAG):
    h = b"PLSR" + struct.pack("<I", 1) + tag + struct.pack("<QI", len(pl), zlib.crc32(pl))
    st = state()
    h = h + struct.pack("<I", zlib.crc32(h + st)) + st
    return h + pl


def sidecar(st, tag=TAG):
    b = b"PLSS" + struct.pack("<I", 1) + tag + st
    return b + struct.pack("<I", zlib.crc32(b))


MSG = b"From: a@example.org\r\nSubject: queued\r\n\r\nbody\r\n"
ONE = payload(b"a@example.org", [b"b@example.org"], MSG)
TWO = payload(b"a@example.org", [b"b@example.org", b"c@example.net"], MSG, b"env-1", 1)
flipped = bytearray(record(ONE))
flipped[-3] ^= 0x20
SPOOL = {
    "record": b"\x00" + record(ONE),
    "record_two_rcpts": b"\x00" + record(TWO),
    "record_bad_crc": b"\x00" + bytes(flipped),
    "record_short": b"\x00" + record(ONE)[:170],
    "state": b"\x01" + sidecar(state(3, b"451 4.3.0 try later")),
    "state_other_tag": b"\x01" + sidecar(state(9), bytes(8)),
    "payload": b"\x02" + ONE,
    "payload_two_rcpts": b"\x02" + TWO,
    "payload_null_sender": b"\x02" + payload(b"", [b"b@example.org"], MSG),
    "payload_no_nul": b"\x02" + ONE[:32 + 10] + b"x" + ONE[32 + 11:],
}

TARGETS = {"engine": ENGINE, "reply": REPLY, "ehlo": EHLO, "sasl": SASL, "body": BODY,
           "conf": CONF, "message": MESSAGE, "scram": SCRAM, "oauth": OAUTH, "spool": SPOOL}


def write(target, name, data):
    path = os.path.join(OUT, target, name + ".hex")
    with open(path, "w") as f:
        f.write("# %s/%s: generated by tests/fuzz/gen-seeds.py, %d bytes\n" % (target, name, len(data)))
        for i in range(0, len(data), 32):
            f.write(data[i:i + 32].hex() + "\n")


for target, seeds in TARGETS.items():
    d = os.path.join(OUT, target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for name, data in seeds.items():
        write(target, name, data)
print("wrote %d seeds in %s" % (sum(len(s) for s in TARGETS.values()), OUT))
