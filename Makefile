# ngx-sfu: top-level build.
#   make            the nginx module (against Debian's nginx-dev) and the worker
#   make deps       install every Debian package the project needs (root)
#   make run        the whole stack for a person, https://localhost:8443
#   make test       every test suite; ends with prove's summary line
#   make bench-api  REST API throughput with wrk (prints figures)
#   make bench-call join-to-first-frame time and worker CPU/RSS in a call
#   make bench      ngx-sfu and Janus under sfu-load, side by side, and the
#                   machine's SRTP+sendmsg floor in CPU time, over the same
#                   veth to a draining reader (build/bench/results.json)
#   make bench-quick the same in under 2 minutes

SHELL      := /bin/bash
BUILD      := $(CURDIR)/build
NGX_SRC    ?= /usr/share/nginx/src
NGX_BUILD  := $(BUILD)/nginx
MODULE     := $(BUILD)/ngx_http_sfu_module.so
NGINX_BIN  ?= /usr/sbin/nginx
PROVE_JOBS ?= 1

MODULE_SRCS := config $(wildcard ngx_module/*.c ngx_module/*.h)

# libFuzzer targets of the module's parsers: each links only the pure-C
# code it tests.  make test runs each briefly; make fuzz runs them longer.
FUZZ_CC      ?= clang
FUZZ_FLAGS   := -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined
FUZZ_SMOKE   ?= -runs=20000
FUZZ_TIME    ?= 300
MODULE_FUZZ  := $(BUILD)/fuzz/fuzz_request_body $(BUILD)/fuzz/fuzz_jwt \
                $(BUILD)/fuzz/fuzz_ws_frame $(BUILD)/fuzz/fuzz_signal_msg \
                $(BUILD)/fuzz/fuzz_procstat $(BUILD)/fuzz/fuzz_port_counters

.PHONY: all module sfu turn deps test run bench-api bench-call bench bench-quick \
        fuzz fuzz-smoke clean

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

$(BUILD)/fuzz/fuzz_request_body: ngx_module/fuzz/fuzz_request_body.c \
		ngx_module/fuzz/fuzz_fields.h \
		ngx_module/ngx_http_sfu_validate.c ngx_module/ngx_http_sfu_validate.h
	mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -Ingx_module $(filter %.c,$^) -ljansson -o $@

$(BUILD)/fuzz/fuzz_jwt: ngx_module/fuzz/fuzz_jwt.c \
		ngx_module/ngx_http_sfu_jwt.c ngx_module/ngx_http_sfu_jwt.h \
		ngx_module/ngx_http_sfu_jwt_json.c ngx_module/ngx_http_sfu_jwt_json.h \
		ngx_module/ngx_http_sfu_hmac.c ngx_module/ngx_http_sfu_hmac.h
	mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -Ingx_module $(filter %.c,$^) -lcrypto -ljansson -o $@

$(BUILD)/fuzz/fuzz_signal_msg: ngx_module/fuzz/fuzz_signal_msg.c \
		ngx_module/fuzz/fuzz_fields.h \
		ngx_module/ngx_http_sfu_signal_msg.c ngx_module/ngx_http_sfu_signal_msg.h \
		ngx_module/ngx_http_sfu_validate.c ngx_module/ngx_http_sfu_validate.h
	mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -Ingx_module $(filter %.c,$^) -ljansson -o $@

$(BUILD)/fuzz/fuzz_ws_frame: ngx_module/fuzz/fuzz_ws_frame.c \
		ngx_module/ngx_http_sfu_ws_frame.c ngx_module/ngx_http_sfu_ws_frame.h
	mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -Ingx_module $(filter %.c,$^) -o $@

$(BUILD)/fuzz/fuzz_procstat: ngx_module/fuzz/fuzz_procstat.c \
		ngx_module/ngx_http_sfu_procstat.c ngx_module/ngx_http_sfu_procstat.h
	mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -Ingx_module $(filter %.c,$^) -o $@

$(BUILD)/fuzz/fuzz_port_counters: ngx_module/fuzz/fuzz_port_counters.c \
		ngx_module/ngx_http_sfu_port_counters.c \
		ngx_module/ngx_http_sfu_port_counters.h
	mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -Ingx_module $(filter %.c,$^) -ljansson -o $@

# a fresh work folder first: libFuzzer writes new inputs there, not into git
fuzz-smoke: $(MODULE_FUZZ)
	for f in $(MODULE_FUZZ); do \
	    n=$$(basename $$f); rm -rf $(BUILD)/fuzz/work-$$n; \
	    mkdir -p $(BUILD)/fuzz/work-$$n; \
	    $$f $(FUZZ_SMOKE) -artifact_prefix=$(BUILD)/fuzz/$$n- \
	        $(BUILD)/fuzz/work-$$n \
	        ngx_module/fuzz/corpus/$${n#fuzz_} > $(BUILD)/fuzz/$$n.log 2>&1 \
	        || { tail -n 40 $(BUILD)/fuzz/$$n.log; exit 1; }; \
	    echo "$$n: $$(tail -n 1 $(BUILD)/fuzz/$$n.log)"; \
	done

test: all turn fuzz-smoke
	$(MAKE) -C sfu test
	t/bin/run-tests

run: all turn
	conf/run.sh

bench-api: all
	t/bin/bench-api

bench-call: all
	t/bin/bench-call

# bench-srtp (built by all) measures the floor in the same run
bench bench-quick: all
	t/bin/bench $(if $(filter bench-quick,$@),--quick)

fuzz:
	$(MAKE) fuzz-smoke FUZZ_SMOKE=-max_total_time=$(FUZZ_TIME)
	$(MAKE) -C sfu fuzz

clean:
	rm -rf $(BUILD)
	$(MAKE) -C sfu clean
