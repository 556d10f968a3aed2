#ifndef AIMS_CODEC_SHIMS_H
#define AIMS_CODEC_SHIMS_H
/*
 * C shims that keep libpng's longjmp-based error handling and libtiff's global error handlers away
 * from Swift frames. Every function returns a status and copies the library's message into a
 * caller-supplied buffer; nothing is printed and nothing aborts.
 */
#include <stddef.h>
#include <stdint.h>

/* libtiff's handle type (`TIFF` in tiffio.h); an opaque pointer on the Swift side. */
struct tiff;

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- PNG (codec_shims_png.c) */

/** The header of a PNG and the layout `aims_png_decode` produces from it. */
typedef struct aims_png_header {
    uint32_t width, height;      /* pixels */
    int32_t bit_depth;           /* bits per sample in the file: 1, 2, 4, 8, 16 */
    int32_t color_type;          /* PNG colour type: 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA */
    int32_t interlace;           /* 0 none, 1 Adam7 */
    int32_t has_trns;            /* 1 if a tRNS chunk is present */
    int32_t out_channels;        /* samples per pixel after decoding (palette -> 3 or 4) */
    int32_t out_bytes_per_sample;/* 1 or 2 */
    uint64_t out_row_bytes;      /* bytes per decoded row */
} aims_png_header;

/**
 * Decodes the PNG held in `data[0..<size]`.
 * Transforms: palette -> RGB (RGBA when tRNS is present); 1/2/4-bit gray unpacked to one byte per
 * sample keeping the values 0...2^bits-1 (no scaling); 16-bit samples in host byte order;
 * Adam7 de-interlaced. With `header_only` set, fills `header` and returns without decoding.
 * Otherwise `out` must hold exactly `height * out_row_bytes` bytes.
 * Images wider or taller than `max_width`/`max_height` are rejected by libpng before allocation.
 * Returns 0 on success; otherwise nonzero and a message in `message` (NUL-terminated).
 * `warning` receives the first libpng warning, if any.
 */
int aims_png_decode(const uint8_t *data, size_t size, int header_only,
                    uint32_t max_width, uint32_t max_height,
                    aims_png_header *header, uint8_t *out, size_t out_size,
                    char *message, size_t message_capacity,
                    char *warning, size_t warning_capacity);

/**
 * 1 (default) lets aims_png_decode inflate non-interlaced 8/16-bit gray, gray+alpha, RGB and RGBA
 * images with libdeflate (loaded at run time when installed), unfiltering the rows itself; 0 forces
 * libpng throughout. The pixels are identical either way; errors and warnings always come from libpng.
 * Not synchronised: set it while no decode runs (tests).
 */
void aims_png_use_fast_path(int on);
/** 1 if the libdeflate fast path is enabled and libdeflate.so.0 could be loaded. */
int aims_png_fast_path_available(void);
/** Number of images decoded through the fast path so far (tests). */
long aims_png_fast_path_decodes(void);

/**
 * Encodes `height` rows of `width` pixels (interleaved samples, one byte per sample for
 * bit depths 1...8, two host-order bytes for 16) as a PNG at `path`.
 * `color_type` is 0, 2, 4 or 6; `bit_depth` 1/2/4 only for gray (values must be < 2^bit_depth).
 * Returns 0 on success; otherwise nonzero and a message.
 */
int aims_png_encode_file(const char *path, const uint8_t *pixels, uint32_t width, uint32_t height,
                         int32_t color_type, int32_t bit_depth, int32_t interlace, int32_t compression_level,
                         char *message, size_t message_capacity);

/* ---------------------------------------------------------------- TIFF (codec_shims_tiff.c) */

/** A libtiff handle plus the buffer that captures its error and warning messages. */
typedef struct aims_tiff aims_tiff;

/** The baseline fields of one TIFF directory (page). */
typedef struct aims_tiff_fields {
    uint32_t width, height;        /* pixels */
    uint16_t bits_per_sample;
    uint16_t samples_per_pixel;
    uint16_t sample_format;        /* SAMPLEFORMAT_UINT/INT/IEEEFP */
    uint16_t planar_config;        /* PLANARCONFIG_CONTIG / SEPARATE */
    uint16_t compression;          /* COMPRESSION_* */
    uint16_t photometric;          /* PHOTOMETRIC_*; 0xFFFF when the tag is missing */
    uint16_t extra_samples;        /* number of ExtraSamples */
    uint16_t extra_sample_kind;    /* writing: EXTRASAMPLE_* used for every extra sample */
    uint16_t predictor;            /* PREDICTOR_* (1 none) */
    int32_t is_tiled;              /* 1 if the page is tiled */
    uint32_t tile_width, tile_length;
    uint32_t rows_per_strip;
} aims_tiff_fields;

/**
 * Opens the TIFF held in `data[0..<size]` (not copied: it must outlive the handle) for reading.
 * `max_single_alloc` bounds any single allocation libtiff makes (0: libtiff's default).
 * Returns NULL on failure with a message.
 */
aims_tiff *aims_tiff_open_memory(const uint8_t *data, size_t size, uint64_t max_single_alloc,
                                 char *message, size_t message_capacity);

/** Creates a TIFF (BigTIFF when `bigtiff` is set) at `path` for writing. NULL on failure. */
aims_tiff *aims_tiff_open_write(const char *path, int32_t bigtiff, char *message, size_t message_capacity);

