#!/usr/bin/env python3
"""The checks tests/fuzz/canfail.sh removes, one per fuzz target: the
source file and an exact (old, new) text replacement.  If a source changes
so that a break no longer applies, canfail fails and this table needs an
update.

  breaks.py TARGET COPY   writes the broken copy, prints the source path
"""
import sys

BREAKS = {
    # the line-length bound of the reply assembler
    "reply": ("agent/engine/reply.c",
              "\tif (r->len >= CONFIG_POSTLET_REPLY_LINE_MAX)\n\t\treturn PL_REPLY_BAD;\n", ""),
    # dot-stuffing
    "body": ("agent/engine/body.c",
             "\t\tif (c == '.' && b->at_line_start && !b->raw)\n\t\t\tout[o++] = '.';\n", ""),
    # the bound on the server's words copied into the error report
    "engine": ("agent/engine/smtp.c",
               "for (i = 0; i + 1 < cap && src[i]; i++)", "for (i = 0; src[i]; i++)"),
    # EHLO keywords must match in full, not as a prefix
    "ehlo": ("agent/engine/smtp.c",
             "if (strlen(kws[i].kw) != n || !ieq(t, kws[i].kw, n))", "if (!ieq(t, kws[i].kw, n))"),
    # base64 output capacity
    "sasl": ("agent/engine/sasl.c",
             "if (outcap < 1 || (inlen + 2) / 3 * 4 + 1 > outcap)", "if (outcap < 1)"),
    # config line length
    "conf": ("agent/cli/conf.c", "\t\tif (n + 1 >= size)\n\t\t\treturn -1;\n", ""),
    # a queued message's reads stop at its declared size
    "spool": ("agent/queue/queue.c",
              "\tif (cap > e.size - off)\n\t\tcap = (size_t)(e.size - off);\n", ""),
    # address length
    "message": ("agent/cli/message.c",
                "\t\tif (*len >= CONFIG_POSTLET_ADDR_MAX)\n\t\t\treturn PL_E_MESSAGE;\n", ""),
}

if __name__ == "__main__":
    target, copy = sys.argv[1], sys.argv[2]
    if target not in BREAKS:
        sys.exit("no break defined for %s" % target)
    src, old, new = BREAKS[target]
    text = open(src).read()
    if old not in text:
        sys.exit("the check to remove is no longer in %s: %r" % (src, old))
    open(copy, "w").write(text.replace(old, new, 1))
    print(src)
