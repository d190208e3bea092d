#!/usr/bin/env python3
"""Sizes per component from a GNU ld map file (what was linked, after
--gc-sections): flash = .text + .rodata + .data, RAM = .data + .bss.

  size-map.py MAP            -> one line per component: name text rodata data bss
  size-map.py MAP --objects  -> the same per object file (archive member)

Components are recognised by the input file's path:
  postlet core   libpostlet.a members except the TLS glue and the port;
                 obj/agent/ outside tls/ and cli/
  TLS glue       libpostlet.a(tls_wolfssl.o), obj/agent/tls/
  postlet port   libpostlet.a(port_lwip.o, log_line.o), obj/port/
  postlet queue  the queue core, alert API, storm control and firmware
                 stores (agent/queue/, port/common/store_*), and the
                 example's static stores (.bss.flash_queue, .bss.ram_queue*)
  postlet session  the application's static pl_session or pl_alert_ctx
                 (all of postlet's buffers; .bss.session / .bss.alerts of
                 the example's main.o)
  postlet CLI    obj/agent/cli/ (the program's front end)
  wolfSSL        libwolfssl.a
  lwIP           liblwip.a
  lwIP smtp app  lwip/apps/smtp/smtp.o
  app + board    the example's own objects (main, board, sys_arch, start-up)
  libc + libgcc  everything else: newlib-nano/glibc/musl, libgcc, crt*.o
"""
import re
import sys

POSTLET_PORT = {"port_lwip.o", "log_line.o", "port_posix.o"}
TLS_GLUE = {"tls_wolfssl.o"}
QUEUE = {"queue.o", "alert.o", "storm.o", "store_ram.o", "store_block.o"}


def component(path):
    if path == "[pl_session]":
        return "postlet session"
    if path == "[pl_queue]":
        return "postlet queue"
    m = re.match(r"(.*?)\(([^)]*)\)$", path)
    archive, member = (m.group(1), m.group(2)) if m else (path, None)
    base = archive.rsplit("/", 1)[-1]
    if base == "libpostlet.a":
        if member in TLS_GLUE:
            return "TLS glue"
        if member in POSTLET_PORT:
            return "postlet port"
        if member in QUEUE:
            return "postlet queue"
        return "postlet core"
    # objects of a postlet program build ($(O)/obj/...)
    if "/obj/agent/tls/" in path:
        return "TLS glue"
    if "/obj/agent/cli/" in path:
        return "postlet CLI"
    if "/obj/agent/queue/" in path or "/obj/port/common/store_" in path:
        return "postlet queue"
    if "/obj/port/" in path:
        return "postlet port"
    if "/obj/agent/" in path:
        return "postlet core"
    if base == "libwolfssl.a":
        return "wolfSSL"
    if base == "liblwip.a":
        return "lwIP"
    if path.endswith("apps/smtp/smtp.o"):
        return "lwIP smtp app"
    if "/fw/" in path:
        return "app + board"
    return "libc + libgcc"


def kind(outsec):
    if outsec in (".data",):
        return "data"
    if outsec in (".bss",):
        return "bss"
    if outsec == ".rodata":
        return "rodata"
    return "text"  # .isr_vector, .text, .ARM.ex*, init/fini arrays


def parse(path):
    sizes = {}
    in_map = False
    outsec = None
    pending = None  # input section name whose numbers are on the next line
    num = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("Linker script and memory map"):
                in_map = True
                continue
            if not in_map:
                continue
            if line.startswith("OUTPUT(") or line.startswith("/DISCARD/"):
                break
            if line and not line[0].isspace():
                outsec = line.split()[0]
                pending = None
                continue
            if outsec is None or outsec.startswith(".debug") or outsec in (
                    ".comment", ".ARM.attributes", ".stab", ".stabstr"):
                continue
            m = re.match(r"^ (\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", line)
            if m and m.group(1) != "*fill*":
                sec, obj, size = m.group(1), m.group(4), int(m.group(3), 16)
            elif re.match(r"^ (\S+)$", line) and not line.strip().startswith("*"):
                pending = line.strip()
                continue
            elif pending and num.match(line):
                m = num.match(line)
                sec, obj, size = pending, m.group(3), int(m.group(2), 16)
                pending = None
                if obj.startswith("0x") or "=" in obj:
                    continue
            else:
                pending = None
                continue
            if size == 0:
                continue
            key = obj
            # the example's static pl_session: postlet's buffers, in the app
            if obj.endswith("/fw/main.o") and sec in (".bss.session", ".bss.alerts"):
                key = "[pl_session]"
            if obj.endswith("/fw/main.o") and sec.startswith((".bss.flash_queue", ".bss.ram_queue")):
                key = "[pl_queue]"
            d = sizes.setdefault(key, {"text": 0, "rodata": 0, "data": 0, "bss": 0})
            d[kind(outsec)] += size
    return sizes


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: size-map.py MAP [--objects]")
    sizes = parse(sys.argv[1])
    per_object = "--objects" in sys.argv[2:]
    out = {}
    for obj, d in sizes.items():
        key = obj if per_object else component(obj)
        t = out.setdefault(key, {"text": 0, "rodata": 0, "data": 0, "bss": 0})
        for k in d:
            t[k] += d[k]
    for key in sorted(out):
        d = out[key]
        print("%s\t%d\t%d\t%d\t%d" % (key, d["text"], d["rodata"], d["data"], d["bss"]))


if __name__ == "__main__":
    main()
