import Foundation
import TensorFiles

// The `aims` executable: dispatches to one command per subcommand name. Under mpirun, each rank joins the
// MPI job first (Job.world) and leaves it with its exit status.
BLASEnvironment.applyByReexecIfNeeded()
// A file-size limit (`ulimit -f`) makes a write fail with EFBIG, reported as an error naming the file (and the
// temporary file removed), instead of killing the process mid-write with SIGXFSZ.
signal(SIGXFSZ, SIG_IGN)
if let problem = ReadLimits.environmentProblem { FileHandle.standardError.write(Data("aims: \(problem)\n".utf8)) }
_ = Job.world
Job.finish(CommandLineTool.run(Array(CommandLine.arguments.dropFirst())))
