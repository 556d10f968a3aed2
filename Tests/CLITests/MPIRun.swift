import Foundation
import TensorFiles
import TensorCore
import TestRequirements
import XCTest

/// Runs the built `aims` under Open MPI's `mpirun` on this machine: N ranks over the loopback interface only
/// (TCP, no shared memory), oversubscribed (the tests' machine may have fewer cores than ranks), with a time
/// limit so that a hanging job fails the test instead of blocking the suite. mpirun is provided by
/// scripts/ensure-deps (openmpi-bin): without it a test skips, and fails under `make test`.
enum MPIRun {
    /// The options every test job uses: loopback TCP between ranks and for mpirun's own out-of-band channel.
    static let loopback = ["--oversubscribe", "--mca", "btl", "self,tcp", "--mca", "btl_tcp_if_include", "lo",
                           "--mca", "oob_tcp_if_include", "lo"]

    /// `mpirun` on the PATH, or the skip / failure of `Provided.missing`.
    static func executable() throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let url = URL(fileURLWithPath: String(dir)).appendingPathComponent("mpirun")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw Provided.missing("mpirun (Debian openmpi-bin)", remedy: "run scripts/ensure-deps (make deps)")
    }

    struct Result { var status: Int32; var stdout: String; var stderr: String; var seconds: Double }

    /// Runs `aims arguments` on `ranks` ranks (nil: alone, without mpirun) with `environment` added (passed to
    /// every rank); fails the test and ends the job if it runs longer than `limit` seconds.
    static func aims(ranks: Int?, _ arguments: [String], environment: [String: String] = [:], limit: Double = 600,
                     file: StaticString = #filePath, line: UInt = #line) throws -> Result {
        let p = Process()
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        if let ranks {
            p.executableURL = try executable()
            // Open MPI refuses to run as root unless told it is intended (the tests' containers run as root).
            env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"; env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
            p.arguments = ["-np", String(ranks)] + loopback + environment.keys.sorted().flatMap { ["-x", $0] }
                + [AimsProcess.executable.path] + arguments
        } else {
            p.executableURL = AimsProcess.executable
            p.arguments = arguments
        }
        p.environment = env
        p.currentDirectoryURL = AimsProcess.repository
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aims-mpirun-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("stdout"), err = dir.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        let start = Date()
        try p.run()
        while p.isRunning && Date().timeIntervalSince(start) < limit { usleep(50_000) }
        if p.isRunning {
            p.terminate()
            p.waitUntilExit()
            XCTFail("aims \(arguments.prefix(2).joined(separator: " ")) on \(ranks ?? 1) rank(s) did not finish in \(limit) s", file: file, line: line)
        }
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: try String(contentsOf: out, encoding: .utf8),
                      stderr: try String(contentsOf: err, encoding: .utf8), seconds: Date().timeIntervalSince(start))
    }
}

/// The tensors of a checkpoint by name (`model.*`, `buffer.*`, `optimizer.*`).
func checkpointTensors(_ url: URL) throws -> [String: Tensor] {
    var out: [String: Tensor] = [:]
    for t in try Safetensors.read(url).tensors { out[t.name] = t.tensor }
    return out
}

/// How far two checkpoints' tensors with `prefix` are apart: the relative L2 error of all of them as one
/// vector (`‖a − b‖ / ‖b‖`), and the largest per-tensor relative L2 error with its tensor.
func checkpointDistance(_ a: [String: Tensor], _ b: [String: Tensor], prefix: String) -> (all: Double, worst: Double, worstName: String) {
    var dd = 0.0, nn = 0.0, worst = 0.0, worstName = ""
    for (name, x) in a where name.hasPrefix(prefix) {
        guard let y = b[name], y.shape == x.shape else { return (.infinity, .infinity, name) }
        var d = 0.0, n = 0.0
        for (u, v) in zip(x.scalars, y.scalars) { d += (Double(u) - Double(v)) * (Double(u) - Double(v)); n += Double(v) * Double(v) }
        if !d.isFinite || !n.isFinite { return (.nan, .nan, name) }
        dd += d; nn += n
        let r = d == 0 ? 0 : (d / max(n, 1e-300)).squareRoot()
        if r > worst { worst = r; worstName = name }
    }
    return ((dd / max(nn, 1e-300)).squareRoot(), worst, worstName)
}
