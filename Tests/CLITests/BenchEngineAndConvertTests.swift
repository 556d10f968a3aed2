import Foundation
import ImageIO
import XCTest

/// `aims bench engine` and `aims bench convert`: the JSON reports' structure and internal consistency (rates are
/// work over time, totals are sums, sizes are the ones asked for, work counts derived by hand from the shapes).
/// Nothing here asserts on a time.
final class BenchEngineAndConvertTests: XCTestCase {
    private func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    /// `--quick --repetitions 1` (no global attention). Each entry's GFLOP is the GEMM work of its shapes, counted
    /// here by hand (2 flops per multiply-add; backward = 2 more products per forward product, except where the
    /// input needs no gradient); GFLOP/s = GFLOP / seconds. Rates are not compared with the FMA peak: the two are
    /// timed at different moments, so on a loaded machine a GEMM can seem faster than the peak probe (1.52x was seen),
    /// and a check that depends on the machine's load is a timed test.
    func testEngineReportIsConsistent() throws {
        let r = try AimsProcess.run(["bench", "engine", "--quick", "--repetitions", "1", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let report = try json(r.stdout)
        let peak = try XCTUnwrap(report["fmaPeakGFLOPS"] as? Double)
        XCTAssertGreaterThan(peak, 0)
        XCTAssertTrue([4, 8, 16].contains(report["fmaWidth"] as? Int ?? 0), "FMA width in floats: SSE, AVX2 or AVX-512")
        XCTAssertGreaterThanOrEqual(report["workerThreads"] as? Int ?? 0, 1)
        XCTAssertGreaterThanOrEqual(report["openBLASThreads"] as? Int ?? 0, 1)
        XCTAssertFalse((report["openBLASCore"] as? String ?? "").isEmpty)

        let (tokens, dim, mlp, heads, headDim) = (4096.0, 768.0, 3072.0, 12.0, 64.0)
        let (windows, windowTokens) = (25.0, 196.0)  // 64 x 64 tokens padded to 70 x 70: 25 windows of 14 x 14
        let windowAttention = windows * heads * 2 * (2 * windowTokens * windowTokens * headDim)  // q·kᵀ and p·v
        // SAM's own block projects q, k, v and the output only for the 4096 real tokens (the padding is one projected
        // zero token); attention runs over the padded windows; the MLP's two layers on the 4096 tokens.
        let block = 3 * (2 * tokens * dim * 3 * dim + 2 * tokens * dim * dim + 2 * 2 * tokens * dim * mlp + windowAttention)
        var work: [String: Double] = [
            "gemm": 2 * tokens * dim * mlp,  // [4096, 768] · [768, 3072]
            "conv3x3.fwd+bwd": 3 * 2 * 256 * 256 * 9 * 64 * 64,  // forward, dx, dw of 256 → 256 channels, 3 x 3, 64 x 64
            "patch_embed.fwd+bwd": 2 * 2 * tokens * dim * (3 * 16 * 16),  // forward and dw: the image needs no gradient
            "attention.window.fwd+bwd": 3 * 2 * 2 * 300 * windowTokens * windowTokens * headDim,  // 25 windows x 12 heads
            "attention.window.fwd": 2 * 2 * 300 * windowTokens * windowTokens * headDim,
            "relpos.window.fwd+bwd": 0,  // no GEMM work: timed only
            "vit_b.block.window.fwd+bwd": block,
        ]
        if let bf16Peak = report["bf16PeakGFLOPS"] as? Double {   // AVX512_BF16: the same GEMM on bf16 operands too
            XCTAssertGreaterThan(bf16Peak, 0)
            work["gemm.bf16"] = work["gemm"]
        }
        let entries = try XCTUnwrap(report["entries"] as? [[String: Any]])
        XCTAssertEqual(Set(entries.compactMap { $0["name"] as? String }), Set(work.keys), "--quick leaves out the global entries")
        var rates: [String: Double] = [:]
        for e in entries {
            let name = try XCTUnwrap(e["name"] as? String)
            let gflop = try XCTUnwrap(e["gflop"] as? Double), seconds = try XCTUnwrap(e["seconds"] as? Double)
            let gflops = try XCTUnwrap(e["gflops"] as? Double)
            XCTAssertEqual(gflop, work[name]! / 1e9, accuracy: 1e-9 * max(1, gflop), name)
            XCTAssertGreaterThan(seconds, 0, name)
            XCTAssertEqual(gflops, gflop / seconds, accuracy: 1e-9 * max(1, gflops), name)
            if gflop > 0 { XCTAssertGreaterThan(gflops, 0, name) }
            rates[name] = gflops
        }
        let fraction = try XCTUnwrap(report["windowBlockFractionOfGEMM"] as? Double)
        XCTAssertEqual(fraction, rates["vit_b.block.window.fwd+bwd"]! / rates["gemm"]!, accuracy: 1e-9)

        let bad = try AimsProcess.run(["bench", "engine", "--repetitions", "0"])
        XCTAssertEqual(bad.status, 64)
        XCTAssertTrue(bad.stderr.contains("--repetitions: expected a positive integer, got '0'"), bad.stderr)
    }

    /// `--input` a small mosaic file: the report's size is the file's, the stages are the documented ones (decode,
    /// demosaic, then the fused polarimetry or, with --separate, stokes, dolp and aolp), the total is their sum and the
    /// rate is pixels over that total. Without --input the synthetic mosaic is 2448 x 2048 and nothing is decoded.
    func testConvertReportIsConsistent() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aims-bench-convert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let (h, w) = (48, 80)
        let input = dir.appendingPathComponent("mosaic.png")
        try PNGCodec.write(RawImage(width: w, height: h, channels: 1, dtype: .uint8, bytes: (0..<(h * w)).map { UInt8(($0 * 37) % 251) }), to: input)
        let cases: [([String], String, [String], (Int, Int))] = [
            (["--input", input.path, "--method", "edge", "--repetitions", "2"], "edge", ["decode", "demosaic", "polarimetry"], (w, h)),
            (["--input", input.path, "--separate", "--repetitions", "1"], "opencv", ["aolp", "decode", "demosaic", "dolp", "stokes"], (w, h)),
            (["--method", "bilinear", "--repetitions", "1"], "bilinear", ["demosaic", "polarimetry"], (2448, 2048)),
        ]
        for (args, method, stages, size) in cases {
            let r = try AimsProcess.run(["bench", "convert", "--json"] + args)
            XCTAssertEqual(r.status, 0, r.stderr)
            let report = try json(r.stdout)
            XCTAssertEqual(report["input"] as? String, args.first == "--input" ? input.path : "synthetic")
            XCTAssertEqual(report["width"] as? Int, size.0); XCTAssertEqual(report["height"] as? Int, size.1)
            XCTAssertEqual(report["method"] as? String, method)
            XCTAssertEqual(report["repetitions"] as? Int, Int(args[args.firstIndex(of: "--repetitions")! + 1]))
            XCTAssertGreaterThanOrEqual(report["threads"] as? Int ?? 0, 1)
            let seconds = try XCTUnwrap(report["seconds"] as? [String: Double])
            XCTAssertEqual(seconds.keys.sorted(), stages, "\(args)")
            XCTAssertTrue(seconds.values.allSatisfy { $0 > 0 }, "\(seconds)")
            let total = try XCTUnwrap(report["totalSeconds"] as? Double)
            XCTAssertEqual(total, seconds.values.reduce(0, +), accuracy: 1e-12)
            XCTAssertEqual(try XCTUnwrap(report["megapixelsPerSecond"] as? Double), Double(size.0 * size.1) / 1e6 / total,
                           accuracy: 1e-9 * Double(size.0 * size.1) / 1e6 / total)
            XCTAssertEqual(r.stderr.components(separatedBy: "bench convert: run ").count - 1, report["repetitions"] as? Int, r.stderr)
        }
        let bad = try AimsProcess.run(["bench", "convert", "--method", "nearest"])
        XCTAssertEqual(bad.status, 64)
        XCTAssertTrue(bad.stderr.contains("--method: expected bilinear, opencv or edge"), bad.stderr)
    }

    /// `--modality`: aims convert's whole path over real inputs, in files per second.
    func testBenchConvertAnyModality() throws {
        let r = try AimsProcess.run(["bench", "convert", "--modality", "thermal", "fixtures/thermal", "--repetitions", "1", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(report["inputs"] as? Int, 4)
        XCTAssertGreaterThan(report["filesPerSecond"] as? Double ?? 0, 0)
        let stray = try AimsProcess.run(["bench", "convert", "fixtures/thermal"])
        XCTAssertEqual(stray.status, 64, "INPUT without --modality is a usage error")
    }
}
