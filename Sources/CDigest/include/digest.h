// Message digests for AIMS's file fingerprints (manifests, run folders, weights). SHA-256 compression runs on the
// x86 SHA extensions where the CPU has them (chosen at run time) and in portable C elsewhere; both give FIPS 180-4's
// digest bit for bit (Tests/AIMSTests/SHA256Tests).
#ifndef DIGEST_H
#define DIGEST_H

#include <stddef.h>
#include <stdint.h>

/// Applies SHA-256's compression function to `count` consecutive 64-byte blocks at `blocks`, updating the eight
/// state words `state` (H0…H7, host order). Padding and length are the caller's (Sources/AIMS/Manifest/SHA256.swift).
void digest_sha256_blocks(uint32_t state[8], const uint8_t *blocks, size_t count);

/// Tests only: 1 makes `digest_sha256_blocks` take the portable path, 0 restores detection. Not synchronised.
void digest_use_portable(int on);

/// 1 when `digest_sha256_blocks` uses the SHA extensions (the CPU has them and the portable path is not forced).
int digest_sha256_accelerated(void);

#endif
