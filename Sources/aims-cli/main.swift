import Foundation

// The `aims` executable: dispatches to one command per subcommand name.
BLASEnvironment.applyByReexecIfNeeded()
exit(CommandLineTool.run(Array(CommandLine.arguments.dropFirst())))
