/*
 * libpng wrapper: setjmp lives here, so libpng's longjmp never crosses a Swift frame.
 * Errors and warnings are copied into caller buffers; libpng's defaults (which print) never run.
 */
#include "codec_shims.h"
#include "codec_shims_png_fast.h"
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct png_context {
    const uint8_t *data;
    size_t size;
    size_t position;
    char *message;
    size_t message_capacity;
    char *warning;
    size_t warning_capacity;
} png_context;

static void copy_message(char *dst, size_t cap, const char *src) {
    if (dst == NULL || cap == 0) return;
    if (src == NULL) src = "unknown libpng error";
    size_t n = strlen(src);
    if (n >= cap) n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

static void on_error(png_structp png, png_const_charp msg) {
    png_context *ctx = (png_context *)png_get_error_ptr(png);
    if (ctx != NULL) copy_message(ctx->message, ctx->message_capacity, msg);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg) {
    png_context *ctx = (png_context *)png_get_error_ptr(png);
    if (ctx != NULL && ctx->warning != NULL && ctx->warning_capacity > 0 && ctx->warning[0] == 0)
        copy_message(ctx->warning, ctx->warning_capacity, msg);
}

static void read_memory(png_structp png, png_bytep out, png_size_t length) {
    png_context *ctx = (png_context *)png_get_io_ptr(png);
    if (length > ctx->size - ctx->position) png_error(png, "unexpected end of file (truncated PNG)");
    memcpy(out, ctx->data + ctx->position, length);
    ctx->position += length;
}

static int is_little_endian_host(void) {
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 1;
}

int aims_png_decode(const uint8_t *data, size_t size, int header_only,
                    uint32_t max_width, uint32_t max_height,
                    aims_png_header *header, uint8_t *out, size_t out_size,
                    char *message, size_t message_capacity,
                    char *warning, size_t warning_capacity) {
    png_context ctx = { data, size, 0, message, message_capacity, warning, warning_capacity };
    if (message && message_capacity) message[0] = 0;
    if (warning && warning_capacity) warning[0] = 0;
    if (size < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0) {
        copy_message(message, message_capacity, "not a PNG signature");
        return 1;
    }
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, on_error, on_warning);
    if (png == NULL) { copy_message(message, message_capacity, "png_create_read_struct failed"); return 1; }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        copy_message(message, message_capacity, "png_create_info_struct failed");
        return 1;
    }
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        return 1;
    }
    png_set_read_fn(png, &ctx, read_memory);
    png_set_user_limits(png, max_width, max_height);
    png_read_info(png, info);

    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);
    int has_trns = png_get_valid(png, info, PNG_INFO_tRNS) ? 1 : 0;

    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_set_palette_to_rgb(png);
        if (has_trns) png_set_tRNS_to_alpha(png);
    } else if (bit_depth < 8) {
        png_set_packing(png); /* one byte per sample, values kept (0...2^bits-1) */
    }
    if (bit_depth == 16 && is_little_endian_host()) png_set_swap(png);
    int passes = png_set_interlace_handling(png);
    (void)passes;
    png_read_update_info(png, info);

    header->width = width;
    header->height = height;
    header->bit_depth = bit_depth;
    header->color_type = color_type;
    header->interlace = interlace == PNG_INTERLACE_ADAM7 ? 1 : 0;
    header->has_trns = has_trns;
    header->out_channels = png_get_channels(png, info);
    header->out_bytes_per_sample = png_get_bit_depth(png, info) == 16 ? 2 : 1;
    header->out_row_bytes = (uint64_t)png_get_rowbytes(png, info);

    if (header_only) {
        png_destroy_read_struct(&png, &info, NULL);
        return 0;
    }
    if (header->out_row_bytes != (uint64_t)width * (uint64_t)header->out_channels * (uint64_t)header->out_bytes_per_sample
        || (uint64_t)out_size != header->out_row_bytes * (uint64_t)height) {
        copy_message(message, message_capacity, "decoded row layout does not match the output buffer");
        png_destroy_read_struct(&png, &info, NULL);
        return 2;
    }
    if (aims_png_fast_decode(data, size, header, out, out_size) == 0) {
        png_destroy_read_struct(&png, &info, NULL);
        return 0;
    }
    rows = (png_bytep *)malloc(sizeof(png_bytep) * (size_t)height);
    if (rows == NULL) png_error(png, "out of memory for row pointers");
    for (png_uint_32 y = 0; y < height; y++) rows[y] = out + (size_t)y * (size_t)header->out_row_bytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    free(rows);
    rows = NULL;
    png_destroy_read_struct(&png, &info, NULL);
    return 0;
}

int aims_png_encode_file(const char *path, const uint8_t *pixels, uint32_t width, uint32_t height,
                         int32_t color_type, int32_t bit_depth, int32_t interlace, int32_t compression_level,
                         char *message, size_t message_capacity) {
    png_context ctx = { NULL, 0, 0, message, message_capacity, NULL, 0 };
    if (message && message_capacity) message[0] = 0;
    int channels;
    switch (color_type) {
    case PNG_COLOR_TYPE_GRAY: channels = 1; break;
    case PNG_COLOR_TYPE_GRAY_ALPHA: channels = 2; break;
    case PNG_COLOR_TYPE_RGB: channels = 3; break;
    case PNG_COLOR_TYPE_RGB_ALPHA: channels = 4; break;
    default: copy_message(message, message_capacity, "unsupported colour type for writing"); return 1;
    }
    size_t bytes_per_sample = bit_depth == 16 ? 2 : 1;
    size_t row_bytes = (size_t)width * (size_t)channels * bytes_per_sample;

    FILE *volatile file = fopen(path, "wb");
    if (file == NULL) { copy_message(message, message_capacity, "cannot create file"); return 1; }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, on_error, on_warning);
    if (png == NULL) { fclose(file); copy_message(message, message_capacity, "png_create_write_struct failed"); return 1; }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_write_struct(&png, NULL);
        fclose(file);
        copy_message(message, message_capacity, "png_create_info_struct failed");
        return 1;
    }
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        png_destroy_write_struct(&png, &info);
        fclose(file);
        return 1;
    }
    png_init_io(png, file);
    png_set_user_limits(png, 0x7fffffffU, 0x7fffffffU);
    png_set_compression_level(png, compression_level);
    png_set_IHDR(png, info, width, height, bit_depth, color_type,
                 interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    if (bit_depth < 8) png_set_packing(png);
    if (bit_depth == 16 && is_little_endian_host()) png_set_swap(png);
    int passes = png_set_interlace_handling(png);
    (void)passes;
    rows = (png_bytep *)malloc(sizeof(png_bytep) * (size_t)(height ? height : 1));
    if (rows == NULL) png_error(png, "out of memory for row pointers");
    for (uint32_t y = 0; y < height; y++) rows[y] = (png_bytep)(pixels + (size_t)y * row_bytes);
    png_write_image(png, rows);
    png_write_end(png, NULL);
    free(rows);
    rows = NULL;
    png_destroy_write_struct(&png, &info);
    if (fclose(file) != 0) { copy_message(message, message_capacity, "cannot close file (disk full?)"); return 1; }
    return 0;
}
