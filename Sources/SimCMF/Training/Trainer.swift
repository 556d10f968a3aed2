import Autodiff
import Distributed
import Foundation
import TensorCore

/// SimCMF's training loop (docs/REFERENCE.md §5): per epoch, validation first (epochs 0, N, 2N, … and the
/// last), then one pass over the examples in batches: one sampled region and click per example,
/// single-mask logits, DiceCE against the nearest-resized region mask, Adam step per batch
/// (gradients of micro-batches accumulated), StepLR per epoch.
///
/// The products of every step and validation run in `configuration.precision` (fp32 or bf16 operands with fp32
/// accumulation); parameters, Adam's state and everything else stay fp32.
///
/// With a run folder it writes `config.json`, `metrics.jsonl`, `checkpoints/last.*` after every
/// epoch, `checkpoints/best.*` when validation mIoU improves and `validation/epoch-<e>.csv` (per
/// region) at each validation; `resume()` restores the last checkpoint so that the continued run
/// is bit-identical to an uninterrupted one.
///
/// `run` loads every training example once at the start to find those without a valid region
/// (skipped and logged); the reference crashes on them (docs/REFERENCE.md §9.7).
///
/// With a `communicator` of several ranks (`mpirun -np N aims train`), every rank runs its own trainer on
/// its replica of the model and the run is data-parallel (docs/ARCHITECTURE.md, "Distributed"): each batch
/// is split over the ranks, the gradients are summed in rank order, every rank takes the same Adam step;
/// validation splits the examples over the ranks; rank 0 alone writes the run folder.
public final class Trainer {
    public let model: any SegmentationModel
    public let configuration: TrainingConfiguration
    public let runFolder: URL?
    public let optimizer: Adam
    public internal(set) var generator: SeededGenerator
    /// Epochs completed.
    public internal(set) var epoch = 0
    public internal(set) var bestMIoU: Double?
    public internal(set) var bestEpoch: Int?
    /// The validation after the last epoch (`TrainingConfiguration.validatesAfterLastEpoch`), once `run` has done it.
    public private(set) var finalValidation: EvaluationResult?
    /// Called after each optimiser step.
    public var progress: ((TrainingProgress) -> Void)?
    /// Human-readable notes (skipped examples, checkpoints).
    public var log: ((String) -> Void)?
    /// Called after each checkpoint file is written (e.g. to record its hash).
    public var checkpointSaved: ((URL) throws -> Void)?
    /// Memory budget in bytes of the image-embedding cache (default 1 GiB; 0 disables it). Used only
    /// when `model.embeddingIsFrozen`: each training example's embedding is then computed once (in
    /// its first batch, without gradients) and reused every epoch; examples beyond the budget are
    /// embedded again each time. LiteMedSAM's embedding `[256, 64, 64]` takes 4 MiB.
    public var embeddingCacheBytes = 1 << 30
    /// Cached embeddings (without the batch axis) by training-example index, for the current `run`.
    private var embeddingCache: [Int: Tensor] = [:]
    private var embeddingCacheUsed = 0
    /// Whether the current `run` caches embeddings.
    public private(set) var cachesEmbeddings = false
    /// The ranks of a data-parallel run (default: this process alone). Every rank must call `resume`,
    /// `run` and the steps in the same order; only rank 0 reads and writes `runFolder`.
    public var communicator: any Communicator = SingleProcess()
    /// The ranks compare digests of the parameters every this many optimiser steps and after every
    /// epoch (`ReplicaCheck`); a divergence stops the run naming the first differing tensor.
    public var replicaCheckInterval = 20
    /// Gradient values per bucket of the rank-order sum (`TensorSum`).
    public var gradientBucketElements = 8 << 20
    /// With several ranks: sum the gradients in buckets while the batch's last backward is still running
    /// (`OverlappedTensorSum`), rather than all after it. The parameters are bit-identical either way; only
    /// the step time differs (docs/SCALING.md §5). `aims train --no-overlap` turns it off.
    public var overlapsGradientSums = true
    /// Gradient values per bucket of the overlapped sum: at most 25 MiB of Float32, as PyTorch's DDP.
    public var overlapBucketElements = 25 << 18
    /// Indices of the trainable parameters in the order backward finishes them (rank 0's, recorded in the
    /// first step with several ranks; `GradientOverlap`).
    var overlapOrder: [Int]?
    /// Whether the overlapped sum's buckets were logged.
    var loggedOverlap = false
    /// Optimiser steps taken by this trainer object (the replica check's count).
    var stepsTaken = 0
    /// Wall-clock seconds this trainer spent exchanging with the other ranks in steps (the sums of gradients,
    /// losses and buffers, the draws' states, the replica checks): what data parallelism added to its steps.
    public internal(set) var communicationSeconds = 0.0

