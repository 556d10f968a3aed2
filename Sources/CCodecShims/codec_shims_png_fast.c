/*
 * Fast path for the common PNG (non-interlaced, 8/16-bit gray, gray+alpha, RGB, RGBA): the IDAT
 * stream is inflated in one call by libdeflate (2-3x faster than zlib's streaming inflate, which
 * dominates PNG decoding) and the rows are unfiltered here. libdeflate is loaded at run time
 * (dlopen libdeflate.so.0), so it is optional: without it, or for anything unusual (a CRC or
 * Adler-32 mismatch, trailing or missing data, chunks other than IEND after the image data, a bad
 * filter byte), the caller decodes with libpng as before, which then also produces the error or
 * warning message. The output is identical to libpng's (checked by ImageIOTests).
 */
#include "codec_shims_png_fast.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

typedef struct deflate_api {
    void *(*alloc_decompressor)(void);
    void (*free_decompressor)(void *);
    int (*zlib_decompress_ex)(void *, const void *, size_t, void *, size_t, size_t *, size_t *);
    uint32_t (*crc32)(uint32_t, const void *, size_t);
} deflate_api;

static deflate_api api;
static int api_loaded;
static pthread_once_t api_once = PTHREAD_ONCE_INIT;
static volatile int fast_path_disabled;
static long fast_decodes;

long aims_png_fast_path_decodes(void) { return __atomic_load_n(&fast_decodes, __ATOMIC_RELAXED); }

static void load_api(void) {
    void *lib = dlopen("libdeflate.so.0", RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) return;
    api.alloc_decompressor = (void *(*)(void))dlsym(lib, "libdeflate_alloc_decompressor");
    api.free_decompressor = (void (*)(void *))dlsym(lib, "libdeflate_free_decompressor");
    api.zlib_decompress_ex = (int (*)(void *, const void *, size_t, void *, size_t, size_t *, size_t *))
        dlsym(lib, "libdeflate_zlib_decompress_ex");
    api.crc32 = (uint32_t (*)(uint32_t, const void *, size_t))dlsym(lib, "libdeflate_crc32");
    api_loaded = api.alloc_decompressor && api.free_decompressor && api.zlib_decompress_ex && api.crc32;
}

void aims_png_use_fast_path(int on) { fast_path_disabled = !on; }

int aims_png_fast_path_available(void) {
    pthread_once(&api_once, load_api);
    return api_loaded && !fast_path_disabled;
}

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

/* The Sub filter of a 1-byte-per-pixel row is a running byte sum; done as cur[i] = src[i] + cur[i-1]
   it is bound by store-to-load forwarding (several cycles per byte). SSE2: prefix sums of 16 bytes
   in four shift-and-add steps plus the carry from the previous block; the tail keeps it in a register. */
static void sub_prefix_sum(uint8_t *cur, const uint8_t *src, size_t n) {
    size_t i = 0;
    uint8_t acc = 0;
#if defined(__SSE2__)
    __m128i carry = _mm_setzero_si128();
    for (; i + 16 <= n; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(src + i));
        x = _mm_add_epi8(x, _mm_slli_si128(x, 1));
        x = _mm_add_epi8(x, _mm_slli_si128(x, 2));
        x = _mm_add_epi8(x, _mm_slli_si128(x, 4));
        x = _mm_add_epi8(x, _mm_slli_si128(x, 8));
        x = _mm_add_epi8(x, carry);
        _mm_storeu_si128((__m128i *)(cur + i), x);
        /* broadcast byte 15: words (x15, x15) -> high words -> all dwords */
        carry = _mm_shuffle_epi32(_mm_shufflehi_epi16(_mm_unpackhi_epi8(x, x), 0xFF), 0xFF);
    }
    if (i) acc = cur[i - 1];
#endif
    for (; i < n; i++) cur[i] = acc = (uint8_t)(acc + src[i]);
}

