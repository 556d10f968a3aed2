/// A command-line mistake; printed with the command's usage, exit code 64 (EX_USAGE).
struct UsageError: Error {
    var message: String
}

/// Minimal parser for `--flag`, `--option value` and positional arguments.
struct Arguments {
    private(set) var positional: [String] = []
    private var options: [String: [String]] = [:]
    private var flags: Set<String> = []

    /// - Parameters:
    ///   - valueOptions: option names (without `--`) that take a value.
    ///   - flagOptions: option names that take none.
    init(_ args: [String], valueOptions: Set<String>, flagOptions: Set<String>) throws {
        var i = 0
        while i < args.count {
            let a = args[i]
            if a.hasPrefix("--") {
                var name = String(a.dropFirst(2))
                var inlineValue: String?
                if let eq = name.firstIndex(of: "=") {
                    inlineValue = String(name[name.index(after: eq)...])
                    name = String(name[..<eq])
                }
                if valueOptions.contains(name) {
                    if let v = inlineValue {
                        options[name, default: []].append(v)
                    } else {
                        guard i + 1 < args.count else { throw UsageError(message: "--\(name) needs a value") }
                        options[name, default: []].append(args[i + 1])
                        i += 1
                    }
                } else if flagOptions.contains(name), inlineValue == nil {
                    flags.insert(name)
                } else {
                    throw UsageError(message: "unknown option --\(name)")
                }
            } else {
                positional.append(a)
            }
            i += 1
        }
    }

    func flag(_ name: String) -> Bool { flags.contains(name) }
    func value(_ name: String) -> String? { options[name]?.last }
    func values(_ name: String) -> [String] { options[name] ?? [] }
}

/// Numeric options, checked, with usage errors naming the option and the value given.
extension Arguments {
    /// The value of `--name` as an integer ≥ 1, or nil when absent.
    func positiveInt(_ name: String) throws -> Int? {
        guard let text = value(name) else { return nil }
        guard let n = Int(text), n > 0 else { throw UsageError(message: "--\(name) needs a positive integer, got '\(text)'") }
        return n
    }

    /// The value of `--name` (default `seed`) as a seed, a whole number ≥ 0, or nil when absent.
    func seed(_ name: String = "seed") throws -> UInt64? {
        guard let text = value(name) else { return nil }
        guard let s = UInt64(text) else { throw UsageError(message: "--\(name) needs a whole number >= 0, got '\(text)'") }
        return s
    }

    /// The value of `--name` as a finite number in `range`, or nil when absent.
    func number(_ name: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let text = value(name) else { return nil }
        guard let x = Double(text), x.isFinite, range.contains(x) else {
            throw UsageError(message: "--\(name) needs a number in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
        }
        return x
    }
}