    public init(model: any SegmentationModel, configuration: TrainingConfiguration, runFolder: URL? = nil) throws {
        try configuration.validate()
        guard !model.trainableParameters.isEmpty else { throw TrainingError.empty(field: "trainable parameters of the model") }
        self.model = model
        self.configuration = configuration
        self.runFolder = runFolder
        optimizer = Adam(model.trainableParameters, learningRate: configuration.learningRate, beta1: configuration.beta1,
                         beta2: configuration.beta2, epsilon: configuration.epsilon)
        generator = SeededGenerator(seed: configuration.seed)
    }

    var checkpointFolder: URL? { runFolder?.appendingPathComponent("checkpoints", isDirectory: true) }
    public var lastCheckpoint: URL? { checkpointFolder?.appendingPathComponent("last.safetensors") }
    public var bestCheckpoint: URL? { checkpointFolder?.appendingPathComponent("best.safetensors") }

    var state: TrainingState {
        TrainingState(epoch: epoch, generator: generator, bestMIoU: bestMIoU, bestEpoch: bestEpoch, configuration: configuration)
    }

    /// Restores `checkpoints/last.safetensors` if the run folder has one; returns whether it did.
    /// The recorded configuration must equal this trainer's (apart from `epochs`).
    /// With several ranks, rank 0 reads the checkpoint and every rank receives its state (`synchronizeReplicas`),
    /// so the checkpoint need only exist where rank 0 runs.
    @discardableResult
    public func resume() throws -> Bool {
        var found = false
        if communicator.isRoot, let url = lastCheckpoint, FileManager.default.fileExists(atPath: url.path) {
            try resume(from: url)
            found = true
        }
        guard communicator.size > 1 else { return found }
        found = try communicator.broadcast([found ? 1 : 0], from: 0) == [1]
        if found { try synchronizeReplicas() }
        return found
    }

    /// Restores the tensors, optimiser, generator, epoch and best score from a checkpoint. The model
    /// must be built as for the original run (same frozen tensors); nothing is assigned if the
    /// recorded configuration differs.
    public func resume(from url: URL) throws {
        let s = try TrainingCheckpoint.load(from: url, into: model, optimizer: optimizer) { recorded in
            var a = recorded.configuration, b = configuration
            a.epochs = 0; b.epochs = 0
            guard a.productPrecision == b.productPrecision else {
                throw TrainingError.checkpoint(file: url.lastPathComponent, field: "configuration.precision",
                                               problem: "the run trained in \(a.productPrecision.rawValue), this one asks for \(b.productPrecision.rawValue) "
                                                 + "(a resumed run keeps its precision, so that it equals the uninterrupted run)")
            }
            guard a == b else {
                throw TrainingError.checkpoint(file: url.lastPathComponent, field: "configuration",
                                               problem: "differs from this run's (only epochs may change)")
            }
        }
        epoch = s.epoch; generator = s.generator; bestMIoU = s.bestMIoU; bestEpoch = s.bestEpoch
        try dropMetrics(from: epoch)
        log?("resumed from \(url.path) after epoch \(epoch)")
    }

    /// Indices of examples with at least one training region (others are skipped and counted).
    func trainableIndices(_ source: any ExampleSource) throws -> [Int] { try trainableIndices(source, among: 0..<source.count) }

    /// `trainableIndices` of the examples `among`.
    func trainableIndices(_ source: any ExampleSource, among: Range<Int>) throws -> [Int] {
        var keep: [Int] = []
        for i in among {
            let e = try source.example(at: i)
            if let p = e.prompts { if !p.isEmpty { keep.append(i) }; continue }
            if !ClickSampling.trainingCandidates(e.label, minimumPixels: configuration.minimumPixels).isEmpty { keep.append(i) }
        }
        return keep
    }

    /// The object of one training example: a uniformly chosen candidate region (or given prompt)
    /// and a uniformly random pixel of it; a box (jittered) when the prompt kind uses one.
    func sampleObject(_ e: TrainingExample) -> ObjectPrompt? { sampleObject(e, using: &generator) }

