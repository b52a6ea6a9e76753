# Building a Debian source package with the project's own patches: the part
# turn/Makefile (coturn) and sfu/libsrtp2/Makefile (libsrtp2) share.
# Set before including it:
#   TAG          prefix of progress lines ("turn")
#   PACKAGE      Debian source package (coturn); VERSION, its upstream version
#   DEB_VERSION  the Debian version whose .dsc names the tarball (4.6.1-1)
#   BUILD        the build folder; the download is kept in $(BUILD)/dl
#   SRC          the folder the tarball unpacks to, under $(BUILD)/src
#   PATCHES      patches applied in order with patch -p1
# It defines DL, TARBALL, LOG, `logged`, the `fetch` target, and the rule
# for $(SRC)/.patched: the tarball unpacked afresh, patches applied, whenever
# a patch changes.  The fetch needs the network once (apt-get source, checked
# against apt's signed Sources index and the .dsc); later runs are offline.

DEBIAN_SOURCE_MK := $(lastword $(MAKEFILE_LIST))
FETCH    := $(dir $(DEBIAN_SOURCE_MK))fetch-debian-source.sh
DL       := $(BUILD)/dl
TARBALL  := $(DL)/$(PACKAGE)_$(VERSION).orig.tar.gz
LOG      := $(BUILD)/build.log

# Runs a step with its output in $(LOG); on failure shows the log's tail.
logged = { $(1); } >>$(LOG) 2>&1 || { echo "$(TAG): $(2) failed; last lines of $(LOG):" >&2; \
	tail -n 40 $(LOG) >&2; exit 1; }

.PHONY: fetch

fetch:
	@$(FETCH) $(PACKAGE) $(DEB_VERSION) $(DL)

$(TARBALL): $(FETCH)
	@$(FETCH) $(PACKAGE) $(DEB_VERSION) $(DL)

$(SRC)/.patched: $(TARBALL) $(PATCHES)
	@mkdir -p $(BUILD)
	@echo "$(TAG): unpacking $(PACKAGE) $(VERSION), applying $(words $(PATCHES)) patches"
	@rm -rf $(BUILD)/src $(LOG) && mkdir -p $(BUILD)/src
	@$(call logged,tar -xzf $(TARBALL) -C $(BUILD)/src,unpacking)
	@for p in $(PATCHES); do \
	    echo "== patch $$(basename $$p)" >>$(LOG); \
	    patch -p1 --batch --forward -d $(SRC) -i $$p >>$(LOG) 2>&1 || { \
	        echo "$(TAG): $$(basename $$p) does not apply; see $(LOG)" >&2; \
	        tail -n 20 $(LOG) >&2; exit 1; }; \
	done
	@touch $@
