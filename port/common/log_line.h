/* Shared by the ports: format one log line into a fixed buffer. */
#ifndef PL_LOG_LINE_H
#define PL_LOG_LINE_H

#include <stdarg.h>
#include <stddef.h>

/* vsnprintf into line (cap >= 8), mark truncation with " [...]", strip
 * trailing CR/LF (the port writes exactly one line end).  Returns the
 * length, or -1 on a formatting error. */
int pl_log_format(char *line, size_t cap, const char *fmt, va_list ap);

#endif
