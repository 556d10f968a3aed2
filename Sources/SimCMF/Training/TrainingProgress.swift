import Foundation

/// A progress report after each optimiser step.
public struct TrainingProgress: Sendable {
    public var epoch: Int
    /// Step within the epoch (1-based) and steps per epoch.
    public var step: Int
    public var stepsPerEpoch: Int
    /// Mean DiceCE loss of the step's batch.
    public var loss: Double
    public var learningRate: Float
    public var imagesPerSecond: Double
    /// Estimated seconds until the last epoch ends (training steps only).
    public var etaSeconds: Double
    /// Optimiser steps since epoch 0 (1-based, counting the epochs before a resume) and in all epochs.
    public var globalStep: Int = 0
    public var totalSteps: Int = 0
    /// Processes sharing each step (`mpirun -np`); `imagesPerSecond` counts every rank's images.
    public var ranks: Int = 1
}

/// One epoch's outcome.
public struct EpochSummary: Sendable, Equatable {
    public var epoch: Int
    public var meanLoss: Double
    public var learningRate: Float
    /// The validation run before this epoch's training, if any.
    public var validation: EvaluationResult?
}
