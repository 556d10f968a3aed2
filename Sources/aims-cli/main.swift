import Foundation

// The `aims` executable: dispatches to one command per subcommand name. Under mpirun, each rank joins the
// MPI job first (Job.world) and leaves it with its exit status.
BLASEnvironment.applyByReexecIfNeeded()
_ = Job.world
Job.finish(CommandLineTool.run(Array(CommandLine.arguments.dropFirst())))
