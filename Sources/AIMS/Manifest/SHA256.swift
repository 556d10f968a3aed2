import CDigest
import Foundation

/// SHA-256 (FIPS 180-4), used to fingerprint every source file in an AIMS manifest and to check
/// pretrained weights. Streaming: feed bytes with `update`, read the digest with `finalize`.
public struct SHA256: Sendable {
    private var state: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
    private var pending: [UInt8] = []
    private var totalBytes: UInt64 = 0

    public init() {}

    /// Feeds more bytes.
    public mutating func update<D: DataProtocol>(_ data: D) {
        totalBytes &+= UInt64(data.count)
        for region in data.regions { region.withUnsafeBytes { absorb($0) } }
    }

    /// The 32-byte digest of everything fed so far.
    public func finalize() -> [UInt8] {
        var copy = self
        var tail: [UInt8] = [0x80]
        let lenAfter = (pending.count + 1) % 64
        tail.append(contentsOf: [UInt8](repeating: 0, count: (56 - lenAfter + 64) % 64))
        let bits = totalBytes &* 8
        for i in (0..<8).reversed() { tail.append(UInt8(truncatingIfNeeded: bits >> (UInt64(i) * 8))) }
        tail.withUnsafeBytes { copy.absorb($0) }
        return copy.state.flatMap { w in (0..<4).map { UInt8(truncatingIfNeeded: w >> (24 - 8 * UInt32($0))) } }
    }

    /// Completes the pending block, compresses every whole block of `bytes` in place (the SHA extensions where the
    /// CPU has them, `Sources/CDigest`) and keeps the rest pending.
    private mutating func absorb(_ bytes: UnsafeRawBufferPointer) {
        guard var p = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        var n = bytes.count
        if !pending.isEmpty {
            let take = min(64 - pending.count, n)
            pending.append(contentsOf: UnsafeBufferPointer(start: p, count: take))
            p += take; n -= take
            guard pending.count == 64 else { return }
            pending.withUnsafeBufferPointer { digest_sha256_blocks(&state, $0.baseAddress!, 1) }
            pending.removeAll(keepingCapacity: true)
        }
        let blocks = n / 64
        if blocks > 0 { digest_sha256_blocks(&state, p, blocks); p += 64 * blocks; n -= 64 * blocks }
        if n > 0 { pending.append(contentsOf: UnsafeBufferPointer(start: p, count: n)) }
    }

    /// Lower-case hexadecimal digest of `data`.
    public static func hex<D: DataProtocol>(_ data: D) -> String {
        var h = SHA256()
        h.update(data)
        return h.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Lower-case hexadecimal digest of a file, read in 1 MiB chunks.
    public static func hex(fileAt url: URL) throws -> String {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var h = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { h.update(chunk) }
        return h.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
