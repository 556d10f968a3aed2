/*
 * libjpeg wrapper: setjmp lives here, so libjpeg's error_exit (whose default calls exit()) longjmps
 * back into this file and never crosses a Swift frame. Messages are copied into caller buffers;
 * libjpeg's default output_message (which prints to stderr) never runs.
 */
#include "codec_shims.h"
#include <stdio.h>
#include <jpeglib.h>
#include <jerror.h>
#include <setjmp.h>
#include <string.h>

typedef struct aims_jpeg_error {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char *message;
    size_t message_capacity;
    char *warning;
    size_t warning_capacity;
} aims_jpeg_error;

static void copy_text(char *dst, size_t cap, const char *src) {
    if (dst == NULL || cap == 0) return;
    size_t n = strlen(src);
    if (n >= cap) n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

static void on_error_exit(j_common_ptr cinfo) {
    aims_jpeg_error *err = (aims_jpeg_error *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    copy_text(err->message, err->message_capacity, text);
    longjmp(err->jump, 1);
}

/* Warnings (level -1): a premature end of data is fatal (libjpeg would pad the image with gray), and so is a
 * scan that meets a marker before its last block (JWRN_HIT_MARKER): then the rest of the image has no data, and a
 * small file declaring a large frame would make libjpeg fill it all with gray (found by scripts/fuzz,
 * docs/RELIABILITY.md). The first other warning is kept. Trace messages (level >= 0) are dropped. */
static void on_emit_message(j_common_ptr cinfo, int level) {
    aims_jpeg_error *err = (aims_jpeg_error *)cinfo->err;
    if (level >= 0) return;
    if (cinfo->err->msg_code == JWRN_JPEG_EOF) {
        copy_text(err->message, err->message_capacity, "premature end of data (truncated JPEG)");
        longjmp(err->jump, 1);
    }
    if (cinfo->err->msg_code == JWRN_HIT_MARKER) {
        copy_text(err->message, err->message_capacity, "premature end of data segment (the scan ends before the frame's last block)");
        longjmp(err->jump, 1);
    }
    if (err->warning != NULL && err->warning_capacity > 0 && err->warning[0] == 0) {
        char text[JMSG_LENGTH_MAX];
        (*cinfo->err->format_message)(cinfo, text);
        copy_text(err->warning, err->warning_capacity, text);
    }
    cinfo->err->num_warnings++;
}

static void on_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void install(aims_jpeg_error *err, char *message, size_t message_capacity, char *warning, size_t warning_capacity) {
    jpeg_std_error(&err->pub);
    err->pub.error_exit = on_error_exit;
    err->pub.emit_message = on_emit_message;
    err->pub.output_message = on_output_message;
    err->message = message;
    err->message_capacity = message_capacity;
    err->warning = warning;
    err->warning_capacity = warning_capacity;
    if (message && message_capacity) message[0] = 0;
    if (warning && warning_capacity) warning[0] = 0;
}

int aims_jpeg_decode(const uint8_t *data, size_t size, int header_only, aims_jpeg_header *header,
                     uint8_t *out, size_t out_size, char *message, size_t message_capacity,
                     char *warning, size_t warning_capacity) {
    struct jpeg_decompress_struct cinfo;
    aims_jpeg_error err;
    memset(&cinfo, 0, sizeof cinfo);
    install(&err, message, message_capacity, warning, warning_capacity);
    if (size < 3 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF) {
        copy_text(message, message_capacity, "not a JPEG (no SOI marker FF D8 FF)");
        return 1;
    }
    cinfo.err = &err.pub;
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);

    memset(header, 0, sizeof *header);
    header->width = cinfo.image_width;
    header->height = cinfo.image_height;
    header->components = cinfo.num_components;
    header->color_space = (int32_t)cinfo.jpeg_color_space;
    header->data_precision = cinfo.data_precision;
    header->progressive = cinfo.progressive_mode ? 1 : 0;
    header->arithmetic = cinfo.arith_code ? 1 : 0;
    header->adobe_transform = cinfo.saw_Adobe_marker ? cinfo.Adobe_transform : -1;
    header->jfif = cinfo.saw_JFIF_marker ? 1 : 0;
    header->density_unit = cinfo.density_unit;
    header->x_density = cinfo.X_density;
    header->y_density = cinfo.Y_density;
    for (int c = 0; c < cinfo.num_components && c < 4; c++) {
        header->h_samp[c] = cinfo.comp_info[c].h_samp_factor;
        header->v_samp[c] = cinfo.comp_info[c].v_samp_factor;
    }
    header->restart_interval = (int32_t)cinfo.restart_interval;

    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE: cinfo.out_color_space = JCS_GRAYSCALE; header->out_channels = 1; break;
    case JCS_YCbCr: case JCS_RGB: cinfo.out_color_space = JCS_RGB; header->out_channels = 3; break;
    case JCS_CMYK: case JCS_YCCK: cinfo.out_color_space = JCS_CMYK; header->out_channels = 4; break;
    default:
        copy_text(message, message_capacity, "unsupported colour space (component count not 1, 3 or 4)");
        jpeg_destroy_decompress(&cinfo);
        return 2;
    }
    if (header_only) {
        jpeg_destroy_decompress(&cinfo);
        return 0;
    }
    cinfo.dct_method = JDCT_ISLOW;
    cinfo.do_fancy_upsampling = TRUE;
    jpeg_start_decompress(&cinfo);
    size_t row_bytes = (size_t)cinfo.output_width * (size_t)cinfo.output_components;
    if (cinfo.output_components != header->out_channels || cinfo.output_width != cinfo.image_width
        || cinfo.output_height != cinfo.image_height || out_size != row_bytes * (size_t)cinfo.output_height) {
        copy_text(message, message_capacity, "decoded layout does not match the output buffer");
        jpeg_destroy_decompress(&cinfo);
        return 2;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = out + (size_t)cinfo.output_scanline * row_bytes;
        if (jpeg_read_scanlines(&cinfo, &row, 1) != 1) {
            copy_text(message, message_capacity, "libjpeg returned no scanline (suspended source)");
            jpeg_destroy_decompress(&cinfo);
            return 1;
        }
    }
    header->scan_count = cinfo.input_scan_number;
    jpeg_finish_decompress(&cinfo);
    /* Adobe (Photoshop) CMYK stores inverted samples; undo it as Pillow does ("CMYK;I"). */
    if (header->out_channels == 4 && header->adobe_transform >= 0) {
        for (size_t i = 0; i < out_size; i++) out[i] = (uint8_t)(255 - out[i]);
    }
    jpeg_destroy_decompress(&cinfo);
    return 0;
}

