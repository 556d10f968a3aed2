import Autodiff
import Distributed
import Foundation
import TensorCore
import TensorFiles

/// Data-parallel training (docs/ARCHITECTURE.md, "Distributed"): what the ranks exchange so that N ranks
/// running a batch's shards compute what one process computes running the same shards as micro-batches,
/// one after another, in rank order.
extension Trainer {
    /// The objects (region, click, box) of this rank's examples of a batch, the same draws one process makes
    /// for the whole batch in order, and `generator` left where that process leaves it, on every rank.
    ///
    /// The draws of rank r start where rank r − 1's end, which rank r cannot compute without rank r − 1's
    /// labels. Each example takes a fixed number of draws (`nominalDraws`) unless rejection sampling in
    /// `ClickSampling.uniformIndex` rejects one (probability below n / 2⁶⁴), so rank r guesses its start by
    /// stepping the generator `batchStart × nominalDraws`, draws, and the ranks gather every rank's start and
    /// end states. If a start differs from the previous rank's end, that rank draws again from it; round k
    /// makes ranks 0…k right, so at most N rounds, in practice one small all-gather per step.
    /// - Parameter batchStart: the position of `examples[0]` in the batch (this rank's `BatchShard`).
    func drawObjects(_ examples: [TrainingExample], indices: [Int], batchStart: Int) throws -> [ObjectPrompt] {
        func draw(from g: inout SeededGenerator) throws -> [ObjectPrompt] {
            try examples.indices.map { k in
                guard let o = sampleObject(examples[k], using: &g) else {
                    throw TrainingError.empty(field: "training regions of example \(indices[k]) (\(examples[k].id))")
                }
                return o
            }
        }
        let c = communicator
        guard c.size > 1 else { return try draw(from: &generator) }
        let batchStartState = generator
        var start = generator
        for _ in 0..<(batchStart * (examples.first.map(nominalDraws) ?? 0)) { _ = start.next() }
        for _ in 0...c.size {
            var end = start
            let objects = try draw(from: &end)
            let words = [start.state.0, start.state.1, start.state.2, start.state.3, end.state.0, end.state.1, end.state.2, end.state.3]
            let all = try c.allGather(values: words).map { w -> (start: SeededGenerator, end: SeededGenerator) in
                guard w.count == 8 else { throw DistributedError.inconsistent(what: "generator states", detail: "\(w.count) words") }
                return (SeededGenerator(state: (w[0], w[1], w[2], w[3])), SeededGenerator(state: (w[4], w[5], w[6], w[7])))
            }
            var expected = batchStartState, consistent = true
            for q in 0..<c.size {
                if all[q].start != expected { consistent = false }
                if q == c.rank { start = expected }
                expected = all[q].end
            }
            if consistent {
                generator = all[c.size - 1].end
                return objects
            }
        }
        throw DistributedError.inconsistent(what: "the click draws of a batch", detail: "no agreement after \(c.size + 1) rounds")
    }

    /// Generator draws `sampleObject` takes for `e` when none is rejected: the region (or given prompt), the
    /// click unless given, four for a jittered box.
    func nominalDraws(_ e: TrainingExample) -> Int {
        let given = !(e.prompts?.isEmpty ?? true)
        return 1 + (given ? 0 : 1) + (configuration.promptKind != .click && configuration.boxJitter > 0 ? 4 : 0)
    }

    /// Sums the ranks' parts of a step, in rank order: the gradients (each rank's already weighted by its
    /// share of the batch, so the sum is the batch's mean-loss gradient), the losses, and the training
    /// buffers' updates. A parameter without a gradient on every rank keeps none (Adam skips it, as one
    /// process would). Returns the batch's mean loss.
    ///
    /// Buffers (BatchNorm running statistics) are running averages updated once per forward with each
    /// rank's own batch statistics (as PyTorch's DDP without SyncBatchNorm). With momentum m, decay
    /// d = 1 − m and rank r's k_r forwards from the common start b₀ to b_r, one process running the ranks'
    /// micro-batches in rank order would end at dᴷ·b₀ + Σ_r d^(K_after r)·(b_r − d^(k_r)·b₀) (K all
    /// forwards, K_after r those of later ranks): each rank adds its term, so the buffers stay identical on
    /// every rank and equal that process's. A model without a momentum (`trainingBufferMomentum` nil) gets
    /// the ranks' mean.
    ///
    /// `summedGradients`: the gradients already summed over the ranks during backward (`GradientOverlap`, in
    /// the order of the trainable parameters); else they are summed here with the buffers.
    func combineRanks(loss: Double, buffersBefore: [Tensor], batchCount: Int, summedGradients: [Tensor]? = nil) throws -> Double {
        let c = communicator
        let parameters = model.trainableParameters
        var tensors = summedGradients == nil ? parameters.map { $0.grad ?? Tensor(shape: $0.value.shape) } : []
        var scalars = [loss] + parameters.map { $0.grad == nil ? 0 : 1 }

        let buffers = model.trainingBuffers
        let changed = zip(buffers, buffersBefore).contains { $0.value.scalars != $1.scalars }
        scalars.append(changed ? 1 : 0)
        if !buffers.isEmpty {
            let forwards = (0..<c.size).map { q in
                (BatchShard.positions(rank: q, size: c.size, count: batchCount).count + configuration.micro - 1) / configuration.micro
            }
            let all = forwards.reduce(0, +), later = forwards[(c.rank + 1)...].reduce(0, +)
            for (b, before) in zip(buffers, buffersBefore) {
                if let m = model.trainingBufferMomentum {
                    let d = Double(1 - m)
                    let keep = Float(Foundation.pow(d, Double(forwards[c.rank]))), carry = Float(Foundation.pow(d, Double(later)))
                    var term = (b.value - before * keep) * carry
                    if c.rank == 0 { term = term + before * Float(Foundation.pow(d, Double(all))) }
                    tensors.append(term)
                } else {
                    tensors.append(b.value * (1 / Float(c.size)))
                }
            }
        }
        try TensorSum(bucketElements: gradientBucketElements).sum(&tensors, on: c)
        try c.sumInRankOrder(&scalars)
        let gradients = summedGradients ?? Array(tensors[0..<parameters.count])
        let bufferStart = summedGradients == nil ? parameters.count : 0
        for (i, p) in parameters.enumerated() { p.grad = scalars[1 + i] > 0 ? gradients[i] : nil }
        if scalars[1 + parameters.count] > 0 {
            for (k, b) in buffers.enumerated() { b.value = tensors[bufferStart + k] }
        } else {
            for (b, before) in zip(buffers, buffersBefore) { b.value = before }
        }
        return scalars[0]
    }

