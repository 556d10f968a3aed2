/// A positional argument, declared once: its name (also its placeholder, e.g. `FILE`), value type, how many
/// it takes and its help line. Positionals take the non-option arguments in declaration order.
struct Positional<Value: Sendable>: PositionalDeclaration {
    enum Count: Sendable {
        case one, optional, oneOrMore, zeroOrMore
    }

    let name: String
    let type: ValueType<Value>
    let count: Count
    let help: String

    /// The name is the type's placeholder (`FILE`).
    init(_ type: ValueType<Value>, count: Count = .one, help: String) {
        self.name = type.placeholder
        self.type = type
        self.count = count
        self.help = help
    }

    var key: String { name }
    var minimum: Int { count == .one || count == .oneOrMore ? 1 : 0 }
    var maximum: Int? { count == .one || count == .optional ? 1 : nil }
    var label: String { maximum == nil ? name + "..." : name }
    var synopsis: String { minimum == 0 ? "[\(label)]" : label }
    var helpText: String { help }

    func parseValue(_ text: String) throws -> any Sendable { try type.parse(text, for: name) }
}

/// What the parser needs of a positional, whatever its value type.
protocol PositionalDeclaration: ArgumentDeclaration {
    var name: String { get }
    var minimum: Int { get }
    /// nil: any number.
    var maximum: Int? { get }
    func parseValue(_ text: String) throws -> any Sendable
}
