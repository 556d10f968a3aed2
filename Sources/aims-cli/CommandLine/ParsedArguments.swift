/// The typed result of parsing a command line against a `CommandSignature`. Read with the command's own
/// declarations as keys: `arguments[out]`, `arguments[json]`, `arguments.all(points)`.
struct ParsedArguments {
    /// Every occurrence of each given option, in order, keyed by `--name`; positionals by their name.
    var values: [String: [any Sendable]] = [:]
    /// Keys of the given flags.
    var flags: Set<String> = []
    /// Defaults of the declared options, keyed by `--name`.
    var defaults: [String: any Sendable] = [:]

    /// The last value given, else the declared default, else nil.
    subscript<Value>(_ option: Option<Value>) -> Value? {
        (values[option.key]?.last ?? defaults[option.key]).map { $0 as! Value }
    }

    /// Every value given, in order (a repeatable option).
    func all<Value>(_ option: Option<Value>) -> [Value] { (values[option.key] ?? []).map { $0 as! Value } }

    /// The value of an option that is required or has a default, which the parser guarantees.
    func value<Value>(_ option: Option<Value>) -> Value {
        guard let v = self[option] else { preconditionFailure("\(option.key) is neither required nor defaulted") }
        return v
    }

    /// Whether the option was on the command line (as opposed to taking its default).
    func isGiven(_ argument: any ArgumentDeclaration) -> Bool { values[argument.key] != nil || flags.contains(argument.key) }

    subscript(_ flag: Flag) -> Bool { flags.contains(flag.key) }

    /// The value of a single positional (nil when an optional one is absent).
    subscript<Value>(_ positional: Positional<Value>) -> Value? { values[positional.key]?.first.map { $0 as! Value } }

    /// The value of a single required positional, which the parser guarantees.
    func value<Value>(_ positional: Positional<Value>) -> Value {
        guard let v = self[positional] else { preconditionFailure("\(positional.key) is optional") }
        return v
    }

    /// The values of a positional that takes several.
    func all<Value>(_ positional: Positional<Value>) -> [Value] { (values[positional.key] ?? []).map { $0 as! Value } }
}
