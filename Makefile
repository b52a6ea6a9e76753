# ngx-sfu: top-level build.
#   make            the nginx module (against Debian's nginx-dev) and the worker
#   make deps       install every Debian package the project needs (root)
#   make run        the whole stack for a person, https://localhost:8443
#   make test       every test suite; ends with prove's summary line
#   make bench-api  REST API throughput with wrk (prints figures)

SHELL      := /bin/bash
BUILD      := $(CURDIR)/build
NGX_SRC    ?= /usr/share/nginx/src
NGX_BUILD  := $(BUILD)/nginx
MODULE     := $(BUILD)/ngx_http_sfu_module.so
NGINX_BIN  ?= /usr/sbin/nginx
PROVE_JOBS ?= 1

MODULE_SRCS := config $(wildcard ngx_module/*.c ngx_module/*.h)

.PHONY: all module sfu turn deps test test-unit run bench-api fuzz clean

all: module sfu

module: $(MODULE)

# Configure a private copy of nginx-dev's tree with the exact flags Debian's
# nginx was built with, so /usr/sbin/nginx accepts the module.
$(NGX_BUILD)/objs/Makefile: config
	rm -rf $(NGX_BUILD)
	mkdir -p $(BUILD)
	cp -r $(NGX_SRC) $(NGX_BUILD)
	cd $(NGX_BUILD) && source ./conf_flags && \
	    ./configure "$${NGX_CONF_FLAGS[@]}" \
	        --with-cc-opt="-Wall -Wextra -Werror -g -O2" \
	        --add-dynamic-module=$(CURDIR) > $(BUILD)/nginx-configure.log

$(MODULE): $(NGX_BUILD)/objs/Makefile $(MODULE_SRCS)
	$(MAKE) -s -C $(NGX_BUILD) -f objs/Makefile modules
	cp $(NGX_BUILD)/objs/ngx_http_sfu_module.so $@

sfu:
	$(MAKE) -C sfu

turn:
	$(MAKE) -C turn

deps:
	bash .ci/deps.sh

test: all turn
	$(MAKE) -C sfu test
	t/bin/run-tests

run: all
	conf/run.sh

bench-api: all
	t/bin/bench-api

fuzz:
	$(MAKE) -C sfu fuzz

clean:
	rm -rf $(BUILD)
	$(MAKE) -C sfu clean
