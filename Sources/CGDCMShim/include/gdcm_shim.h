#ifndef AIMS_GDCM_SHIM_H
#define AIMS_GDCM_SHIM_H
// A C API over GDCM's image codecs (C++), so that Swift never sees C++ or its exceptions.
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// What one frame is: the image pixel module attributes GDCM needs to decode its codestream.
typedef struct {
    const char *transfer_syntax;  ///< e.g. "1.2.840.10008.1.2.4.70"
    const char *photometric;      ///< e.g. "MONOCHROME2", "YBR_FULL_422"
    unsigned rows, columns;       ///< pixels
    unsigned samples_per_pixel;   ///< 1 or 3
    unsigned bits_allocated;      ///< 8, 16 or 32
    unsigned bits_stored;         ///< 1...bits_allocated
    unsigned pixel_representation;///< 0 unsigned, 1 signed
    unsigned planar_configuration;///< 0 interleaved, 1 planar
} aims_gdcm_frame_info;

/// Decodes one compressed frame (JPEG, JPEG-LS or JPEG 2000 codestream: the frame's fragments concatenated)
/// into `out`, which holds `out_size` bytes: rows × columns × samples × bits_allocated/8, host byte order.
/// Returns 0 on success; otherwise nonzero, with a message in `message` (NUL-terminated, at most
/// `message_size` bytes). Never throws and never writes past `out_size`.
int aims_gdcm_decode_frame(const aims_gdcm_frame_info *info, const uint8_t *data, size_t size,
                           uint8_t *out, size_t out_size, char *message, size_t message_size);

/// GDCM's version string, e.g. "3.0.21".
const char *aims_gdcm_version(void);

#ifdef __cplusplus
}
#endif
#endif
