/* Internal: the libdeflate fast path of aims_png_decode (codec_shims_png_fast.c). */
#ifndef CODEC_SHIMS_PNG_FAST_H
#define CODEC_SHIMS_PNG_FAST_H
#include "codec_shims.h"
#include <stddef.h>
#include <stdint.h>
/** Decodes the pixels of a PNG whose layout libpng reported in `h` into `out` (exactly
 *  `height * out_row_bytes` bytes, the layout aims_png_decode promises). Returns 0 on success,
 *  nonzero when the image is not eligible or anything is unusual: the caller then uses libpng. */
int aims_png_fast_decode(const uint8_t *data, size_t size, const aims_png_header *h, uint8_t *out, size_t out_size);
#endif
