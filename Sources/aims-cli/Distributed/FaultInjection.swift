import Foundation

/// A test hook for what a crash does to a distributed run: with `AIMS_TEST_SIGKILL=R:S` in the environment,
/// rank R kills itself with SIGKILL right after global optimiser step S of `aims train` (mid-epoch when S is
/// not a multiple of the steps per epoch), as a machine failure would; the tests check that the job ends
/// non-zero naming the rank, and that `--resume` then ends bit-identical to a run never killed. Unset (always,
/// outside the tests) it does nothing.
enum FaultInjection {
    static let variable = "AIMS_TEST_SIGKILL"

    /// (rank, step) from the environment, read once.
    static let target: (rank: Int, step: Int)? = {
        guard let text = ProcessInfo.processInfo.environment[variable] else { return nil }
        let parts = text.split(separator: ":").compactMap { Int($0) }
        return parts.count == 2 ? (parts[0], parts[1]) : nil
    }()

    /// Called after every optimiser step on every rank.
    static func afterStep(_ globalStep: Int, rank: Int) {
        guard let t = target, t.rank == rank, t.step == globalStep else { return }
        Console.error("aims: \(variable): rank \(rank) kills itself after global step \(globalStep)")
        kill(getpid(), SIGKILL)
    }
}
