/*
 * libtiff wrapper: per-handle error/warning handlers (TIFFOpenOptions, libtiff >= 4.5) that copy
 * the message into the handle instead of printing it, a read-only in-memory client, and the
 * variadic TIFFGetField/TIFFSetField calls Swift cannot make itself.
 */
#include "codec_shims.h"
#include <tiffio.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AIMS_TIFF_MESSAGE 512

struct aims_tiff {
    TIFF *tif;
    const uint8_t *data;   /* memory source (reading) */
    uint64_t size;
    uint64_t position;
    char error[AIMS_TIFF_MESSAGE];
    char warning[AIMS_TIFF_MESSAGE];
};

static void copy_message(char *dst, size_t cap, const char *src) {
    if (dst == NULL || cap == 0) return;
    if (src == NULL) src = "";
    size_t n = strlen(src);
    if (n >= cap) n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

static void format_into(char *dst, size_t cap, const char *module, const char *fmt, va_list ap) {
    char body[AIMS_TIFF_MESSAGE];
    vsnprintf(body, sizeof body, fmt, ap);
    if (module != NULL && module[0] != 0) snprintf(dst, cap, "%s: %s", module, body);
    else snprintf(dst, cap, "%s", body);
}

/* Keeps the first error (the root cause); later ones are usually consequences. */
static int on_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif;
    struct aims_tiff *t = (struct aims_tiff *)user;
    if (t != NULL && t->error[0] == 0) format_into(t->error, sizeof t->error, module, fmt, ap);
    return 1; /* handled: libtiff does not call the global handler */
}

static int on_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif;
    struct aims_tiff *t = (struct aims_tiff *)user;
    if (t != NULL && t->warning[0] == 0) format_into(t->warning, sizeof t->warning, module, fmt, ap);
    return 1;
}

/* A few libtiff code paths still report through the process-wide handlers, which print to
 * stderr by default. Replace them once with silent ones; the per-handle handlers above carry
 * the messages. */
static void silent_global(const char *module, const char *fmt, va_list ap) {
    (void)module; (void)fmt; (void)ap;
}
/* The GeoTIFF tags (OGC GeoTIFF 1.1) and GDAL's nodata tag, with the definitions libgeotiff and GDAL register,
 * so that libtiff reads them with their types and can write them. */
static const TIFFFieldInfo geotiff_fields[] = {
    {33550, TIFF_VARIABLE, TIFF_VARIABLE, TIFF_DOUBLE, FIELD_CUSTOM, 1, 1, (char *)"ModelPixelScaleTag"},
    {33922, TIFF_VARIABLE, TIFF_VARIABLE, TIFF_DOUBLE, FIELD_CUSTOM, 1, 1, (char *)"ModelTiepointTag"},
    {34264, TIFF_VARIABLE, TIFF_VARIABLE, TIFF_DOUBLE, FIELD_CUSTOM, 1, 1, (char *)"ModelTransformationTag"},
    {34735, TIFF_VARIABLE, TIFF_VARIABLE, TIFF_SHORT, FIELD_CUSTOM, 1, 1, (char *)"GeoKeyDirectoryTag"},
    {34736, TIFF_VARIABLE, TIFF_VARIABLE, TIFF_DOUBLE, FIELD_CUSTOM, 1, 1, (char *)"GeoDoubleParamsTag"},
    {34737, TIFF_VARIABLE, TIFF_VARIABLE, TIFF_ASCII, FIELD_CUSTOM, 1, 0, (char *)"GeoAsciiParamsTag"},
    {42113, TIFF_VARIABLE, TIFF_VARIABLE, TIFF_ASCII, FIELD_CUSTOM, 1, 0, (char *)"GDALNoDataValue"},
};
static TIFFExtendProc parent_extender = NULL;
static void geotiff_extender(TIFF *tif) {
    TIFFMergeFieldInfo(tif, geotiff_fields, sizeof geotiff_fields / sizeof geotiff_fields[0]);
    if (parent_extender != NULL) parent_extender(tif);
}

static pthread_once_t silence_once = PTHREAD_ONCE_INIT;
static void silence_globals(void) {
    TIFFSetErrorHandler(silent_global);
    TIFFSetWarningHandler(silent_global);
    parent_extender = TIFFSetTagExtender(geotiff_extender);
}

static TIFFOpenOptions *make_options(struct aims_tiff *t, uint64_t max_single_alloc) {
    pthread_once(&silence_once, silence_globals);
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    if (opts == NULL) return NULL;
    TIFFOpenOptionsSetErrorHandlerExtR(opts, on_error, t);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, on_warning, t);
    if (max_single_alloc > 0) TIFFOpenOptionsSetMaxSingleMemAlloc(opts, (tmsize_t)max_single_alloc);
    return opts;
}

