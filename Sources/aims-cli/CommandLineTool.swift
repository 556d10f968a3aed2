import AIMS
import Foundation
import SimCMF

/// The `aims` executable's entry: the registered commands, `aims --help`, and running one command with the
/// usage printed on a usage error (exit 64).
enum CommandLineTool {
    /// Every top-level command, in the order `aims --help` lists them (subcommands are listed by their parent).
    static let commands: [any Command.Type] = [InspectCommand.self, PredictCommand.self, PredictVolumeCommand.self, ModalitiesCommand.self, ConvertCommand.self, HHACommand.self,
                                                BenchCommand.self, TrainCommand.self, EvalCommand.self, BuildCommand.self, SynthCommand.self,
                                                DemoCommand.self, BenchmarkCommand.self]

    static var overview: String { UsageText.overview(commands) }

    static func run(_ args: [String]) -> Int32 {
        guard let first = args.first, first != "--help", first != "-h", first != "help" else {
            print(overview)
            return args.isEmpty ? 64 : 0
        }
        guard let command = commands.first(where: { $0.name == first }) else {
            Console.error("aims: unknown command '\(first)'\n\n\(overview)")
            return 64
        }
        let selection = CommandDispatch.select(command, words: Array(args.dropFirst()), path: [first])
        let usage = UsageText.usage(of: selection.command, path: selection.path)
        let name = "aims " + selection.path.joined(separator: " ")
        if CommandDispatch.asksForHelp(selection.rest) {
            if Job.prints { print(usage) }
            return 0
        }
        if Job.world.size > 1 && !(selection.command is any RunsDistributed.Type) {
            Console.error("\(name): runs as one process only, not under mpirun with \(Job.world.size) ranks (train, eval, build, convert and bench distributed do)")
            return 64
        }
        do {
            return try selection.command.init().run(try CommandDispatch.parse(selection))
        } catch let e as UsageError {
            Console.error("\(name): \(e.message)\(Job.prints ? "\n\n" + usage : "")")
            return 64
        } catch let e as RunOptionError {
            // The library's option mistakes (Sources/AIMS/Runs/TrainingRunError.swift) are usage errors here.
            Console.error("\(name): \(e.message)\(Job.prints ? "\n\n" + usage : "")")
            return 64
        } catch let e as ModelBuilderError {
            // An alignment or input size the chosen model cannot take (--alignment, --image-size): a usage error too.
            Console.error("\(name): \(e.errorDescription ?? String(describing: e))\(Job.prints ? "\n\n" + usage : "")")
            return 64
        } catch {
            Console.error("\(name): \(Job.rankPrefix)\((error as? LocalizedError)?.errorDescription ?? String(describing: error))")
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
