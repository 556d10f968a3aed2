extension ImageIOError {
    /// A truncation found at byte `offset` of the file: `needed` bytes were required there.
    static func truncatedAt(file: String, field: String, offset: Int, needed: Int, available: Int = 0) -> ImageIOError {
        .truncated(file: file, field: "\(field) at byte \(offset)", expectedBytes: needed, availableBytes: available)
    }
}
