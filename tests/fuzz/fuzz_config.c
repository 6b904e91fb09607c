/*
 * fuzz_config.c: libFuzzer target for the config parser.
 *
 * config_load() takes a path, so the input goes into a memfd and is loaded
 * through /dev/fd/N: the real code path, file reading included, with no
 * temporary file to clean up.  A rejected config must explain itself with
 * at least one error line; an accepted one must come with no error text,
 * and config_free() must release it (LeakSanitizer checks).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char errs[16384];
	struct config cfg;
	char path[64];
	int fd, rc;

	fd = memfd_create("fuzz-config", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (size > 0 && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof path, "/dev/fd/%d", fd);
	rc = config_load(path, &cfg, errs, sizeof errs);
	if (rc == 0) {
		if (errs[0] != '\0')
			abort();
		config_free(&cfg);
	} else if (rc != -1 || errs[0] == '\0') {
		abort();
	}
	close(fd);
	return 0;
}
