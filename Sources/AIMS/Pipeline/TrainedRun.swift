import Foundation

/// What a pipeline keeps of a finished training run (`runs/<slug>/trained.json`): enough for its table row and
/// for skipping the run when the pipeline is started again.
public struct TrainedRun: Codable, Sendable {
    public var model: String
    public var trainableValues: Int
    /// Wall-clock seconds of the invocation that finished training (a resumed run counts only its remainder).
    public var seconds: Double
    public var bestValidationMIoU: Double?
    public var trainingSamples: Int
    public var validationSamples: Int
    public var epochsCompleted: Int

    init(_ s: TrainingRunSummary) {
        model = s.model; trainableValues = s.trainableValues; seconds = s.seconds
        bestValidationMIoU = s.bestValidationMIoU; trainingSamples = s.trainingSamples; validationSamples = s.validationSamples
        epochsCompleted = s.epochsCompleted
    }
}
