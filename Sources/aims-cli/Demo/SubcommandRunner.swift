import Foundation

/// Runs this `aims` executable as a child process for one step of a pipeline (so each step is exactly
/// the command a user would type): stderr passes through (progress), stdout is captured and decoded
/// as the step's `--json` result.
struct SubcommandRunner {
    /// The running executable (`/proc/self/exe` on Linux).
    let executable: URL

    init() {
        let proc = URL(fileURLWithPath: "/proc/self/exe")
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: proc.path) {
            executable = URL(fileURLWithPath: resolved)
        } else {
            executable = URL(fileURLWithPath: CommandLine.arguments[0])
        }
    }

    /// Runs `aims <arguments>` and decodes its stdout as `T`.
    /// - Throws: `DemoError.stepFailed` with the command line and exit status when the child fails,
    ///   `DemoError.badOutput` when its stdout is not the expected JSON.
    func run<T: Decodable>(_ arguments: [String], as type: T.Type) throws -> T {
        let data = try output(of: arguments)
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw DemoError.badOutput(command: "aims " + (arguments.first ?? ""), reason: "\(error)")
        }
    }

    /// Runs `aims <arguments>` for its effect; its stdout must still be a JSON document.
    func run(_ arguments: [String]) throws {
        let data = try output(of: arguments)
        guard (try? JSONSerialization.jsonObject(with: data)) != nil else {
            throw DemoError.badOutput(command: "aims " + (arguments.first ?? ""), reason: "stdout is not a JSON document")
        }
    }

    /// The child's stdout, after it exited with status 0.
    private func output(of arguments: [String]) throws -> Data {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.standardError
        Console.error("$ aims " + arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " "))
        try p.run()
        // Read before waiting so a large output cannot fill the pipe and block the child.
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw DemoError.stepFailed(command: "aims " + arguments.joined(separator: " "), status: p.terminationStatus)
        }
        return data
    }
}

/// Errors of `aims demo`.
enum DemoError: LocalizedError {
    case stepFailed(command: String, status: Int32)
    case badOutput(command: String, reason: String)
    case outputExists(folder: String)

    var errorDescription: String? {
        switch self {
        case let .stepFailed(command, status): return "demo step failed with exit status \(status): \(command)"
        case let .badOutput(command, reason): return "\(command): its --json output was not the expected result (\(reason))"
        case let .outputExists(folder): return "\(folder): the output folder is not empty (pass --force to replace it)"
        }
    }
}
