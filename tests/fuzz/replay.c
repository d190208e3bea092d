/*
 * Corpus replay without libFuzzer: a main() that runs a fuzz target's
 * LLVMFuzzerTestOneInput on every seed, built with gcc and ASan+UBSan so
 * make check needs no clang.  Arguments are seed files or directories;
 * seeds are hex text ("#" starts a comment, whitespace is ignored).
 * Exits non-zero on a malformed seed; a failing check aborts.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int run_file(const char *path)
{
	FILE *f = fopen(path, "r");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	int c, hi = -1;

	if (!f) {
		perror(path);
		return 1;
	}
	while ((c = getc(f)) != EOF) {
		if (c == '#') {
			while ((c = getc(f)) != EOF && c != '\n')
				;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			continue;
		if (hexval(c) < 0) {
			fprintf(stderr, "%s: not a hex seed (byte 0x%02x)\n", path, c);
			fclose(f);
			free(buf);
			return 1;
		}
		if (hi < 0) {
			hi = hexval(c);
			continue;
		}
		if (len == cap) {
			uint8_t *n = realloc(buf, cap ? cap * 2 : 256);

			if (!n)
				abort();
			buf = n;
			cap = cap ? cap * 2 : 256;
		}
		buf[len++] = (uint8_t)(hi << 4 | hexval(c));
		hi = -1;
	}
	fclose(f);
	if (hi >= 0) {
		fprintf(stderr, "%s: odd number of hex digits\n", path);
		free(buf);
		return 1;
	}
	/* a heap copy of exactly len bytes, as libFuzzer passes it */
	{
		uint8_t *exact = malloc(len ? len : 1);

		if (!exact)
			abort();
		if (len)
			memcpy(exact, buf, len);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
	}
	free(buf);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	int i, bad = 0, runs = 0;

	for (i = 1; i < argc; i++) {
		struct stat st;
		DIR *d;
		struct dirent *e;
		char **names = NULL;
		size_t n = 0, k;

		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			return 2;
		}
		if (!S_ISDIR(st.st_mode)) {
			bad |= run_file(argv[i]);
			runs++;
			continue;
		}
		d = opendir(argv[i]);
		if (!d) {
			perror(argv[i]);
			return 2;
		}
		while ((e = readdir(d)) != NULL) {
			size_t l = strlen(e->d_name);

			if (l < 5 || strcmp(e->d_name + l - 4, ".hex") != 0)
				continue;
			names = realloc(names, (n + 1) * sizeof(*names));
			if (!names)
				abort();
			names[n] = malloc(strlen(argv[i]) + l + 2);
			if (!names[n])
				abort();
			sprintf(names[n], "%s/%s", argv[i], e->d_name);
			n++;
		}
		closedir(d);
		qsort(names, n, sizeof(*names), cmp);
		for (k = 0; k < n; k++) {
			bad |= run_file(names[k]);
			runs++;
			free(names[k]);
		}
		free(names);
	}
	printf("replayed %d seeds\n", runs);
	return bad;
}
