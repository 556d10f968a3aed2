/// Whether ops record pullbacks. Recording is on by default; inside `withoutGradients` no op
/// records anything (not even with trainable parameters), so inference allocates nothing for
/// backward. The flag is task-local (and thread-local outside tasks): concurrent tasks do not
/// affect each other.
public enum GradientMode {
    @TaskLocal public static var isEnabled: Bool = true
}

/// Runs `body` with gradient recording off (PyTorch's `torch.no_grad()`).
public func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
    try GradientMode.$isEnabled.withValue(false, operation: body)
}
