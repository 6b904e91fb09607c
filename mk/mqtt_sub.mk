# mk/mqtt_sub.mk: the local broker's focused subscriber (drivers/io/mqtt_sub.c,
# docs/intake.md) speaks TLS through OpenSSL's libssl, not only libcrypto.
# Debian: libssl-dev (already in tools/deps.sh and debian/control).  PKGS is
# expanded late (recursive variables), so adding it here reaches every
# compile; like libcrypto it is loaded at run time, not linked (PKGS_NOLINK,
# daemon/io/ossl.h).
PKGS += libssl
