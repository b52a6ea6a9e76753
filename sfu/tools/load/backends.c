/*
 * backends: the SFUs sfu-load can drive, by --target name.  A backend
 * (signal.h) is one line here.
 */

#include "options.h"

const load_signal_backend_t *const load_backends[] = {
    &load_signal_ngx,
    &load_signal_janus,
    NULL,
};
