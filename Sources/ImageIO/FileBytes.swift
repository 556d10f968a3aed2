import Foundation
import TensorFiles

/// Whole-file reads with errors mapped to `ImageIOError.io` (naming the file).
public enum FileBytes {
    /// The bytes of the file at `url`.
    static func read(_ url: URL) throws -> [UInt8] { [UInt8](try mapped(url)) }

    /// The bytes of the file at `url`, memory-mapped when the system allows it (no copy in memory).
    static func mapped(_ url: URL) throws -> Data {
        do {
            return try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw ImageIOError.io(file: ImageIOError.name(url), reason: "cannot read: \((error as NSError).localizedDescription)")
        }
    }

    /// The first `count` bytes (fewer if the file is shorter).
    public static func readPrefix(_ url: URL, count: Int) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw ImageIOError.io(file: ImageIOError.name(url), reason: "cannot open for reading")
        }
        defer { try? handle.close() }
        do {
            return [UInt8](try handle.read(upToCount: count) ?? Data())
        } catch {
            throw ImageIOError.io(file: ImageIOError.name(url), reason: "cannot read: \(error.localizedDescription)")
        }
    }

    /// Writes `bytes` atomically (temporary name, then rename).
    static func writeAtomically(_ bytes: [UInt8], to url: URL) throws {
        do {
            try AtomicFile.write(Data(bytes), to: url)
        } catch {
            throw ImageIOError.io(file: ImageIOError.name(url), reason: "cannot write: \(error.localizedDescription)")
        }
    }
}

/// Byte-order conversion of packed samples (exact for every element size, unlike a round trip
/// through `Float`).
enum ByteOrder {
    static let hostIsLittleEndian = 1.littleEndian == 1

    /// Reverses the bytes of every `elementSize`-byte element of `bytes` in place.
    static func swapElements(_ bytes: UnsafeMutableRawBufferPointer, elementSize: Int) {
        guard elementSize > 1, let base = bytes.baseAddress else { return }
        let n = bytes.count / elementSize
        switch elementSize {
        case 2:
            for i in 0..<n {
                let v = base.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)
                base.storeBytes(of: v.byteSwapped, toByteOffset: i * 2, as: UInt16.self)
            }
        case 4:
            for i in 0..<n {
                let v = base.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)
                base.storeBytes(of: v.byteSwapped, toByteOffset: i * 4, as: UInt32.self)
            }
        case 8:
            for i in 0..<n {
                let v = base.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
                base.storeBytes(of: v.byteSwapped, toByteOffset: i * 8, as: UInt64.self)
            }
        default:
            let p = base.assumingMemoryBound(to: UInt8.self)
            for i in 0..<n {
                var lo = i * elementSize, hi = lo + elementSize - 1
                while lo < hi { p.swapAt(lo, hi); lo += 1; hi -= 1 }
            }
        }
    }

    /// Converts `bytes` between host order and the given file order (a no-op when they agree).
    static func convert(_ bytes: inout [UInt8], elementSize: Int, fileIsLittleEndian: Bool) {
        guard fileIsLittleEndian != hostIsLittleEndian else { return }
        bytes.withUnsafeMutableBytes { swapElements($0, elementSize: elementSize) }
    }
}

extension UnsafeMutablePointer where Pointee == UInt8 {
    fileprivate func swapAt(_ i: Int, _ j: Int) { let t = self[i]; self[i] = self[j]; self[j] = t }
}

/// The NUL-terminated UTF-8 text in a C message buffer.
func cString(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
