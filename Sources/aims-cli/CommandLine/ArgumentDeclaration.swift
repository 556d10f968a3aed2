/// What the parser and the help generator need of one declared argument (an `Option`, a `Flag` or a
/// `Positional`), whatever its value type. A command's arguments are its stored properties of these types
/// (found by `CommandSignature`), so each is declared exactly once.
protocol ArgumentDeclaration: Sendable {
    /// The key the parsed value is stored under: `--name` for options and flags, the placeholder for positionals.
    var key: String { get }
    /// Its token in the synopsis line, e.g. `[--size W[xH]]`, `--out DIR`, `FILE...`.
    var synopsis: String { get }
    /// The left column of its help line, e.g. `--size W[xH]`.
    var label: String { get }
    /// The right column: the help text, with the default appended.
    var helpText: String { get }
}

/// An argument given as `--name`, with or without a value.
protocol NamedArgument: ArgumentDeclaration {
    var name: String { get }
    var takesValue: Bool { get }
    var isRequired: Bool { get }
    /// The typed value of `text`, or a `UsageError` naming the option.
    func parseValue(_ text: String) throws -> any Sendable
    /// The value used when the option is not given.
    var defaultValue: (any Sendable)? { get }
}

extension NamedArgument {
    var key: String { "--" + name }
}
