import Distributed
import Foundation

/// The job this `aims` process belongs to: alone (`SingleProcess`, MPI never loaded), or one rank of an MPI
/// job when mpirun started it (`DistributedLaunch`). Rank 0 alone prints results and writes outputs; a rank
/// that fails ends the whole job (`MPI_Abort`), so no rank waits forever for it.
enum Job {
    /// The world, created (and MPI initialised) on first use; a failure to start MPI ends the process.
    static let world: any Communicator = {
        do { return try DistributedLaunch.world() } catch {
            Console.error("aims: \((error as? LocalizedError)?.errorDescription ?? "\(error)")")
            exit(1)
        }
    }()

    /// True when this process prints results (rank 0, or the only process).
    static var prints: Bool { world.isRoot }

    /// Set by `agreed`: every rank returns the same status, so a nonzero one ends the job normally.
    nonisolated(unsafe) private static var statusIsAgreed = false

    /// `status`, which every rank returns alike (computed from gathered results): `finish` then finalises MPI
    /// instead of aborting the job, even when it is nonzero (e.g. `aims convert` with failed inputs).
    static func agreed(_ status: Int32) -> Int32 {
        statusIsAgreed = true
        return status
    }

    /// "rank r of N: " under several ranks, else "".
    static var rankPrefix: String { world.size > 1 ? "rank \(world.rank) of \(world.size): " : "" }

    /// Ends the process with `status`. Under several ranks a failing rank aborts the job (mpirun then ends the
    /// others and names this rank); a successful one finalises MPI first.
    static func finish(_ status: Int32) -> Never {
        if let mpi = world as? MPICommunicator {
            if status != 0 && mpi.size > 1 && !statusIsAgreed {
                Console.error("aims: rank \(mpi.rank) of \(mpi.size) failed (exit status \(status)); stopping every rank of the job")
                mpi.abort(code: status)
            }
            do { try mpi.finalize() } catch {
                Console.error("aims: rank \(mpi.rank): \((error as? LocalizedError)?.errorDescription ?? "\(error)")")
                exit(status == 0 ? 1 : status)
            }
        }
        exit(status)
    }
}

/// A command that runs as one job over the ranks of `mpirun -np N` (every rank runs it; rank 0 prints).
/// Any other command refuses to run under more than one rank rather than run N times over the same outputs.
protocol RunsDistributed {}
