import Autodiff
import Foundation
import TensorCore

/// SimCMF's training loop (docs/REFERENCE.md §5): per epoch, validation first (epochs 0, N, 2N, … and the
/// last), then one pass over the examples in batches: one sampled region and click per example,
/// single-mask logits, DiceCE against the nearest-resized region mask, Adam step per batch
/// (gradients of micro-batches accumulated), StepLR per epoch.
///
/// With a run folder it writes `config.json`, `metrics.jsonl`, `checkpoints/last.*` after every
/// epoch, `checkpoints/best.*` when validation mIoU improves and `validation/epoch-<e>.csv` (per
/// region) at each validation; `resume()` restores the last checkpoint so that the continued run
/// is bit-identical to an uninterrupted one.
///
/// `run` loads every training example once at the start to find those without a valid region
/// (skipped and logged); the reference crashes on them (docs/REFERENCE.md §9.7).
public final class Trainer {
    public let model: any SegmentationModel
    public let configuration: TrainingConfiguration
    public let runFolder: URL?
    public let optimizer: Adam
    public private(set) var generator: SeededGenerator
    /// Epochs completed.
    public private(set) var epoch = 0
    public private(set) var bestMIoU: Double?
    public private(set) var bestEpoch: Int?
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
    @discardableResult
    public func resume() throws -> Bool {
        guard let url = lastCheckpoint, FileManager.default.fileExists(atPath: url.path) else { return false }
        try resume(from: url)
        return true
    }

    /// Restores the tensors, optimiser, generator, epoch and best score from a checkpoint. The model
    /// must be built as for the original run (same frozen tensors); nothing is assigned if the
    /// recorded configuration differs.
    public func resume(from url: URL) throws {
        let s = try TrainingCheckpoint.load(from: url, into: model, optimizer: optimizer) { recorded in
            var a = recorded.configuration, b = configuration
            a.epochs = 0; b.epochs = 0
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
    func trainableIndices(_ source: any ExampleSource) throws -> [Int] {
        var keep: [Int] = []
        for i in 0..<source.count {
            let e = try source.example(at: i)
            if let p = e.prompts { if !p.isEmpty { keep.append(i) }; continue }
            if !ClickSampling.trainingCandidates(e.label, minimumPixels: configuration.minimumPixels).isEmpty { keep.append(i) }
        }
        return keep
    }

    /// The object of one training example: a uniformly chosen candidate region (or given prompt)
    /// and a uniformly random pixel of it; a box (jittered) when the prompt kind uses one.
    func sampleObject(_ e: TrainingExample) -> ObjectPrompt? {
        let region: Int32, click: Click
        var givenBox: Box?
        if let given = e.prompts, !given.isEmpty {
            let p = given[ClickSampling.uniformIndex(given.count, using: &generator)]
            region = p.region; click = p.click; givenBox = p.box
        } else {
            let cands = ClickSampling.trainingCandidates(e.label, minimumPixels: configuration.minimumPixels)
            guard !cands.isEmpty else { return nil }
            region = cands[ClickSampling.uniformIndex(cands.count, using: &generator)]
            guard let c = ClickSampling.randomClick(of: region, in: e.label, using: &generator) else { return nil }
            click = c
        }
        var box: Box?
        if configuration.promptKind != .click {
            guard let b = givenBox ?? ClickSampling.boundingBox(of: region, in: e.label) else { return nil }
            box = ClickSampling.jittered(b, shift: configuration.boxJitter, width: e.label.width, height: e.label.height, using: &generator)
        }
        return ObjectPrompt(region: region, click: click, box: box)
    }

    /// One trainer step on `indices` (a batch): the gradients, then the update. Returns the batch's
    /// mean loss. The two halves are public so that a caller (distributed training) can combine the
    /// gradients of several trainers between them.
    func step(_ indices: [Int], source: any ExampleSource) throws -> Double {
        let loss = try accumulateGradients(indices, source: source)
        applyUpdate()
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
        model.setTraining(true)
        defer { model.setTraining(false) }
        model.zeroGrad()
        let m = model.maskSize
        var total = 0.0
        var start = 0
        while start < indices.count {
            let chunk = Array(indices[start..<Swift.min(start + configuration.micro, indices.count)])
            start += chunk.count
            var images: [Tensor] = [], targets: [Tensor] = [], objects: [ObjectPrompt] = []
            for i in chunk {
                let e = try source.validated(i, for: model)
                guard let o = sampleObject(e) else { throw TrainingError.empty(field: "training regions of example \(i) (\(e.id))") }
                images.append(e.image)
                targets.append(e.label.resizedNearest(height: m, width: m).mask(of: o.region))
                objects.append(o)
            }
            let embeddings = cachesEmbeddings ? try cachedEmbeddings(chunk, images: images)
                : try model.embed(Variable(Tensor.stack(images)))
            let logits = try model.decode(embeddings: embeddings, prompts: objects.samPrompts(kind: configuration.promptKind))
            guard logits.shape == [chunk.count, 1, m, m] else {
                throw TrainingError.exampleShape(index: chunk[0], field: "model logits", expected: "[\(chunk.count), 1, \(m), \(m)]", got: logits.shape)
            }
            let loss = Loss.diceCE(logits, target: Tensor.stack(targets).reshaped([chunk.count, 1, m, m]))
            // DiceCE is a mean over batch items, so the batch loss is the size-weighted sum of micro-batch losses.
            let weighted = loss * (Float(chunk.count) / Float(indices.count))
            weighted.backward()
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
        let valid = try trainableIndices(training)
        if valid.count < training.count { log?("skipping \(training.count - valid.count) of \(training.count) training examples without a region of >= \(configuration.minimumPixels ?? 1) pixels") }
        guard !valid.isEmpty else { throw TrainingError.empty(field: "training examples with a valid region") }
        try prepareRunFolder()
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
                                              etaSeconds: perStep * Double(remaining)))
                }
            }
            let mean = losses.reduce(0, +) / Double(losses.count)
            epoch = e + 1
            try appendMetrics(["kind": "train", "epoch": e, "loss": mean, "lr": Double(lr), "examples": order.count,
                               "seconds": Date().timeIntervalSince(epochStart)])
            if let url = lastCheckpoint {
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
        let (result, regions) = try Evaluator(options: configuration.evaluation).evaluate(model, on: source)
        if let runFolder {
            let dir = runFolder.appendingPathComponent("validation", isDirectory: true)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try regions.writeCSV(to: dir.appendingPathComponent("epoch-\(e).csv"))
        }
        if result.skippedImages > 0 { log?("validation before epoch \(e): skipped \(result.skippedImages) images without a valid region") }
        try appendMetrics(["kind": "validation", "epoch": e, "mIoU": result.mIoU, "mDice": result.mDice, "loss": result.meanLoss,
                           "regions": result.regionCount, "images": result.imageCount, "skipped": result.skippedImages])
        if bestMIoU == nil || result.mIoU > bestMIoU! {
            bestMIoU = result.mIoU; bestEpoch = e
            if let url = bestCheckpoint {
                try TrainingCheckpoint.save(to: url, model: model, optimizer: optimizer, state: state)
                try checkpointSaved?(url)
                log?("best mIoU \(result.mIoU) before epoch \(e): \(url.path)")
            }
        }
        return result
    }
}