    /// The order of the overlapped sum's buckets: the parameters in the order rank 0's backward finished them
    /// (`finished`), then those it did not reach in reverse list order; rank 0's on every rank (`GradientOverlap`).
    func agreedOrder(_ finished: [Parameter], of trainable: [Parameter]) throws -> [Int] {
        let position = Dictionary(uniqueKeysWithValues: trainable.enumerated().map { (ObjectIdentifier($1), $0) })
        var order = finished.compactMap { position[ObjectIdentifier($0)] }
        let seen = Set(order)
        order += trainable.indices.reversed().filter { !seen.contains($0) }
        let bytes = try communicator.broadcast(order.flatMap { withUnsafeBytes(of: Int64($0)) { Array($0) } }, from: 0)
        let agreed = stride(from: 0, to: bytes.count, by: 8).map { Int(bytes[$0..<($0 + 8)].withUnsafeBytes { $0.loadUnaligned(as: Int64.self) }) }
        guard agreed.sorted() == Array(trainable.indices) else {
            throw DistributedError.inconsistent(what: "the trainable parameters", detail: "rank 0 ordered \(agreed.count), this rank has \(trainable.count)")
        }
        return agreed
    }

    /// Makes every rank's replica rank 0's: the trainable parameters, the training buffers, the optimiser's
    /// state and the training state (epoch, generator, best score). Called at the start of `run` (so the
    /// ranks start identical whatever each built) and by `resume` (only rank 0 reads the checkpoint).
    func synchronizeReplicas() throws {
        let c = communicator
        guard c.size > 1 else { return }
        let parameters = model.trainableParameters + model.trainingBuffers
        var values = parameters.map(\.value)
        try c.broadcast(&values, from: 0)
        for (p, v) in zip(parameters, values) { p.value = v }

        var bytes: [UInt8] = []
        if c.isRoot {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let json = String(decoding: try encoder.encode(state), as: UTF8.self)
            let slots = optimizer.stateDict().sorted { $0.key < $1.key }.map { NamedTensor(name: $0.key, storedDType: .float32, tensor: $0.value) }
            bytes = Array(try Safetensors.encode(slots, metadata: [TrainingCheckpoint.stateKey: json]))
        }
        bytes = try c.broadcast(bytes, from: 0)
        guard !c.isRoot else { return }
        let archive = try Safetensors.read(Data(bytes), file: "rank 0's training state")
        guard let text = archive.metadata[TrainingCheckpoint.stateKey],
              let s = try? JSONDecoder().decode(TrainingState.self, from: Data(text.utf8)) else {
            throw DistributedError.inconsistent(what: "the training state", detail: "rank 0 sent no readable \(TrainingCheckpoint.stateKey)")
        }
        var slots: [String: Tensor] = [:]
        for t in archive.tensors { slots[t.name] = t.tensor }
        try optimizer.loadState(slots)
        epoch = s.epoch; generator = s.generator; bestMIoU = s.bestMIoU; bestEpoch = s.bestEpoch
    }

    /// `body`, its wall-clock time added to `communicationSeconds`.
    func timed<T>(_ body: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { communicationSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        return try body()
    }

    /// `ReplicaCheck.verify` on the trainable parameters and training buffers.
    func verifyReplicas() throws {
        guard communicator.size > 1 else { return }
        let tensors = (model.trainableParameters + model.trainingBuffers).map { (name: $0.name, value: $0.value) }
        try ReplicaCheck.verify(tensors, step: stepsTaken, on: communicator)
    }

    /// `trainableIndices` with the examples split over the ranks (each loads its contiguous share once) and
    /// the kept indices gathered in order: the same list on every rank as one process finds.
    func distributedTrainableIndices(_ source: any ExampleSource) throws -> [Int] {
        let c = communicator
        guard c.size > 1 else { return try trainableIndices(source) }
        let share = BatchShard.positions(rank: c.rank, size: c.size, count: source.count)
        let kept = try trainableIndices(source, among: share).map { Int64($0) }
        return try c.allGather(values: kept).flatMap { $0.map { Int($0) } }
    }
}
