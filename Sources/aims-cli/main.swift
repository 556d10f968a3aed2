import Foundation

// The `aims` executable: dispatches to one command per subcommand name.
exit(CommandLineTool.run(Array(CommandLine.arguments.dropFirst())))
