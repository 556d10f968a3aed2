import Foundation

/// One `aims` subcommand.
protocol Command: Sendable {
    static var name: String { get }
    /// One line for the command list.
    static var summary: String { get }
    /// Full `--help` text.
    static var usage: String { get }
    /// Runs with the arguments after the subcommand name; returns the process exit code.
    static func run(_ arguments: [String]) throws -> Int32
}

enum CommandLineTool {
    static let commands: [any Command.Type] = [InspectCommand.self, PredictCommand.self, ModalitiesCommand.self, ConvertCommand.self, HHACommand.self,
                                                BenchCommand.self, TrainCommand.self, EvalCommand.self, BuildCommand.self, SynthCommand.self,
                                                DemoCommand.self]

    static var overview: String {
        var s = "aims: cross-modal fine-tuning of SAM for any imaging sensor (SimCMF).\n\nUsage: aims <command> [options]\n\nCommands:\n"
        for c in commands { s += "  " + c.name.padding(toLength: 12, withPad: " ", startingAt: 0) + c.summary + "\n" }
        s += "\nRun `aims <command> --help` for a command's options."
        return s
    }

    static func run(_ args: [String]) -> Int32 {
        guard let first = args.first, first != "--help", first != "-h", first != "help" else {
            print(overview)
            return args.isEmpty ? 64 : 0
        }
        guard let command = commands.first(where: { $0.name == first }) else {
            Console.error("aims: unknown command '\(first)'\n\n\(overview)")
            return 64
        }
        let rest = Array(args.dropFirst())
        if rest.contains("--help") || rest.contains("-h") {
            print(command.usage)
            return 0
        }
        do {
            return try command.run(rest)
        } catch let e as UsageError {
            Console.error("aims \(command.name): \(e.message)\n\n\(command.usage)")
            return 64
        } catch {
            Console.error("aims \(command.name): \((error as? LocalizedError)?.errorDescription ?? String(describing: error))")
            return 1
        }
    }
}

/// Human text goes to stderr; machine-readable results to stdout.
enum Console {
    static func error(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}