    /// `sampleObject` drawing from `g`.
    func sampleObject(_ e: TrainingExample, using g: inout SeededGenerator) -> ObjectPrompt? {
        let region: Int32, click: Click
        var givenBox: Box?
        if let given = e.prompts, !given.isEmpty {
            let p = given[ClickSampling.uniformIndex(given.count, using: &g)]
            region = p.region; click = p.click; givenBox = p.box
        } else {
            let cands = ClickSampling.trainingCandidates(e.label, minimumPixels: configuration.minimumPixels)
            guard !cands.isEmpty else { return nil }
            region = cands[ClickSampling.uniformIndex(cands.count, using: &g)]
            guard let c = ClickSampling.randomClick(of: region, in: e.label, using: &g) else { return nil }
            click = c
        }
        var box: Box?
        if configuration.promptKind != .click {
            guard let b = givenBox ?? ClickSampling.boundingBox(of: region, in: e.label) else { return nil }
            box = ClickSampling.jittered(b, shift: configuration.boxJitter, width: e.label.width, height: e.label.height, using: &g)
        }
        return ObjectPrompt(region: region, click: click, box: box)
    }

    /// One trainer step on `indices` (a batch): this rank's share of the batch (all of it for one
    /// process) drawn and run, the ranks' gradients summed (`combineRanks`), then the update. Returns
    /// the batch's mean loss.
    func step(_ indices: [Int], source: any ExampleSource) throws -> Double {
        let c = communicator
        let shard = BatchShard.positions(rank: c.rank, size: c.size, count: indices.count)
        let mine = Array(indices[shard])
        let examples = try mine.map { try source.validated($0, for: model) }
        let objects = c.size > 1 ? try timed { try drawObjects(examples, indices: mine, batchStart: shard.lowerBound) }
            : try drawObjects(examples, indices: mine, batchStart: shard.lowerBound)
        let buffersBefore = c.size > 1 ? model.trainingBuffers.map(\.value) : []
        let trainable = model.trainableParameters
        var overlap: GradientOverlap?
        if c.size > 1 && overlapsGradientSums {
            overlap = overlapOrder.map { GradientOverlap($0.map { trainable[$0] }, bucketElements: overlapBucketElements, on: c) }
                ?? GradientOverlap(recording: trainable)
        }
        var loss = try accumulateGradients(examples, indices: mine, objects: objects, batchCount: indices.count, overlap: overlap)
        if c.size > 1 {
            loss = try timed {
                let summed = try overlap?.finish(trainable)
                communicationSeconds += overlap?.seconds ?? 0
                if let overlap, !overlap.isRecorder, !loggedOverlap {
                    loggedOverlap = true
                    log?("gradients summed over the ranks in \(overlap.bucketCount) bucket(s), \(overlap.startedDuringBackward) started during backward")
                }
                let mean = try combineRanks(loss: loss, buffersBefore: buffersBefore, batchCount: indices.count, summedGradients: summed)
                if let overlap, overlap.isRecorder { overlapOrder = try agreedOrder(overlap.finishOrder, of: trainable) }
                return mean
            }
        }
        applyUpdate()
        stepsTaken += 1
        if c.size > 1 && stepsTaken % replicaCheckInterval == 0 { try timed { try verifyReplicas() } }
        return loss
    }

    /// The learning rate of the current epoch (`epoch`, 0-based) under the configuration's schedule
    /// (StepLR: constant within an epoch).
    public var currentLearningRate: Float {
        configuration.schedule.learningRate(base: configuration.learningRate, epoch: epoch)
    }

    /// The first half of a trainer step: zeroes the gradients, then runs the batch `indices` (indices
    /// into `source`) in micro-batches, accumulating each micro-batch's loss weighted by its share of
    /// the batch. Leaves the batch's mean-loss gradients in `grad` of the model's trainable parameters
    /// (nothing is updated) and draws the batch's regions and clicks from `generator`. Returns the
    /// batch's mean DiceCE loss.
    public func accumulateGradients(_ indices: [Int], source: any ExampleSource) throws -> Double {
        let examples = try indices.map { try source.validated($0, for: model) }
        let objects = try examples.indices.map { k in
            guard let o = sampleObject(examples[k]) else { throw TrainingError.empty(field: "training regions of example \(indices[k]) (\(examples[k].id))") }
            return o
        }
        return try accumulateGradients(examples, indices: indices, objects: objects, batchCount: indices.count)
    }

