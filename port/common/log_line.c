#include "log_line.h"

#include <stdio.h>
#include <string.h>

int pl_log_format(char *line, size_t cap, const char *fmt, va_list ap)
{
	static const char mark[] = " [...]";
	int n = vsnprintf(line, cap, fmt, ap);
	size_t len;

	if (n < 0)
		return -1;
	len = strlen(line);
	if ((size_t)n >= cap) {
		len = cap - sizeof(mark);
		memcpy(line + len, mark, sizeof(mark));
		len += sizeof(mark) - 1;
	}
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	return (int)len;
}