static tmsize_t mem_read(thandle_t h, void *buf, tmsize_t n) {
    struct aims_tiff *t = (struct aims_tiff *)h;
    if (n <= 0) return 0;
    uint64_t left = t->position < t->size ? t->size - t->position : 0;
    uint64_t take = (uint64_t)n < left ? (uint64_t)n : left;
    if (take) memcpy(buf, t->data + t->position, (size_t)take);
    t->position += take;
    return (tmsize_t)take;
}
static tmsize_t mem_write(thandle_t h, void *buf, tmsize_t n) { (void)h; (void)buf; (void)n; return -1; }
static toff_t mem_seek(thandle_t h, toff_t off, int whence) {
    struct aims_tiff *t = (struct aims_tiff *)h;
    uint64_t base;
    switch (whence) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = t->position; break;
    case SEEK_END: base = t->size; break;
    default: return (toff_t)-1;
    }
    /* toff_t is unsigned; libtiff passes negative SEEK_CUR offsets as wrapped values */
    t->position = base + off;
    return (toff_t)t->position;
}
static int mem_close(thandle_t h) { (void)h; return 0; }
static toff_t mem_size(thandle_t h) { return (toff_t)((struct aims_tiff *)h)->size; }
static int mem_map(thandle_t h, void **base, toff_t *size) { (void)h; (void)base; (void)size; return 0; }
static void mem_unmap(thandle_t h, void *base, toff_t size) { (void)h; (void)base; (void)size; }

aims_tiff *aims_tiff_open_memory(const uint8_t *data, size_t size, uint64_t max_single_alloc,
                                 char *message, size_t message_capacity) {
    copy_message(message, message_capacity, "");
    struct aims_tiff *t = (struct aims_tiff *)calloc(1, sizeof *t);
    if (t == NULL) { copy_message(message, message_capacity, "out of memory"); return NULL; }
    t->data = data;
    t->size = size;
    TIFFOpenOptions *opts = make_options(t, max_single_alloc);
    if (opts == NULL) { free(t); copy_message(message, message_capacity, "out of memory"); return NULL; }
    t->tif = TIFFClientOpenExt("memory", "rm", (thandle_t)t, mem_read, mem_write, mem_seek, mem_close,
                               mem_size, mem_map, mem_unmap, opts);
    TIFFOpenOptionsFree(opts);
    if (t->tif == NULL) {
        copy_message(message, message_capacity, t->error[0] ? t->error : "TIFFClientOpen failed");
        free(t);
        return NULL;
    }
    return t;
}

aims_tiff *aims_tiff_open_write(const char *path, int32_t bigtiff, char *message, size_t message_capacity) {
    copy_message(message, message_capacity, "");
    struct aims_tiff *t = (struct aims_tiff *)calloc(1, sizeof *t);
    if (t == NULL) { copy_message(message, message_capacity, "out of memory"); return NULL; }
    TIFFOpenOptions *opts = make_options(t, 0);
    if (opts == NULL) { free(t); copy_message(message, message_capacity, "out of memory"); return NULL; }
    t->tif = TIFFOpenExt(path, bigtiff ? "w8" : "w", opts);
    TIFFOpenOptionsFree(opts);
    if (t->tif == NULL) {
        copy_message(message, message_capacity, t->error[0] ? t->error : "TIFFOpen failed");
        free(t);
        return NULL;
    }
    return t;
}

struct tiff *aims_tiff_handle(aims_tiff *t) { return t->tif; }
const char *aims_tiff_error(const aims_tiff *t) { return t->error; }
const char *aims_tiff_warning(const aims_tiff *t) { return t->warning; }
void aims_tiff_clear_messages(aims_tiff *t) { t->error[0] = 0; t->warning[0] = 0; }

int32_t aims_tiff_page_count(aims_tiff *t) {
    tdir_t n = TIFFNumberOfDirectories(t->tif);
    return (int32_t)n;
}

int aims_tiff_get_fields(aims_tiff *t, aims_tiff_fields *f) {
    TIFF *tif = t->tif;
    memset(f, 0, sizeof *f);
    if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &f->width)) return 1;
    if (!TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &f->height)) return 2;
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &f->bits_per_sample);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &f->samples_per_pixel);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &f->sample_format);
    TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &f->planar_config);
    TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &f->compression);
    if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &f->photometric)) f->photometric = 0xFFFF;
    uint16_t count = 0;
    uint16_t *kinds = NULL;
    if (TIFFGetField(tif, TIFFTAG_EXTRASAMPLES, &count, &kinds)) {
        f->extra_samples = count;
        f->extra_sample_kind = (count > 0 && kinds != NULL) ? kinds[0] : 0;
    }
    if (!TIFFGetField(tif, TIFFTAG_PREDICTOR, &f->predictor)) f->predictor = PREDICTOR_NONE;
    f->is_tiled = TIFFIsTiled(tif) ? 1 : 0;
    if (f->is_tiled) {
        TIFFGetField(tif, TIFFTAG_TILEWIDTH, &f->tile_width);
        TIFFGetField(tif, TIFFTAG_TILELENGTH, &f->tile_length);
    } else {
        TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &f->rows_per_strip);
    }
    return 0;
}

