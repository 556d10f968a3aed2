import Foundation

/// OpenBLAS settings that the library reads once, when it is loaded, so the `aims` process sets them by
/// re-executing itself with them in its environment (only when the user has not set them).
///
/// `OPENBLAS_THREAD_TIMEOUT` (log2 of the cycles an idle OpenBLAS worker spins before sleeping; the
/// library's default 28 is about 0.1 s): between two GEMMs the spinning workers took the cores from the
/// engine's own threads: `sched_yield` was 15 % of a LiteMedSAM training step's CPU samples under `perf`
/// on 2 cores. With 16 (about 20 µs), measured on this repository's 2-core machine with
/// `aims bench sam`: LiteMedSAM training step 2.7 → 2.4 s, its encoder 0.80 → 0.72 s, ViT-B encoder at
/// 512 1.42 → 1.27 s. Restarting OpenBLAS's thread pool in-process with the variable set did not take
/// effect, hence the re-exec.
enum BLASEnvironment {
    static let variable = "OPENBLAS_THREAD_TIMEOUT"
    static let spinLog2Cycles = "16"
    /// Marks the re-executed process, so a failing `execv` can never loop.
    static let marker = "AIMS_BLAS_ENV_APPLIED"

    /// Re-executes `/proc/self/exe` with the settings when they are missing; returns (and the process
    /// goes on unchanged) when they are present or the re-exec is impossible.
    /// Also applies `RankThreads.settings` (the threads of each rank under mpirun), read at load time too.
    static func applyByReexecIfNeeded() {
        let env = ProcessInfo.processInfo.environment
        guard env[marker] == nil else { return }
        let wanted = (env[variable] == nil ? [(variable, spinLog2Cycles)] : []) + RankThreads.settings(env)
        guard !wanted.isEmpty else { return }
        for (name, value) in wanted { setenv(name, value, 0) }
        setenv(marker, "1", 1)
        let args = CommandLine.arguments
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", &argv)
        // Only reached when execv failed: run as is, without the settings.
        for (name, _) in wanted { unsetenv(name) }
        for p in argv { free(p) }
    }
}
