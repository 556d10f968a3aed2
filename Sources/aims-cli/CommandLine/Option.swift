/// An option that takes a value, `--name VALUE` (or `--name=VALUE`), declared once: name, value type, default,
/// whether it is required or may be repeated, and its help line.
struct Option<Value: Sendable>: NamedArgument {
    let name: String
    let type: ValueType<Value>
    let help: String
    let defaultValue: (any Sendable)?
    /// Shown as "(default …)"; nil: no default is shown.
    let defaultText: String?
    let isRequired: Bool
    /// A repeatable option collects every occurrence (`--point X,Y --point X,Y`); any other keeps the last.
    let isRepeatable: Bool

    /// - Parameters:
    ///   - default: the value when the option is absent; shown in the help unless `defaultText` says otherwise.
    ///   - defaultText: the default as the help should state it, when it is not a fixed value (a path from the
    ///     environment, the checkpoint's own size) or is applied elsewhere; "" shows none.
    init(_ name: String, _ type: ValueType<Value>, default value: Value? = nil, defaultText: String? = nil,
         required: Bool = false, repeatable: Bool = false, help: String) {
        self.name = name
        self.type = type
        self.help = help
        self.defaultValue = value
        self.defaultText = defaultText ?? value.map { v in (v as? [String])?.joined(separator: ",") ?? "\(v)" }
        self.isRequired = required
        self.isRepeatable = repeatable
    }

    var takesValue: Bool { true }
    var label: String { "--\(name) \(type.placeholder)" }
    var synopsis: String {
        let token = label + (isRepeatable ? " ..." : "")
        return isRequired ? token : "[\(token)]"
    }
    var helpText: String {
        guard let defaultText, !defaultText.isEmpty else { return help }
        // A help of several lines gets the default on a line of its own.
        return help + (help.contains("\n") ? "\n" : " ") + "(default \(defaultText))"
    }

    func parseValue(_ text: String) throws -> any Sendable { try type.parse(text, for: key) }
}

/// An option without a value, `--name`: present or not.
struct Flag: NamedArgument {
    let name: String
    let help: String

    init(_ name: String, help: String) {
        self.name = name
        self.help = help
    }

    var takesValue: Bool { false }
    var isRequired: Bool { false }
    var defaultValue: (any Sendable)? { nil }
    var label: String { "--" + name }
    var synopsis: String { "[\(label)]" }
    var helpText: String { help }

    func parseValue(_ text: String) throws -> any Sendable { throw UsageError(message: "\(key) takes no value, got '\(text)'") }
}
