import Foundation
import TestDatasets
import XCTest

/// `mpirun -np 2 aims train` and `aims eval` on this machine (loopback TCP), against one process: the tiny
/// SAM ViT fixture fully fine-tuned (LayerNorm only, no BatchNorm) on a tiny four-channel dataset.
///
/// Truths: one process with the global batch (2 ranks × 1 image against 1 process × 2 images: the same
/// examples and clicks per step; the sums differ only in rounding), the job itself run again (bit-identical:
/// the gradients are summed in rank order), an uninterrupted run (for a run killed mid-epoch and resumed),
/// and evaluation before any training step (identical models, so identical scores and CSV).
final class DistributedTrainingTests: MPIBridgeTestCase {
    override class var sampleCount: Int { 8 }

    private func run(_ name: String) -> URL { folder.appendingPathComponent(name) }

    /// 8 samples, 2 held out: 6 training samples, 3 steps of 2 per epoch.
    private func train(_ ranks: Int?, _ name: String, epochs: Int, extra: [String] = [], environment: [String: String] = [:]) throws -> MPIRun.Result {
        try MPIRun.aims(ranks: ranks, ["train", "--modality", "square4", "--plugin", dataset.spec.path, "--data", dataset.root.path,
                                       "--out", run(name).path, "--weights", tinySAM, "--strategy", "full", "--alignment", "simcmf",
                                       "--batch", "2", "--val-fraction", "0.25", "--seed", "3", "--epochs", String(epochs), "--json"] + extra,
                        environment: environment)
    }

    private func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    private func file(_ run: URL, _ path: String) throws -> Data { try Data(contentsOf: run.appendingPathComponent(path)) }

