/// Parses the words after a command's name against its declared arguments. `--name VALUE` and `--name=VALUE`
/// (the next word is the value even when it starts with `-`, so `--seed -1` is an error about the seed), `--flag`,
/// and positionals; after `--` every word is positional. Each value is converted and checked here, so errors
/// name the argument, what was expected and what was given.
enum ArgumentParser {
    static func parse(_ words: [String], signature: CommandSignature) throws -> ParsedArguments {
        var parsed = ParsedArguments()
        let named = Dictionary(signature.named.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for option in signature.named { if let d = option.defaultValue { parsed.defaults[option.key] = d } }
        var positionalWords: [String] = []
        var onlyPositionals = false
        var i = 0
        while i < words.count {
            let word = words[i]
            i += 1
            if onlyPositionals || !word.hasPrefix("--") {
                positionalWords.append(word)
                continue
            }
            if word == "--" {
                onlyPositionals = true
                continue
            }
            var name = String(word.dropFirst(2))
            var inline: String?
            if let eq = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            guard let option = named[name] else { throw UsageError(message: "unknown option --\(name)") }
            guard option.takesValue else {
                if let inline { _ = try option.parseValue(inline) }
                parsed.flags.insert(option.key)
                continue
            }
            let text: String
            if let inline {
                text = inline
            } else {
                guard i < words.count else { throw UsageError(message: "\(option.key) needs a value (\(option.label))") }
                text = words[i]
                i += 1
            }
            parsed.values[option.key, default: []].append(try option.parseValue(text))
        }
        for option in signature.named where option.isRequired && parsed.values[option.key] == nil {
            throw UsageError(message: "\(option.key) is required")
        }
        try assign(positionalWords, to: signature.positionals, in: &parsed)
        return parsed
    }

    /// Hands the positional words to the declared positionals in order; an optional or variadic one takes only
    /// what the ones after it do not need.
    private static func assign(_ words: [String], to declared: [any PositionalDeclaration], in parsed: inout ParsedArguments) throws {
        var rest = words[...]
        for (k, positional) in declared.enumerated() {
            let reservedAfter = declared[(k + 1)...].reduce(0) { $0 + $1.minimum }
            // Its own minimum first (left to right), then whatever the later ones do not need.
            let available = min(rest.count, max(positional.minimum, rest.count - reservedAfter))
            let take = min(available, positional.maximum ?? available)
            guard take >= positional.minimum else { throw UsageError(message: "missing \(positional.name)") }
            if take > 0 { parsed.values[positional.key] = try rest.prefix(take).map { try positional.parseValue($0) } }
            rest = rest.dropFirst(take)
        }
        if let extra = rest.first { throw UsageError(message: "unexpected argument '\(extra)'") }
    }
}
