// Internal: which output positions of a convolution read inside the input, shared by the depthwise kernels.
#ifndef ENGINE_CONV_RANGE_H
#define ENGINE_CONV_RANGE_H
/// Output positions `lo ..< hi` whose input position `o·s + off` lies in `0 ..< in` (empty: lo == hi),
/// for `out` output positions.
static inline void engine_conv_valid_range(long off, long s, long in, long out, long *lo, long *hi) {
    long l = off >= 0 ? 0 : (-off + s - 1) / s;
    long h = (in - 1 - off) >= 0 ? (in - 1 - off) / s + 1 : 0;
    if (h > out) h = out;
    *lo = l; *hi = h > l ? h : l;
}
#endif
