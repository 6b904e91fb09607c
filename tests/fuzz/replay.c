/*
 * replay.c: a main() for a fuzz target without libFuzzer.  Each file named
 * on the command line is read whole and given once to the target's
 * LLVMFuzzerTestOneInput, in order; "PASS: <target> <file>" follows each
 * input that returned.  A broken contract aborts, as under libFuzzer, so a
 * crash shows as the process's exit status.
 *
 * Built with any C compiler (mk/cross.mk: the cross gcc, run under the
 * emulator), so the regression inputs and the seed corpus also run on
 * architectures clang's libFuzzer is not built for here.  Coverage-guided
 * fuzzing stays with mk/fuzz.mk.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef REPLAY_TARGET
#define REPLAY_TARGET "fuzz"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the whole file in a buffer of exactly its size (malloc'd, so an
 * over-read by the target is past the allocation, as under libFuzzer) */
static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL, *grown;
	size_t cap = 0, n = 0, got;

	if (!f)
		return NULL;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			grown = realloc(buf, cap);
			if (!grown) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = grown;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	grown = malloc(n ? n : 1);
	if (grown)
		memcpy(grown, buf, n);
	free(buf);
	*len = n;
	return grown;
}

int main(int argc, char **argv)
{
	int bad = 0;

	for (int i = 1; i < argc; i++) {
		size_t len = 0;
		uint8_t *data = read_all(argv[i], &len);
		const char *base = strrchr(argv[i], '/');

		base = base ? base + 1 : argv[i];
		if (!data) {
			printf("FAIL: %s %s: cannot read it\n", REPLAY_TARGET, base);
			bad = 1;
			continue;
		}
		LLVMFuzzerTestOneInput(data, len);
		free(data);
		printf("PASS: %s %s\n", REPLAY_TARGET, base);
		fflush(stdout);
	}
	return bad;
}