/** The libtiff handle, for calling non-variadic libtiff functions directly. */
struct tiff *aims_tiff_handle(aims_tiff *t);

/** The first error libtiff reported since the last clear ("" when none). */
const char *aims_tiff_error(const aims_tiff *t);
/** The first warning libtiff reported since the last clear ("" when none). */
const char *aims_tiff_warning(const aims_tiff *t);
void aims_tiff_clear_messages(aims_tiff *t);

/** Number of directories (pages); 0 when the chain cannot be read. */
int32_t aims_tiff_page_count(aims_tiff *t);

/** Reads the current directory's fields. Returns 0 on success. */
int aims_tiff_get_fields(aims_tiff *t, aims_tiff_fields *f);

/** Sets the fields of the directory being written. Returns 0 on success. */
int aims_tiff_set_fields(aims_tiff *t, const aims_tiff_fields *f);

/**
 * Reads a custom array or ASCII tag of the current directory (the GeoTIFF tags 33550, 33922, 34264, 34735,
 * 34736, 34737 and GDAL_NODATA 42113 are registered for every handle, with the types libgeotiff and GDAL
 * give them: DOUBLE, SHORT, ASCII). Returns 1 when present: `*type` is the field's TIFFDataType (2 ASCII,
 * 3 SHORT, 12 DOUBLE, ...), `*count` its values (for ASCII the string length without the NUL) and `*data` points
 * into libtiff's copy, valid until the directory changes. Returns 0 when absent.
 */
int aims_tiff_get_tag(aims_tiff *t, uint32_t tag, int32_t *type, uint32_t *count, const void **data);

/** The TIFFDataType of a known tag (registered or built in), 0 when libtiff does not know it. */
int32_t aims_tiff_tag_type(aims_tiff *t, uint32_t tag);

/**
 * Sets a custom tag of the directory being written: `count` values of the tag's type at `data`, or for an
 * ASCII tag the NUL-terminated string at `data` (`count` ignored). Returns 0 on success.
 */
int aims_tiff_set_tag(aims_tiff *t, uint32_t tag, uint32_t count, const void *data);

/**
 * Closes the handle and frees it. Returns 0 when no error was reported while closing
 * (for a writer: while flushing); otherwise nonzero and the message.
 */
int aims_tiff_close(aims_tiff *t, char *message, size_t message_capacity);

/* ---------------------------------------------------------------- JPEG (codec_shims_jpeg.c) */

/** The frame header of a JPEG and the layout `aims_jpeg_decode` produces from it. */
typedef struct aims_jpeg_header {
    uint32_t width, height;        /* pixels */
    int32_t components;            /* components in the file (1, 3 or 4) */
    int32_t color_space;           /* libjpeg J_COLOR_SPACE of the file: 1 gray, 2 RGB, 3 YCbCr, 4 CMYK, 5 YCCK */
    int32_t out_channels;          /* samples per decoded pixel: 1 gray, 3 RGB, 4 CMYK */
    int32_t data_precision;        /* bits per sample (8; 12 is refused by this libjpeg build) */
    int32_t progressive;           /* 1 for a progressive (SOF2) file */
    int32_t arithmetic;            /* 1 for arithmetic coding */
    int32_t adobe_transform;       /* Adobe APP14 transform flag, -1 when there is no Adobe marker */
    int32_t jfif;                  /* 1 if a JFIF APP0 marker was seen */
    int32_t density_unit;          /* JFIF: 0 aspect ratio only, 1 dots/inch, 2 dots/cm */
    int32_t x_density, y_density;  /* JFIF densities */
    int32_t h_samp[4], v_samp[4];  /* sampling factors per component */
    int32_t restart_interval;      /* MCUs per restart interval (0: none) */
    int32_t scan_count;            /* scans read (decode only) */
} aims_jpeg_header;

/**
 * Decodes the JPEG held in `data[0..<size]` with libjpeg (islow DCT, fancy upsampling: libjpeg's
 * and Pillow's defaults). Gray stays gray; YCbCr and RGB come out as RGB; CMYK and YCCK come out as
 * CMYK, with Adobe-inverted samples (APP14 present) re-inverted so 0 means no ink.
 * With `header_only` set, fills `header` and returns without decoding; otherwise `out` must hold
 * exactly `height * width * out_channels` bytes.
 * libjpeg's error_exit (which would call exit()) longjmps back here; the premature-end warning
 * counts as an error (a truncated file); other warnings go to `warning` (the first one).
 * Returns 0 on success; otherwise nonzero and a message in `message` (NUL-terminated).
 */
int aims_jpeg_decode(const uint8_t *data, size_t size, int header_only, aims_jpeg_header *header,
                     uint8_t *out, size_t out_size, char *message, size_t message_capacity,
                     char *warning, size_t warning_capacity);

/**
 * Encodes `height` rows of `width` pixels of `channels` (1 gray or 3 RGB) 8-bit interleaved
 * samples as a baseline (or progressive) JFIF JPEG at `path` with `quality` 1...100, 4:2:0 chroma
 * for RGB (or 4:4:4 when `full_chroma` is set). Returns 0 on success; otherwise nonzero and a message.
 */
int aims_jpeg_encode_file(const char *path, const uint8_t *pixels, uint32_t width, uint32_t height,
                          int32_t channels, int32_t quality, int32_t progressive, int32_t full_chroma,
                          char *message, size_t message_capacity);

#ifdef __cplusplus
}
#endif
#endif
