#include "codec_shims.h"
int aims_codec_shims_version(void) { return 1; }
