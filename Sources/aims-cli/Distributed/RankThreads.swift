import Foundation

/// The threads of each rank when mpirun starts several ranks on one machine: the machine's cores shared
/// out (`cores / ranks on this machine`, at least 1) for the engine (`AIMS_THREADS`, read by
/// `Parallel.workerCount`) and OpenBLAS (`OPENBLAS_NUM_THREADS`, read when it loads), so that N ranks do
/// not run N × cores threads. Values the user set are kept.
enum RankThreads {
    /// Ranks of the job on this machine, as Open MPI's launcher tells each of them.
    static let localRanksVariable = "OMPI_COMM_WORLD_LOCAL_SIZE"

    /// The variables to set (name, value) before the libraries load; empty when not under mpirun with several local ranks.
    static func settings(_ env: [String: String]) -> [(String, String)] {
        guard let text = env[localRanksVariable], let local = Int(text), local > 1 else { return [] }
        let threads = String(max(1, ProcessInfo.processInfo.activeProcessorCount / local))
        return ["AIMS_THREADS", "OPENBLAS_NUM_THREADS"].filter { env[$0] == nil }.map { ($0, threads) }
    }
}
