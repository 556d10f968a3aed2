// SHA-256 compression (FIPS 180-4 §6.2.2): the x86 SHA extensions (SHA256RNDS2 / SHA256MSG1 / SHA256MSG2, four
// rounds per pair of instructions) when CPUID reports them, portable C otherwise.
#include "digest.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define DIGEST_X86 1
#endif

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static int force_portable = 0;

void digest_use_portable(int on) { force_portable = on; }

static inline uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void blocks_portable(uint32_t state[8], const uint8_t *p, size_t count) {
    for (; count > 0; count--, p += 64) {
        uint32_t w[64];
        for (int i = 0; i < 16; i++)
            w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
        for (int i = 16; i < 64; i++) {
            uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
            uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
        uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
        for (int i = 0; i < 64; i++) {
            uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
            uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
        }
        state[0] += a; state[1] += b; state[2] += c; state[3] += d;
        state[4] += e; state[5] += f; state[6] += g; state[7] += h;
    }
}

#ifdef DIGEST_X86
static int cpu_has_sha(void) {
    static int known = -1;
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("sha") && __builtin_cpu_supports("sse4.1") ? 1 : 0;
    }
    return known;
}

// The state lives in two registers as the instructions want it: ABEF and CDGH (A in the high lane). Each group of
// four rounds adds K to four schedule words; SHA256RNDS2 does two rounds on the low two, the shuffle brings the high
// two down for the next two. Schedule words 16…63 follow W[t] = σ1(W[t−2]) + W[t−7] + σ0(W[t−15]) + W[t−16]:
// MSG1 gives W[t−16] + σ0(W[t−15]) for four t, ALIGNR the four W[t−7], MSG2 adds σ1(W[t−2]) in sequence.
__attribute__((target("sha,sse4.1,ssse3")))
static void blocks_sha(uint32_t state[8], const uint8_t *p, size_t count) {
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i tmp = _mm_loadu_si128((const __m128i *)&state[0]);     // D C B A (lane 3 … 0)
    __m128i s1 = _mm_loadu_si128((const __m128i *)&state[4]);      // H G F E
    tmp = _mm_shuffle_epi32(tmp, 0xB1);                            // C D A B
    s1 = _mm_shuffle_epi32(s1, 0x1B);                              // E F G H
    __m128i s0 = _mm_alignr_epi8(tmp, s1, 8);                      // A B E F
    s1 = _mm_blend_epi16(s1, tmp, 0xF0);                           // C D G H
    for (; count > 0; count--, p += 64) {
        const __m128i abef = s0, cdgh = s1;
        __m128i m0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 0)), bswap);
        __m128i m1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16)), bswap);
        __m128i m2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 32)), bswap);
        __m128i m3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 48)), bswap);
#pragma clang loop unroll(full)
        for (int g = 0; g < 16; g++) {
            // m0 holds W[4g … 4g+3]; m1…m3 the next three groups (already known for g < 13).
            __m128i msg = _mm_add_epi32(m0, _mm_loadu_si128((const __m128i *)&K[4 * g]));
            s1 = _mm_sha256rnds2_epu32(s1, s0, msg);
            s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(msg, 0x0E));
            if (g < 12) {  // W[4(g+4) …]: from groups g, g+1 (σ0), g+2, g+3 (W[t−7]) and g+3 (σ1).
                __m128i next = _mm_add_epi32(_mm_sha256msg1_epu32(m0, m1), _mm_alignr_epi8(m3, m2, 4));
                next = _mm_sha256msg2_epu32(next, m3);
                m0 = m1; m1 = m2; m2 = m3; m3 = next;
            } else {
                m0 = m1; m1 = m2; m2 = m3;
            }
        }
        s0 = _mm_add_epi32(s0, abef);
        s1 = _mm_add_epi32(s1, cdgh);
    }
    tmp = _mm_shuffle_epi32(s0, 0x1B);                             // F E B A
    s1 = _mm_shuffle_epi32(s1, 0xB1);                              // D C H G
    s0 = _mm_blend_epi16(tmp, s1, 0xF0);                           // D C B A
    s1 = _mm_alignr_epi8(s1, tmp, 8);                              // H G F E
    _mm_storeu_si128((__m128i *)&state[0], s0);
    _mm_storeu_si128((__m128i *)&state[4], s1);
}
#endif

int digest_sha256_accelerated(void) {
#ifdef DIGEST_X86
    return !force_portable && cpu_has_sha();
#else
    return 0;
#endif
}

void digest_sha256_blocks(uint32_t state[8], const uint8_t *blocks, size_t count) {
#ifdef DIGEST_X86
    if (digest_sha256_accelerated()) { blocks_sha(state, blocks, count); return; }
#endif
    blocks_portable(state, blocks, count);
}
