/// How the text of an option or positional argument becomes a typed value: its placeholder in usage
/// (`N`, `DIR`, `a|b|c`) and, for the generated error, what was expected ("expected a positive integer").
/// Declaring this once per argument is what lets the parser, the errors and the help agree.
struct ValueType<Value: Sendable>: Sendable {
    var placeholder: String
    /// Completes "expected …" in the error for a value that does not convert.
    var expectation: String
    /// nil when the text is not a value of this type; may throw a `UsageError` with a more specific message
    /// (e.g. naming the one bad element of a list).
    var convert: @Sendable (String) throws -> Value?

    /// The typed value of `text` given to `argument` (`--name` or a positional's name), or a `UsageError`
    /// naming the argument, what was expected and what was given.
    func parse(_ text: String, for argument: String) throws -> Value {
        guard let value = try convert(text) else {
            throw UsageError(message: "\(argument): expected \(expectation), got '\(text)'")
        }
        return value
    }
}

extension ValueType {
    /// The same type, matching its text in lower case (names a user may type in capitals, like `ZJU`).
    var ignoringCase: ValueType {
        let convert = self.convert
        return ValueType(placeholder: placeholder, expectation: expectation) { try convert($0.lowercased()) }
    }
}

extension ValueType where Value == String {
    /// Any text (an identifier, a name).
    static func string(_ placeholder: String) -> ValueType { ValueType(placeholder: placeholder, expectation: "a value") { $0 } }

    /// A file or folder path, kept as given (relative to the working directory).
    static func path(_ placeholder: String) -> ValueType {
        ValueType(placeholder: placeholder, expectation: "a path") { $0.isEmpty ? nil : $0 }
    }

    /// One of `allowed`, as text.
    static func choice(_ allowed: [String]) -> ValueType { .choice(allowed.map { ($0, $0) }) }
}

extension ValueType {
    /// One of the named values; the names, in order, are the placeholder `a|b|c` and the expectation `a, b or c`.
    static func choice(_ named: [(name: String, value: Value)]) -> ValueType {
        let names = named.map(\.name)
        let table = Dictionary(named.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        return ValueType(placeholder: names.joined(separator: "|"), expectation: listing(names)) { table[$0] }
    }

    /// Comma-separated values of `element`, e.g. `10,25,50` (at least one).
    static func list<Element: Sendable>(of element: ValueType<Element>, placeholder: String) -> ValueType where Value == [Element] {
        ValueType(placeholder: placeholder, expectation: "comma-separated values, each \(element.expectation)") { text in
            let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            var values: [Element] = []
            for part in parts {
                guard let v = try element.convert(part) else { return nil }
                values.append(v)
            }
            return values.isEmpty ? nil : values
        }
    }
}

extension ValueType where Value: CaseIterable & RawRepresentable, Value.RawValue == String {
    /// One of an enumeration's cases, by its raw value.
    static var cases: ValueType { .choice(Value.allCases.map { ($0.rawValue, $0) }) }
}

extension ValueType where Value == Int {
    /// An integer ≥ 1.
    static func positiveInt(_ placeholder: String = "N") -> ValueType {
        ValueType(placeholder: placeholder, expectation: "a positive integer") { Int($0).flatMap { $0 > 0 ? $0 : nil } }
    }

    /// An integer ≥ 0 (an index: a frame, a channel).
    static func index(_ placeholder: String = "K") -> ValueType {
        ValueType(placeholder: placeholder, expectation: "a whole number >= 0") { Int($0).flatMap { $0 >= 0 ? $0 : nil } }
    }

    /// An integer in `range`.
    static func int(in range: ClosedRange<Int>, _ placeholder: String = "N") -> ValueType {
        ValueType(placeholder: placeholder, expectation: "an integer in \(range.lowerBound)...\(range.upperBound)") {
            Int($0).flatMap { range.contains($0) ? $0 : nil }
        }
    }
}

extension ValueType where Value == UInt64 {
    /// A seed: a whole number ≥ 0.
    static func seed(_ placeholder: String = "S") -> ValueType {
        ValueType(placeholder: placeholder, expectation: "a whole number >= 0") { UInt64($0) }
    }
}

extension ValueType where Value == Double {
    /// A finite number.
    static func number(_ placeholder: String = "X") -> ValueType {
        ValueType(placeholder: placeholder, expectation: "a number") { Double($0).flatMap { $0.isFinite ? $0 : nil } }
    }

    /// A finite number in `range`.
    static func number(in range: ClosedRange<Double>, _ placeholder: String = "X") -> ValueType {
        ValueType(placeholder: placeholder, expectation: "a number in \(range.lowerBound)...\(range.upperBound)") {
            Double($0).flatMap { $0.isFinite && range.contains($0) ? $0 : nil }
        }
    }
}

extension ValueType where Value == [Double] {
    /// Exactly `count` comma-separated finite numbers, e.g. a box `X0,Y0,X1,Y1` or a click `X,Y`.
    static func numbers(_ count: Int, _ placeholder: String) -> ValueType {
        ValueType(placeholder: placeholder, expectation: "\(count) comma-separated numbers") { text in
            let parts = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == count, parts.allSatisfy({ $0?.isFinite == true }) else { return nil }
            return parts.map { $0! }
        }
    }
}

/// `a`, `a or b`, `a, b or c`.
func listing(_ names: [String]) -> String {
    names.count <= 1 ? names.joined() : names.dropLast().joined(separator: ", ") + " or " + names.last!
}