int aims_tiff_set_fields(aims_tiff *t, const aims_tiff_fields *f) {
    TIFF *tif = t->tif;
    int ok = 1;
    ok &= TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, f->width);
    ok &= TIFFSetField(tif, TIFFTAG_IMAGELENGTH, f->height);
    ok &= TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, (int)f->bits_per_sample);
    ok &= TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, (int)f->samples_per_pixel);
    ok &= TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, (int)f->sample_format);
    ok &= TIFFSetField(tif, TIFFTAG_PLANARCONFIG, (int)f->planar_config);
    ok &= TIFFSetField(tif, TIFFTAG_COMPRESSION, (int)f->compression);
    ok &= TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, (int)f->photometric);
    if (f->predictor > PREDICTOR_NONE) ok &= TIFFSetField(tif, TIFFTAG_PREDICTOR, (int)f->predictor);
    if (f->extra_samples > 0) {
        uint16_t *kinds = (uint16_t *)calloc(f->extra_samples, sizeof(uint16_t));
        if (kinds == NULL) return 1;
        for (uint16_t i = 0; i < f->extra_samples; i++) kinds[i] = f->extra_sample_kind;
        ok &= TIFFSetField(tif, TIFFTAG_EXTRASAMPLES, (int)f->extra_samples, kinds);
        free(kinds);
    }
    if (f->is_tiled) {
        ok &= TIFFSetField(tif, TIFFTAG_TILEWIDTH, f->tile_width);
        ok &= TIFFSetField(tif, TIFFTAG_TILELENGTH, f->tile_length);
    } else {
        ok &= TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, f->rows_per_strip);
    }
    return ok ? 0 : 1;
}

int aims_tiff_get_tag(aims_tiff *t, uint32_t tag, int32_t *type, uint32_t *count, const void **data) {
    TIFF *tif = t->tif;
    const TIFFField *f = TIFFFindField(tif, tag, TIFF_ANY);
    *type = 0; *count = 0; *data = NULL;
    if (f == NULL) return 0;
    void *p = NULL;
    if (TIFFFieldPassCount(f)) {
        if (TIFFFieldReadCount(f) == TIFF_VARIABLE2) {
            uint32_t n = 0;
            if (!TIFFGetField(tif, tag, &n, &p)) return 0;
            *count = n;
        } else {
            uint16_t n = 0;
            if (!TIFFGetField(tif, tag, &n, &p)) return 0;
            *count = n;
        }
        /* an ASCII value with a count includes its NUL */
        if (TIFFFieldDataType(f) == TIFF_ASCII && p != NULL) *count = (uint32_t)strnlen((const char *)p, *count);
    } else if (TIFFFieldDataType(f) == TIFF_ASCII) {
        if (!TIFFGetField(tif, tag, &p) || p == NULL) return 0;
        *count = (uint32_t)strlen((const char *)p);
    } else {
        return 0; /* fixed-count scalars are not custom arrays */
    }
    *type = (int32_t)TIFFFieldDataType(f);
    *data = p;
    return 1;
}

int32_t aims_tiff_tag_type(aims_tiff *t, uint32_t tag) {
    const TIFFField *f = TIFFFindField(t->tif, tag, TIFF_ANY);
    return f == NULL ? 0 : (int32_t)TIFFFieldDataType(f);
}

int aims_tiff_set_tag(aims_tiff *t, uint32_t tag, uint32_t count, const void *data) {
    TIFF *tif = t->tif;
    const TIFFField *f = TIFFFindField(tif, tag, TIFF_ANY);
    if (f == NULL) return 1;
    int ok;
    if (TIFFFieldDataType(f) == TIFF_ASCII && !TIFFFieldPassCount(f)) {
        ok = TIFFSetField(tif, tag, (const char *)data);
    } else if (!TIFFFieldPassCount(f)) {
        return 1;
    } else if (TIFFFieldWriteCount(f) == TIFF_VARIABLE2) {
        ok = TIFFSetField(tif, tag, count, data);
    } else {
        if (count > 65535) return 1;
        ok = TIFFSetField(tif, tag, (int)count, data);
    }
    return ok ? 0 : 1;
}

int aims_tiff_close(aims_tiff *t, char *message, size_t message_capacity) {
    copy_message(message, message_capacity, "");
    if (t == NULL) return 0;
    /* flush explicitly so a failed write is reported (TIFFClose itself returns nothing) */
    int failed = 0;
    if (t->tif != NULL) {
        if (TIFFGetMode(t->tif) != O_RDONLY && !TIFFFlush(t->tif)) failed = 1;
        TIFFClose(t->tif);
    }
    if (t->error[0] != 0) failed = 1;
    if (failed) copy_message(message, message_capacity, t->error[0] ? t->error : "TIFFFlush failed");
    free(t);
    return failed;
}