/* PNG filter types 0-4 (PNG spec 9.2); `prev` is NULL for the first row. Returns 0, or 1 for a bad type. */
static int unfilter_row(uint8_t *cur, const uint8_t *src, const uint8_t *prev, size_t n, size_t bpp, int type) {
    size_t i;
    switch (type) {
    case 0: memcpy(cur, src, n); return 0;
    case 1:
        if (bpp == 1) { sub_prefix_sum(cur, src, n); return 0; }
        for (i = 0; i < bpp && i < n; i++) cur[i] = src[i];
        for (; i < n; i++) cur[i] = (uint8_t)(src[i] + cur[i - bpp]);
        return 0;
    case 2:
        if (prev == NULL) { memcpy(cur, src, n); return 0; }
        for (i = 0; i < n; i++) cur[i] = (uint8_t)(src[i] + prev[i]);
        return 0;
    case 3:
        for (i = 0; i < n; i++) {
            unsigned a = i >= bpp ? cur[i - bpp] : 0, b = prev ? prev[i] : 0;
            cur[i] = (uint8_t)(src[i] + ((a + b) >> 1));
        }
        return 0;
    case 4:
        for (i = 0; i < n; i++) {
            int a = i >= bpp ? cur[i - bpp] : 0, b = prev ? prev[i] : 0, c = (prev && i >= bpp) ? prev[i - bpp] : 0;
            int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
            cur[i] = (uint8_t)(src[i] + (pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)));
        }
        return 0;
    default: return 1;
    }
}

static int little_endian_host(void) {
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 1;
}

static void swap16(uint8_t *row, size_t n) {
    for (size_t i = 0; i + 1 < n; i += 2) { uint8_t t = row[i]; row[i] = row[i + 1]; row[i + 1] = t; }
}

int aims_png_fast_decode(const uint8_t *data, size_t size, const aims_png_header *h, uint8_t *out, size_t out_size) {
    if (!aims_png_fast_path_available()) return 1;
    if (h->interlace || h->color_type == 3 || (h->bit_depth != 8 && h->bit_depth != 16)) return 1;
    int swap = h->bit_depth == 16 && little_endian_host(); /* host order, as libpng's png_set_swap */
    size_t bpp = (size_t)h->out_channels * (size_t)h->out_bytes_per_sample, n = (size_t)h->out_row_bytes;
    if (n != (size_t)h->width * bpp || out_size != n * h->height) return 1;

    /* Pass 1: validate every chunk's CRC and the chunk order; total the IDAT bytes. */
    size_t pos = 8, idat_total = 0;
    int state = 0; /* 0 before IDAT, 1 in the IDAT run, 2 after it */
    int ended = 0;
    while (!ended) {
        if (size - pos < 12) return 1;
        size_t len = be32(data + pos);
        if (len > 0x7fffffffu || len > size - pos - 12) return 1;
        const uint8_t *type = data + pos + 4;
        if (api.crc32(0, type, len + 4) != be32(data + pos + 8 + len)) return 1;
        int is_idat = memcmp(type, "IDAT", 4) == 0;
        if (is_idat) {
            if (state == 2) return 1;
            state = 1;
            idat_total += len;
        } else {
            if (state >= 1) {
                if (memcmp(type, "IEND", 4) != 0) return 1;
                ended = 1;
            }
            if (state == 1) state = 2;
        }
        pos += 12 + len;
    }
    /* Pass 2: the zlib stream in one buffer (a run of IDAT chunks splits it arbitrarily). */
    size_t filtered_size = (n + 1) * (size_t)h->height;
    uint8_t *idat = malloc(idat_total ? idat_total : 1), *filtered = malloc(filtered_size);
    void *d = api.alloc_decompressor();
    int status = 1;
    if (idat == NULL || filtered == NULL || d == NULL) goto done;
    size_t k = 0;
    for (pos = 8;;) {
        size_t len = be32(data + pos);
        if (memcmp(data + pos + 4, "IDAT", 4) == 0) { memcpy(idat + k, data + pos + 8, len); k += len; }
        else if (memcmp(data + pos + 4, "IEND", 4) == 0) break;
        pos += 12 + len;
    }
    size_t used = 0;
    /* Exactly filtered_size bytes (actual_out NULL), the whole stream used, Adler-32 checked. */
    if (api.zlib_decompress_ex(d, idat, idat_total, filtered, filtered_size, &used, NULL) != 0 || used != idat_total)
        goto done;
    for (uint32_t y = 0; y < h->height; y++) {
        const uint8_t *src = filtered + (size_t)y * (n + 1);
        uint8_t *cur = out + (size_t)y * n, *prev = y ? cur - n : NULL;
        if (unfilter_row(cur, src + 1, prev, n, bpp, src[0])) goto done;
        if (swap && prev) swap16(prev, n); /* the previous row is no longer needed in file order */
    }
    if (swap && h->height) swap16(out + (size_t)(h->height - 1) * n, n);
    status = 0;
    __atomic_fetch_add(&fast_decodes, 1, __ATOMIC_RELAXED);
done:
    if (d) api.free_decompressor(d);
    free(idat);
    free(filtered);
    return status;
}
