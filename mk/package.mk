# mk/package.mk: `make install` and `make package`.
#
#   make install [PREFIX=/usr/local] [DESTDIR=]
#       binaries in PREFIX/sbin and PREFIX/bin, man pages in PREFIX/share/man,
#       the systemd unit in /lib/systemd/system when PREFIX=/usr (what Debian
#       does) and in PREFIX/lib/systemd/system otherwise, with its ExecStart
#       pointing at PREFIX/sbin/hazardd; the safe template
#       (config/template.json: no outputs, loopback only, refused until
#       edited) as /etc/hazardd/hazardd.json (an existing one is kept), docs
#       and examples (the full config/hazardd.json) in PREFIX/share/doc/hazardd;
#       bash completion for hazardctl.
#   make package [ARCH=arm64|armhf]
#       builds the Debian package from a scratch copy of the tree in
#       $(BUILD)/pkg/ARCH (dpkg-buildpackage -us -uc -b, with -a ARCH for
#       another architecture: a cross build), runs lintian, checks the
#       contents and leaves the .deb in $(BUILD)/pkg beside the other
#       architectures'.  The build machine's own is installed into a
#       throwaway root; another one's Depends, ELF machine and programs
#       (run under qemu-user) are checked: tools/package.sh.

SYSCONFDIR ?= /etc
ifeq ($(PREFIX),/usr)
UNITDIR    ?= /lib/systemd/system
else
UNITDIR    ?= $(PREFIX)/lib/systemd/system
endif
MANDIR     ?= $(PREFIX)/share/man
DOCDIR     ?= $(PREFIX)/share/doc/hazardd

.PHONY: install package

# only the two programs: the bench and test tools that other mk/*.mk add to
# `all` are not installed
install: $(BUILD)/hazardd $(BUILD)/hazardctl
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/hazardd \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(DOCDIR)/examples
	install -m 0755 $(BUILD)/hazardd $(DESTDIR)$(PREFIX)/sbin/hazardd
	install -m 0755 $(BUILD)/hazardctl $(DESTDIR)$(PREFIX)/bin/hazardctl
	sed -e 's#/usr/sbin/hazardd#$(PREFIX)/sbin/hazardd#g' \
		-e 's#/etc/hazardd/#$(SYSCONFDIR)/hazardd/#g' \
		systemd/hazardd.service >$(DESTDIR)$(UNITDIR)/hazardd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/hazardd.service
	install -m 0644 man/hazardctl.1 $(DESTDIR)$(MANDIR)/man1/hazardctl.1
	install -m 0644 man/hazardd.json.5 $(DESTDIR)$(MANDIR)/man5/hazardd.json.5
	install -m 0644 man/hazardd.8 $(DESTDIR)$(MANDIR)/man8/hazardd.8
	install -m 0644 docs/*.md $(DESTDIR)$(DOCDIR)/
	install -m 0644 config/hazardd.json systemd/gpio.conf $(DESTDIR)$(DOCDIR)/examples/
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0644 tools/hazardctl.bash-completion \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/hazardctl
	@# never overwrite a gateway's configuration
	if [ -e $(DESTDIR)$(SYSCONFDIR)/hazardd/hazardd.json ]; then \
		echo "install: keeping $(DESTDIR)$(SYSCONFDIR)/hazardd/hazardd.json"; \
	else \
		install -m 0644 config/template.json $(DESTDIR)$(SYSCONFDIR)/hazardd/hazardd.json; \
	fi

package:
	@bash tools/package.sh $(BUILD) $(ARCH)
