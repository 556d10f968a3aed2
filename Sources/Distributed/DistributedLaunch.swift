import CMPIShim

/// How this process was started: alone, or as one rank of an MPI job. Only a process an MPI launcher started
/// (Open MPI's mpirun sets `OMPI_COMM_WORLD_SIZE`, a PMIx launcher `PMIX_RANK`) loads and initialises
/// MPI; one run alone gets `SingleProcess` without touching MPI.
public enum DistributedLaunch {
    /// True when an MPI launcher started this process.
    public static var isUnderMPI: Bool { aims_mpi_launched() != 0 }

    /// The job's world: `MPICommunicator` under an MPI launcher, else `SingleProcess`.
    public static func world() throws -> any Communicator {
        guard isUnderMPI else { return SingleProcess() }
        do { return try MPICommunicator() } catch let DistributedError.mpi(message) {
            throw DistributedError.unavailable(message: message)
        }
    }
}