    /// `accumulateGradients` on examples already loaded, with their objects drawn: `examples` (indices
    /// `indices` of the source) are this process's part of a batch of `batchCount` examples, so each
    /// micro-batch's loss is weighted by its share of the whole batch (`chunk / batchCount`): the ranks'
    /// gradients then add up to the batch's mean-loss gradient. Returns this part's weighted loss.
    /// With `overlap`, the last micro-batch's backward hands each parameter's final gradient to it as soon as
    /// backward has finished it, and lets its sums progress between the graph's nodes.
    func accumulateGradients(_ examples: [TrainingExample], indices: [Int], objects: [ObjectPrompt], batchCount: Int,
                             overlap: GradientOverlap? = nil) throws -> Double {
        try Precision.$current.withValue(configuration.productPrecision) {
            try accumulateInPrecision(examples, indices: indices, objects: objects, batchCount: batchCount, overlap: overlap)
        }
    }

    /// `accumulateGradients` in the scope of the configuration's `precision` (forward and backward products).
    private func accumulateInPrecision(_ examples: [TrainingExample], indices: [Int], objects: [ObjectPrompt], batchCount: Int,
                                       overlap: GradientOverlap?) throws -> Double {
        model.setTraining(true)
        defer { model.setTraining(false) }
        model.zeroGrad()
        let m = model.maskSize
        var total = 0.0
        var start = 0
        while start < indices.count {
            let part = start..<Swift.min(start + configuration.micro, indices.count)
            let chunk = Array(indices[part])
            start += chunk.count
            let images = part.map { examples[$0].image }
            let targets = part.map { examples[$0].label.resizedNearest(height: m, width: m).mask(of: objects[$0].region) }
            let objects = Array(objects[part])
            let embeddings = cachesEmbeddings ? try cachedEmbeddings(chunk, images: images)
                : try model.embed(Variable(Tensor.stack(images)))
            let logits = try model.decode(embeddings: embeddings, prompts: objects.samPrompts(kind: configuration.promptKind))
            guard logits.shape == [chunk.count, 1, m, m] else {
                throw TrainingError.exampleShape(index: chunk[0], field: "model logits", expected: "[\(chunk.count), 1, \(m), \(m)]", got: logits.shape)
            }
            let loss = Loss.diceCE(logits, target: Tensor.stack(targets).reshaped([chunk.count, 1, m, m]))
            // DiceCE is a mean over batch items, so the batch loss is the size-weighted sum of micro-batch losses.
            let weighted = loss * (Float(chunk.count) / Float(batchCount))
            if let overlap, start == indices.count {
                try overlap.backward(weighted)
            } else {
                weighted.backward()
            }
            total += Double(weighted.value.item)
        }
        return total
    }

    /// The second half of a trainer step: one Adam update from the gradients on the trainable
    /// parameters, at the current epoch's learning rate (`currentLearningRate`). The gradients are
    /// left as they are; `accumulateGradients` zeroes them.
    public func applyUpdate() {
        optimizer.learningRate = currentLearningRate
        optimizer.step()
    }

    /// The embeddings of the examples `chunk` (images `images`, same order): cached ones reused, the
    /// others embedded together in one forward without gradients and cached while the budget allows.
    func cachedEmbeddings(_ chunk: [Int], images: [Tensor]) throws -> Variable {
        let missing = chunk.indices.filter { embeddingCache[chunk[$0]] == nil }
        var fresh: [Int: Tensor] = [:]
        if !missing.isEmpty {
            let e = try withoutGradients { try model.embed(Variable(Tensor.stack(missing.map { images[$0] }))) }.value
            for (k, j) in missing.enumerated() {
                let one = e.slice(axis: 0, k..<(k + 1))
                fresh[chunk[j]] = one
                let bytes = 4 * one.count
                if embeddingCacheUsed + bytes <= embeddingCacheBytes {
                    embeddingCache[chunk[j]] = one
                    embeddingCacheUsed += bytes
                }
            }
        }
        let parts = chunk.map { fresh[$0] ?? embeddingCache[$0]! }
        return Variable(parts.count == 1 ? parts[0] : Tensor.concat(parts, axis: 0))
    }

