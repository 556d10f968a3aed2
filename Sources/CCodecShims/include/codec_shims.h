#ifndef AIMS_CODEC_SHIMS_H
#define AIMS_CODEC_SHIMS_H
/* Placeholder header replaced by the ImageIO work (libpng setjmp wrapper, libtiff error capture). */
int aims_codec_shims_version(void);
#endif