int aims_jpeg_encode_file(const char *path, const uint8_t *pixels, uint32_t width, uint32_t height,
                          int32_t channels, int32_t quality, int32_t progressive, int32_t full_chroma,
                          char *message, size_t message_capacity) {
    struct jpeg_compress_struct cinfo;
    aims_jpeg_error err;
    memset(&cinfo, 0, sizeof cinfo);
    install(&err, message, message_capacity, NULL, 0);
    if (channels != 1 && channels != 3) { copy_text(message, message_capacity, "channels must be 1 or 3"); return 1; }
    FILE *volatile file = fopen(path, "wb");
    if (file == NULL) { copy_text(message, message_capacity, "cannot create file"); return 1; }
    cinfo.err = &err.pub;
    if (setjmp(err.jump)) {
        jpeg_destroy_compress(&cinfo);
        fclose(file);
        return 1;
    }
    jpeg_create_compress(&cinfo);
    jpeg_stdio_dest(&cinfo, file);
    cinfo.image_width = width;
    cinfo.image_height = height;
    cinfo.input_components = channels;
    cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    if (channels == 3 && full_chroma) cinfo.comp_info[0].h_samp_factor = cinfo.comp_info[0].v_samp_factor = 1;
    if (progressive) jpeg_simple_progression(&cinfo);
    jpeg_start_compress(&cinfo, TRUE);
    size_t row_bytes = (size_t)width * (size_t)channels;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * row_bytes);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    if (fclose(file) != 0) { copy_text(message, message_capacity, "cannot close file (disk full?)"); return 1; }
    return 0;
}
