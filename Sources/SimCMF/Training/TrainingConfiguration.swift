import Autodiff
import TensorCore

/// Hyper-parameters of a run (docs/REFERENCE.md §5 defaults). Recorded in the run folder and in every
/// checkpoint; a resume must use the same values (except `epochs`, which may grow).
public struct TrainingConfiguration: Sendable, Equatable, Codable {
    /// Epochs 0..<epochs (reference: 51).
    public var epochs: Int = 51
    /// Adam (β1, β2, ε, no weight decay) base learning rate (reference: 3e-4 PEFT, 3e-5 full FT).
    public var learningRate: Float = 3e-4
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    /// StepLR per epoch: `lr = base · gamma^⌊epoch / lrStepSize⌋` (10, 0.5).
    public var lrStepSize: Int = 10
    public var lrGamma: Float = 0.5
    /// Examples per optimiser step (reference: 4).
    public var batchSize: Int = 4
    /// Examples per forward/backward; the gradients of `batchSize / microBatchSize` micro-batches
    /// are accumulated before the step. Nil: the whole batch at once.
    public var microBatchSize: Int? = nil
    /// Seed of the one generator for shuffling, region and click choice (reference: 8888).
    public var seed: UInt64 = 8888
    /// Keep the source order every epoch as the reference's un-shuffled DataLoader (docs/REFERENCE.md §9.1).
    public var referenceOrder: Bool = false
    /// Validate before training at epochs 0, N, 2N, … and the last (reference: 5).
    public var validationInterval: Int = 5
    /// Also validate once after the last epoch's training (recorded as "before epoch `epochs`"), so the
    /// final weights are scored too; nil or false: the reference's schedule, whose last training epoch is
    /// never evaluated (docs/REFERENCE.md §5). Optional so that configurations saved before it still decode.
    public var validatesAfterLastEpoch: Bool? = nil
    /// Training regions need **at least** this many pixels at input size (CNT_THRESHOLD); nil: any.
    public var minimumPixels: Int? = nil
    /// The prompt per training example, and the outward box jitter in pixels (MedSAM: 0…shift per side).
    public var promptKind: PromptKind = .click
    public var boxJitter: Int = 0
    /// Validation protocol (its threshold is strict, `> minimumPixels`, as the reference).
    public var evaluation: EvaluationOptions = EvaluationOptions()
    /// The arithmetic of the products of every training step and validation (`Precision`): fp32, or bf16
    /// operands with fp32 accumulation in the linear layers, convolutions and attention. The master weights, Adam's
    /// state, norms, softmax and the loss stay fp32 either way (docs/PERFORMANCE.md §8). Nil: fp32
    /// (configurations saved before it). A resume keeps it, as every other field.
    public var precision: Precision? = nil

    public init() {}

    /// `precision`, nil read as fp32.
    public var productPrecision: Precision { precision ?? .fp32 }

    public var schedule: LRSchedule { .step(stepSize: lrStepSize, gamma: lrGamma) }
    var micro: Int { microBatchSize ?? batchSize }

    public func validate() throws {
        func bad(_ f: String, _ e: String) -> TrainingError { .invalidConfiguration(field: f, expected: e) }
        guard epochs > 0 else { throw bad("epochs", "> 0, got \(epochs)") }
        guard learningRate > 0, learningRate.isFinite else { throw bad("learningRate", "a positive number, got \(learningRate)") }
        guard lrStepSize > 0, lrGamma > 0 else { throw bad("lrStepSize/lrGamma", "> 0") }
        guard batchSize > 0 else { throw bad("batchSize", "> 0, got \(batchSize)") }
        guard micro > 0, batchSize % micro == 0 else {
            throw bad("microBatchSize", "a positive divisor of batchSize \(batchSize), got \(micro)")
        }
        guard validationInterval > 0 else { throw bad("validationInterval", "> 0, got \(validationInterval)") }
        guard boxJitter >= 0 else { throw bad("boxJitter", ">= 0, got \(boxJitter)") }
    }

    /// Whether validation runs before training epoch `epoch` (train.py 54-57).
    public func validates(before epoch: Int) -> Bool { epoch % validationInterval == 0 || epoch == epochs - 1 }
}
