/*
 * http_auth.h: the console's secrets (io layer, http_auth.c): password
 * hashes by argon2id (libargon2, only here) and random tokens (getrandom).
 */
#ifndef IO_HTTP_AUTH_H
#define IO_HTTP_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_HASH_MAX   160     /* an encoded argon2id hash and its NUL */
#define HTTP_TOKEN_HEX  65      /* 256 random bits as hex and a NUL */

/* An encoded argon2id hash ("$argon2id$v=19$m=...,t=...,p=1$salt$hash")
 * with a fresh random salt.  0, or -1. */
int  http_hash_password(const char *pw, char *out, size_t size);
/* pw against an encoded hash (false on any error). */
bool http_check_password(const char *pw, const char *encoded);
/* 256 random bits as 64 hex digits.  0, or -1 (no entropy). */
int  http_token(char out[HTTP_TOKEN_HEX]);

#endif /* IO_HTTP_AUTH_H */