    /// Trains the remaining epochs (from `epoch` to `configuration.epochs`), validating on
    /// `validation` as the reference does. Returns one summary per epoch run. `best` is chosen on
    /// `validation`, whichever split the caller passes (the reference passes its test split; `aims train`
    /// a held-out one unless asked: `ModelSelection` in AIMS).
    @discardableResult
    public func run(training: any ExampleSource, validation: (any ExampleSource)? = nil) throws -> [EpochSummary] {
        guard training.count > 0 else { throw TrainingError.empty(field: "training examples") }
        let valid = try distributedTrainableIndices(training)
        if valid.count < training.count { log?("skipping \(training.count - valid.count) of \(training.count) training examples without a region of >= \(configuration.minimumPixels ?? 1) pixels") }
        guard !valid.isEmpty else { throw TrainingError.empty(field: "training examples with a valid region") }
        try prepareRunFolder()
        try synchronizeReplicas()
        embeddingCache = [:]; embeddingCacheUsed = 0
        cachesEmbeddings = embeddingCacheBytes > 0 && model.embeddingIsFrozen
        if cachesEmbeddings { log?("the image encoder is frozen: each training image is embedded once (cache budget \(embeddingCacheBytes >> 20) MiB)") }
        defer { embeddingCache = [:]; embeddingCacheUsed = 0 }
        let b = configuration.batchSize
        let stepsPerEpoch = (valid.count + b - 1) / b
        var summaries: [EpochSummary] = []
        var stepsDone = 0
        let t0 = Date()
        while epoch < configuration.epochs {
            let e = epoch
            var validationResult: EvaluationResult?
            if let validation, configuration.validates(before: e) {
                validationResult = try validate(on: validation, before: e)
            }
            let lr = currentLearningRate
            let order = configuration.referenceOrder ? valid : ClickSampling.shuffledIndices(valid.count, using: &generator).map { valid[$0] }
            var losses: [Double] = []
            let epochStart = Date()
            for s in 0..<stepsPerEpoch {
                let batch = Array(order[s * b..<Swift.min((s + 1) * b, order.count)])
                let loss = try step(batch, source: training)
                losses.append(loss)
                stepsDone += 1
                if let progress {
                    let elapsed = Date().timeIntervalSince(t0)
                    let perStep = elapsed / Double(stepsDone)
                    let remaining = (configuration.epochs - e - 1) * stepsPerEpoch + (stepsPerEpoch - s - 1)
                    progress(TrainingProgress(epoch: e, step: s + 1, stepsPerEpoch: stepsPerEpoch, loss: loss, learningRate: lr,
                                              imagesPerSecond: Double(Swift.min((s + 1) * b, order.count)) / Swift.max(Date().timeIntervalSince(epochStart), 1e-9),
                                              etaSeconds: perStep * Double(remaining), globalStep: e * stepsPerEpoch + s + 1,
                                              totalSteps: configuration.epochs * stepsPerEpoch, ranks: communicator.size))
                }
            }
            let mean = losses.reduce(0, +) / Double(losses.count)
            epoch = e + 1
            try verifyReplicas()
            try appendMetrics(["kind": "train", "epoch": e, "loss": mean, "lr": Double(lr), "examples": order.count,
                               "seconds": Date().timeIntervalSince(epochStart)])
            if communicator.isRoot, let url = lastCheckpoint {
                try TrainingCheckpoint.save(to: url, model: model, optimizer: optimizer, state: state)
                try checkpointSaved?(url)
            }
            summaries.append(EpochSummary(epoch: e, meanLoss: mean, learningRate: lr, validation: validationResult))
        }
        if configuration.validatesAfterLastEpoch == true, let validation, epoch == configuration.epochs {
            finalValidation = try validate(on: validation, before: epoch)
        }
        return summaries
    }

    /// Validation before epoch `e`: evaluates, records the metrics, keeps the best checkpoint.
    func validate(on source: any ExampleSource, before e: Int) throws -> EvaluationResult {
        var evaluator = Evaluator(options: configuration.evaluation)
        evaluator.communicator = communicator
        let (result, regions) = try Precision.$current.withValue(configuration.productPrecision) { try evaluator.evaluate(model, on: source) }
        if communicator.isRoot, let runFolder {
            let dir = runFolder.appendingPathComponent("validation", isDirectory: true)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try regions.writeCSV(to: dir.appendingPathComponent("epoch-\(e).csv"))
        }
        if result.skippedImages > 0 { log?("validation before epoch \(e): skipped \(result.skippedImages) images without a valid region") }
        try appendMetrics(["kind": "validation", "epoch": e, "mIoU": result.mIoU, "mDice": result.mDice, "loss": result.meanLoss,
                           "regions": result.regionCount, "images": result.imageCount, "skipped": result.skippedImages])
        if bestMIoU == nil || result.mIoU > bestMIoU! {
            bestMIoU = result.mIoU; bestEpoch = e
            if communicator.isRoot, let url = bestCheckpoint {
                try TrainingCheckpoint.save(to: url, model: model, optimizer: optimizer, state: state)
                try checkpointSaved?(url)
                log?("best mIoU \(result.mIoU) before epoch \(e): \(url.path)")
            }
        }
        return result
    }
}
