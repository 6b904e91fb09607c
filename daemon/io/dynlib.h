/*
 * dynlib.h: a shared library loaded at run time, only when the feature
 * that needs it is configured (inside io only).  The web console's
 * libmicrohttpd and the webhooks' libcurl pull in GnuTLS, Kerberos, LDAP,
 * SSH and more: about 5 MB of resident pages the moment they are linked,
 * paid by every gateway, used by few (docs/benchmarks.md, "Where the
 * memory goes").  Their headers are compiled in as usual; the functions
 * are reached through pointers filled here.
 */
#ifndef HAZARDD_DYNLIB_H
#define HAZARDD_DYNLIB_H

#include <stddef.h>

/* One function: its name and the address of the pointer to fill (a
 * pointer to function of the library's own type, __typeof__(fn) *). */
struct dynsym {
	const char *name;
	void       *slot;
};

/* dlopen soname and fill every slot of syms.  0, or -1 with err naming
 * what needs the library, the Debian package that provides it and the
 * loader's reason; then no slot is filled.  Not thread-safe: the caller
 * loads once, under its own lock where threads may race. */
int dynlib_load(const char *soname, const char *package, const char *what,
		const struct dynsym *syms, size_t n, char *err, size_t errlen);

/* The same checks as dynlib_load (the library is there and has every
 * function), then the library is closed again: for start-up, when the
 * feature is configured but may not be used for a long time. */
int dynlib_check(const char *soname, const char *package, const char *what,
		 const struct dynsym *syms, size_t n, char *err, size_t errlen);

#endif /* HAZARDD_DYNLIB_H */
