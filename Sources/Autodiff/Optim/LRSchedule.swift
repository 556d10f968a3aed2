import Foundation

/// Learning-rate schedules as pure functions of the epoch (or step) index.
public enum LRSchedule: Sendable, Equatable {
    /// `lr = base · γ^⌊epoch / stepSize⌋` (PyTorch `StepLR`).
    case step(stepSize: Int, gamma: Float)
    /// `lr = ηmin + (base − ηmin)(1 + cos(π·epoch / T))/2` (PyTorch `CosineAnnealingLR`, closed form).
    case cosine(period: Int, minimum: Float)

    public func learningRate(base: Float, epoch: Int) -> Float {
        switch self {
        case let .step(s, g): return base * Float(Foundation.pow(Double(g), Double(epoch / s)))
        case let .cosine(t, lo):
            return Float(Double(lo) + Double(base - lo) * (1 + Foundation.cos(Double.pi * Double(epoch) / Double(t))) / 2)
        }
    }
}
