import Foundation
@testable import ImageIO
import TensorCore
import TestDatasets
import XCTest

/// Faults seen from the command line (docs/RELIABILITY.md): the decode limit set by `AIMS_MAX_DECODED_MB`, a
/// second `aims train` on a folder being trained, an unwritable output folder and a file-size limit (a full
/// disk as the process sees it), and a folder of fuzz-corpus files among good ones in `aims convert`.
final class ReliabilityCommandTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("aims-reliability-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    /// A `.nii.gz` of 128 x 128 x 128 uint8 voxels (2 MiB decoded), value (x + y + z) % 7.
    func volume(_ name: String) throws -> URL {
        let n = 128
        var voxels = [UInt8](repeating: 0, count: n * n * n)
        for i in 0..<voxels.count { voxels[i] = UInt8((i % n + (i / n) % n + i / (n * n)) % 7) }
        let template = NIfTIHeader(version: 1, littleEndian: true, dimensions: [n, n, n], datatype: 2, bitpix: 8, voxelSize: [1, 1, 1],
                                   voxelOffset: 352, sclSlope: 1, sclInter: 0, magic: "n+1")
        let url = scratch.appendingPathComponent(name)
        try NIfTIWriter.write(RawVolume(dims: [n, n, n], dtype: .uint8, bytes: voxels), like: template, to: url)
        return url
    }

    /// `aims train` of LoRA on `dataset` (a third held out, batch 2) for `epochs` epochs into `run`.
    func trainArguments(_ dataset: BridgeDataset, _ run: URL, epochs: Int) -> [String] {
        ["train", "--modality", "square4", "--plugin", dataset.spec.path, "--data", dataset.root.path, "--out", run.path,
         "--weights", AimsProcess.tinySAM, "--strategy", "lora", "--batch", "2", "--val-fraction", "0.34", "--epochs", String(epochs)]
    }

    /// Runs `aims arguments` allowed to write files of at most `kib` KiB (`ulimit -f`: what a full disk looks like
    /// to a writer), its stdout discarded: how it ended, its exit status and its stderr.
    func aimsUnderFileSizeLimit(kib: Int, _ arguments: [String]) throws -> (reason: Process.TerminationReason, status: Int32, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-c", "ulimit -f \(kib); exec \"$@\"", "bash", AimsProcess.executable.path] + arguments
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationReason, p.terminationStatus, stderr)
    }

    func testDecodeLimitComesFromTheEnvironment() throws {
        let url = try volume("v.nii.gz")
        let refused = try AimsProcess.run(["inspect", url.path], environment: ["AIMS_MAX_DECODED_MB": "1"])
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("v.nii.gz: dim: expected at most 1 MiB (AIMS_MAX_DECODED_MB) of voxels, got [128, 128, 128] uint8 = 2097152 bytes"),
                      refused.stderr)
        let allowed = try AimsProcess.run(["inspect", url.path, "--json"], environment: ["AIMS_MAX_DECODED_MB": "2"])
        XCTAssertEqual(allowed.status, 0, allowed.stderr)
        // mean of (x + y + z) % 7 over the cube, counted independently of the reader
        var sum = 0
        for z in 0..<128 { for y in 0..<128 { for x in 0..<128 { sum += (x + y + z) % 7 } } }
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(allowed.stdout.utf8)) as? [String: Any])
        let stats = try XCTUnwrap(((report["items"] as? [[String: Any]])?.first?["channels"] as? [[String: Any]])?.first)
        XCTAssertEqual(try XCTUnwrap(stats["mean"] as? Double), Double(sum) / Double(1 << 21), accuracy: 1e-9)
        XCTAssertEqual(stats["max"] as? Double, 6)
        let junk = try AimsProcess.run(["inspect", url.path], environment: ["AIMS_MAX_DECODED_MB": "lots"])
        XCTAssertEqual(junk.status, 0, junk.stderr)
        XCTAssertTrue(junk.stderr.hasPrefix("aims: AIMS_MAX_DECODED_MB=lots: expected a whole number of MiB ≥ 1; using 2048"), junk.stderr)
    }

    func testSecondTrainOnABusyRunFolderRefusesAndAKilledOneLeavesNoLock() throws {
        let dataset = try BridgeDataset.make()
        defer { dataset.remove() }
        let run = scratch.appendingPathComponent("run")
        let first = Process()
        first.executableURL = AimsProcess.executable
        first.arguments = trainArguments(dataset, run, epochs: 1000)
        first.standardError = FileHandle.nullDevice
        try first.run()
        defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
        // The first process holds the lock once its pid is in the lock file.
        let lock = run.appendingPathComponent(".aims-train.lock")
        let deadline = Date().addingTimeInterval(120)
        while (try? String(contentsOf: lock, encoding: .utf8)) != "\(first.processIdentifier)\n" && first.isRunning && Date() < deadline {
            usleep(20_000)
        }
        XCTAssertTrue(first.isRunning, "the first run ended early")
        let second = try AimsProcess.run(["train", "--out", run.path, "--resume", "--epochs", "1"])
        XCTAssertEqual(second.status, 1, second.stderr)
        XCTAssertTrue(second.stderr.contains("\(run.path): another aims train (process \(first.processIdentifier)) is writing this run folder"),
                      second.stderr)
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        // The kernel released the killed process's lock: the run resumes (to epoch 1, so without training).
        let resumed = try AimsProcess.run(["train", "--out", run.path, "--resume", "--epochs", "1", "--json"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
    }

    func testUnwritableOutputAndAFileSizeLimitLeaveNoPartialFile() throws {
        let input = scratch.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        let values = (0..<(64 * 64)).map { Float($0 % 5000) }
        try PNGCodec.write(RawImage(tensor: Tensor(shape: [1, 64, 64], values: values), dtype: .uint16), to: input.appendingPathComponent("d.png"))
        // --out below a regular file: the folder cannot be created.
        let blocker = scratch.appendingPathComponent("file")
        try Data("x".utf8).write(to: blocker)
        let unwritable = try AimsProcess.run(["convert", "depth", input.path, "--out", blocker.appendingPathComponent("out").path, "--format", "npy"])
        XCTAssertEqual(unwritable.status, 1, unwritable.stderr)
        XCTAssertTrue(unwritable.stderr.contains("d.png"), unwritable.stderr)
        XCTAssertTrue(unwritable.stderr.contains("file"), unwritable.stderr)
        // A 4 KiB file-size limit (ulimit -f: what a full disk looks like to a writer): the 16 KiB .npy cannot be
        // written; the error names it and neither it nor its temporary file is left.
        let out = scratch.appendingPathComponent("out")
        let full = try aimsUnderFileSizeLimit(kib: 4, ["convert", "depth", input.path, "--out", out.path, "--format", "npy"])
        XCTAssertEqual(full.reason, .exit, "aims was killed (SIGXFSZ?): \(full.stderr)")
        XCTAssertEqual(full.status, 1, full.stderr)
        XCTAssertTrue(full.stderr.contains("d.npy"), full.stderr)
        let left = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
        XCTAssertEqual(left.filter { $0.contains("d.") }, [], "partial output: \(left)")
    }

    func testTrainingUnderAFileSizeLimitStopsCleanlyAndResumes() throws {
        let dataset = try BridgeDataset.make()
        defer { dataset.remove() }
        let run = scratch.appendingPathComponent("run")
        // 64 KiB per file: the run record and config.json fit, the first checkpoint does not.
        let full = try aimsUnderFileSizeLimit(kib: 64, trainArguments(dataset, run, epochs: 2))
        XCTAssertEqual(full.reason, .exit, full.stderr)
        XCTAssertEqual(full.status, 1, full.stderr)
        XCTAssertTrue(full.stderr.contains("\(run.path)/checkpoints/best.safetensors: cannot write: File too large"), full.stderr)
        let files = try FileManager.default.subpathsOfDirectory(atPath: run.path)
        XCTAssertEqual(files.filter { $0.contains(".tmp-") || $0.hasPrefix("checkpoints/") && $0 != "checkpoints/" }, [], "left: \(files)")
        // With room again the recorded run resumes and finishes.
        let resumed = try AimsProcess.run(["train", "--out", run.path, "--resume", "--epochs", "2", "--json"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent("checkpoints/last.safetensors").path))
    }

    func testConvertFolderWithFuzzCorpusFiles() throws {
        // The committed image fuzz inputs that do not decode, as .png files among two good depth maps.
        let corpus = AimsProcess.repository.appendingPathComponent("fixtures/fuzz/image")
        let bad = try FileManager.default.contentsOfDirectory(atPath: corpus.path).filter { !$0.hasPrefix("seed") }.sorted()
        XCTAssertGreaterThanOrEqual(bad.count, 2)
        let input = scratch.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: input.appendingPathComponent("sub"), withIntermediateDirectories: true)
        for name in ["a.png", "sub/b.png"] {
            try PNGCodec.write(RawImage(tensor: Tensor(shape: [1, 2, 2], values: [0, 1000, 2000, 3000]), dtype: .uint16),
                               to: input.appendingPathComponent(name))
        }
        for name in bad { try FileManager.default.copyItem(at: corpus.appendingPathComponent(name), to: input.appendingPathComponent("sub/\(name).png")) }
        let out = scratch.appendingPathComponent("out")
        let r = try AimsProcess.run(["convert", "depth", input.path, "--out", out.path, "--format", "npy"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("2 converted, \(bad.count) failed"), r.stderr)
        for name in bad { XCTAssertTrue(r.stderr.contains("sub/\(name).png"), "\(name) not named: \(r.stderr)") }
        let written = try FileManager.default.subpathsOfDirectory(atPath: out.path).sorted()
        XCTAssertEqual(written, ["a.json", "a.npy", "sub", "sub/b.json", "sub/b.npy"])
    }
}