    /// metrics.jsonl without the wall-clock field.
    private func metrics(_ run: URL) throws -> [String] {
        try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
            .map { $0.replacingOccurrences(of: #""seconds":[0-9.e+-]+,?"#, with: "", options: .regularExpression) }
    }

    func testTwoRanksEqualOneProcessWithTheGlobalBatchAndRerunBitIdentically() throws {
        let one = try train(nil, "one", epochs: 2)
        XCTAssertEqual(one.status, 0, one.stderr)
        let two = try train(2, "two", epochs: 2)
        XCTAssertEqual(two.status, 0, two.stderr)
        XCTAssertTrue(two.stderr.contains("data-parallel on 2 ranks"), two.stderr)
        XCTAssertTrue(two.stderr.contains("epoch 2/2 step 3/3 (global step 6/6, 2 ranks)"), two.stderr)
        XCTAssertEqual(two.stdout.split(separator: "\n").count, 1, "rank 0 alone prints the summary: \(two.stdout)")

        // The same steps: losses and parameters equal up to rounding (the ranks' gradients are summed after,
        // not inside, the batch's backward).
        let s1 = try json(one.stdout), s2 = try json(two.stdout)
        let l1 = try XCTUnwrap(s1["epochLosses"] as? [Double]), l2 = try XCTUnwrap(s2["epochLosses"] as? [Double])
        XCTAssertEqual(l1.count, 2); XCTAssertEqual(l2.count, 2)
        for (a, b) in zip(l1, l2) { XCTAssertEqual(a, b, accuracy: 1e-5 * abs(a)) }
        let a = try checkpointTensors(run("one").appendingPathComponent("checkpoints/last.safetensors"))
        let b = try checkpointTensors(run("two").appendingPathComponent("checkpoints/last.safetensors"))
        let d = checkpointDistance(b, a, prefix: "model.")
        XCTAssertLessThanOrEqual(d.all, 1e-5, "all trainable values after 6 steps")
        // Per tensor, Adam turns rounding in near-zero gradients into whole steps: the attention key biases
        // (whose gradient is exactly zero, softmax being shift-invariant) move by rounding noise (1.6e-5 measured).
        XCTAssertLessThanOrEqual(d.worst, 1e-3, d.worstName)
        XCTAssertGreaterThan(d.all, 0, "the comparison sees the two runs (not one file twice)")

        // Validation before epoch 0 scores identical models: the ranks' shares gather into the same CSV.
        XCTAssertEqual(try file(run("one"), "validation/epoch-0.csv"), try file(run("two"), "validation/epoch-0.csv"))
        // Rank 0 alone writes: one line per validation and per epoch.
        XCTAssertEqual(try metrics(run("two")).count, 4)

        // The job again: bit for bit.
        let again = try train(2, "again", epochs: 2)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try file(run("again"), "checkpoints/last.safetensors"), try file(run("two"), "checkpoints/last.safetensors"))
        XCTAssertEqual(try metrics(run("again")), try metrics(run("two")))

        // aims eval on 2 ranks: the CSV and the scores of one process.
        let csv1 = folder.appendingPathComponent("one.csv"), csv2 = folder.appendingPathComponent("two.csv")
        let e1 = try MPIRun.aims(ranks: nil, ["eval", "--run", run("one").path, "--split", "all", "--csv", csv1.path, "--json"])
        let e2 = try MPIRun.aims(ranks: 2, ["eval", "--run", run("one").path, "--split", "all", "--csv", csv2.path, "--json"])
        XCTAssertEqual(e1.status, 0, e1.stderr); XCTAssertEqual(e2.status, 0, e2.stderr)
        XCTAssertTrue(e2.stderr.contains("shared by 2 ranks"), e2.stderr)
        XCTAssertEqual(try Data(contentsOf: csv1), try Data(contentsOf: csv2))
        let j1 = try json(e1.stdout), j2 = try json(e2.stdout)
        XCTAssertEqual(j1["images"] as? Int, 8)
        for key in ["mIoU", "mDice", "meanLoss"] { XCTAssertEqual(j1[key] as? Double, j2[key] as? Double, key) }
    }

    /// `--precision bf16` under mpirun: each rank runs its products in bf16 (the kernels give the same bits for
    /// any split of their rows, so a rank's share rounds as it would in one process), the job equals one process
    /// with the global batch up to fp32's rounding of the sums (as in fp32), it reruns bit for bit, and it is not
    /// the fp32 job: after 3 steps its weights are farther from fp32's than from the one-process bf16 run's.
    func testBF16TwoRanksEqualOneProcessAndRerunBitIdentically() throws {
        let bf16 = ["--precision", "bf16"]
        let one = try train(nil, "bf16-one", epochs: 1, extra: bf16), two = try train(2, "bf16-two", epochs: 1, extra: bf16)
        let again = try train(2, "bf16-again", epochs: 1, extra: bf16), fp32 = try train(2, "fp32-two", epochs: 1)
        for r in [one, two, again, fp32] { XCTAssertEqual(r.status, 0, r.stderr) }
        let s1 = try json(one.stdout), s2 = try json(two.stdout)
        XCTAssertEqual(s2["precision"] as? String, "bf16"); XCTAssertEqual(s1["precision"] as? String, "bf16")
        let l1 = try XCTUnwrap(s1["epochLosses"] as? [Double]), l2 = try XCTUnwrap(s2["epochLosses"] as? [Double])
        XCTAssertEqual(l1.count, 1); XCTAssertEqual(l2.count, 1)
        for (a, b) in zip(l1, l2) { XCTAssertEqual(a, b, accuracy: 1e-5 * abs(a)) }
        let last = "checkpoints/last.safetensors"
        let a = try checkpointTensors(run("bf16-one").appendingPathComponent(last))
        let b = try checkpointTensors(run("bf16-two").appendingPathComponent(last))
        let f = try checkpointTensors(run("fp32-two").appendingPathComponent(last))
        let ranks = checkpointDistance(b, a, prefix: "model."), precision = checkpointDistance(b, f, prefix: "model.")
        XCTAssertLessThanOrEqual(ranks.all, 1e-5, "2 ranks against 1 process, both bf16")
        XCTAssertGreaterThan(ranks.all, 0, "the comparison sees the two runs (not one file twice)")
        XCTAssertGreaterThan(precision.all, 10 * ranks.all, "bf16 against fp32 (\(precision.all)): the products ran in bf16")
        XCTAssertEqual(try file(run("bf16-again"), last), try file(run("bf16-two"), last))
        XCTAssertEqual(try metrics(run("bf16-again")), try metrics(run("bf16-two")))
    }

    /// Summing the gradients bucket by bucket during backward (the default; here in buckets of 2,500 values,
    /// so dozens of sums are in flight while backward runs) gives the parameters, buffers and optimiser state
    /// of summing them after backward, bit for bit: the same rank-order additions.
    func testOverlappedGradientSumsEqualSumsAfterBackwardBitForBit() throws {
        let after = try train(2, "after", epochs: 1, extra: ["--no-overlap"])
        XCTAssertEqual(after.status, 0, after.stderr)
        let during = try train(2, "during", epochs: 1, extra: ["--bucket-mb", "0.01"])
        XCTAssertEqual(during.status, 0, during.stderr)
        let line = try XCTUnwrap(during.stderr.split(separator: "\n").first { $0.contains("started during backward") }, during.stderr)
        let counts = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        XCTAssertGreaterThan(counts.first ?? 0, 10, String(line))
        XCTAssertGreaterThan(counts.last ?? 0, counts.first! / 2, "most buckets start while backward runs: \(line)")
        XCTAssertFalse(after.stderr.contains("started during backward"), after.stderr)
        let a = try checkpointTensors(run("after").appendingPathComponent("checkpoints/last.safetensors"))
        let b = try checkpointTensors(run("during").appendingPathComponent("checkpoints/last.safetensors"))
        XCTAssertEqual(Set(a.keys), Set(b.keys))
        XCTAssertTrue(a.keys.contains { $0.hasPrefix("optimizer.") })
        for (name, x) in a { XCTAssertEqual(x.scalars.map(\.bitPattern), b[name]?.scalars.map(\.bitPattern), name) }
    }

    func testARankKilledMidEpochStopsTheJobAndResumeEndsBitIdentical() throws {
        let straight = try train(2, "straight", epochs: 3)
        XCTAssertEqual(straight.status, 0, straight.stderr)

        // Rank 1 dies (SIGKILL) after global step 5 of 9: epoch 2 of 3, one step before its end.
        let killed = try train(2, "killed", epochs: 3, environment: ["AIMS_TEST_SIGKILL": "1:5"])
        XCTAssertNotEqual(killed.status, 0)
        XCTAssertTrue(killed.stderr.contains("rank 1"), "mpirun names the rank that died: \(killed.stderr)")
        XCTAssertLessThan(killed.seconds, 120, "rank 0 does not wait for the dead rank")
        let state = try json(String(contentsOf: run("killed").appendingPathComponent("checkpoints/last.json"), encoding: .utf8))
        XCTAssertEqual(state["epoch"] as? Int, 1, "the last checkpoint is epoch 1's: the kill came mid-epoch")

        let resumed = try MPIRun.aims(ranks: 2, ["train", "--out", run("killed").path, "--resume", "--epochs", "3", "--json"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try json(resumed.stdout)["resumedFromEpoch"] as? Int, 1)
        XCTAssertEqual(try file(run("killed"), "checkpoints/last.safetensors"), try file(run("straight"), "checkpoints/last.safetensors"))
        XCTAssertEqual(try file(run("killed"), "checkpoints/best.safetensors"), try file(run("straight"), "checkpoints/best.safetensors"))
        XCTAssertEqual(try metrics(run("killed")), try metrics(run("straight")))
    }

    func testCommandsThatDoNotShareTheirWorkRefuseSeveralRanks() throws {
        let r = try MPIRun.aims(ranks: 2, ["inspect", dataset.root.appendingPathComponent("labels/s00.png").path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("runs as one process only"), r.stderr)
    }

    /// `aims bench distributed --compare 3`: this process alone, then 3 ranks under mpirun; the rank-order sums of
    /// uneven blocks (2500 and 75000 values over 3 ranks) equal the sums each rank recomputes locally, bit for bit.
    func testBenchComparesRanksAndChecksTheRankOrderSum() throws {
        let r = try MPIRun.aims(ranks: nil, ["bench", "distributed", "--weights", tinySAM, "--strategy", "full", "--sizes", "0.01,0.3",
                                             "--steps", "2", "--repetitions", "1", "--compare", "3",
                                             "--mpirun-args", MPIRun.loopback.joined(separator: " "), "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let report = try json(r.stdout)
        let sums = try XCTUnwrap(report["sums"] as? [[String: Any]])
        XCTAssertEqual(sums.compactMap { $0["values"] as? Int }, [2500, 75000])
        XCTAssertEqual(sums.compactMap { $0["verified"] as? Bool }, [true, true])
        let comparison = try XCTUnwrap(report["comparison"] as? [String: Any])
        let distributed = try XCTUnwrap(comparison["distributed"] as? [String: Any]), single = try XCTUnwrap(comparison["single"] as? [String: Any])
        XCTAssertEqual(distributed["ranks"] as? Int, 3); XCTAssertEqual(distributed["globalBatch"] as? Int, 3)
        XCTAssertEqual(single["ranks"] as? Int, 1); XCTAssertEqual(single["globalBatch"] as? Int, 3)
        XCTAssertEqual((distributed["stepSeconds"] as? [Double])?.count, 2)
        XCTAssertGreaterThan(comparison["speedup"] as? Double ?? 0, 0)
    }
}
