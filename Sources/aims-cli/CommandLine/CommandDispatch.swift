/// Finds the command a command line selects (following subcommand words) and parses the rest against its
/// declarations.
enum CommandDispatch {
    struct Selection {
        let command: any Command.Type
        /// The words that selected it, e.g. `["bench", "sam"]`.
        let path: [String]
        /// The words after them.
        let rest: [String]
    }

    /// Follows subcommand words from `command`: `bench sam --size 32` → `bench sam` with `--size 32`.
    static func select(_ command: any Command.Type, words: [String], path: [String]) -> Selection {
        if let next = words.first, let sub = command.subcommands.first(where: { $0.name == next }) {
            return select(sub, words: Array(words.dropFirst()), path: path + [next])
        }
        return Selection(command: command, path: path, rest: words)
    }

    /// Whether `--help` or `-h` appears before any `--`.
    static func asksForHelp(_ words: [String]) -> Bool {
        words.prefix { $0 != "--" }.contains { $0 == "--help" || $0 == "-h" }
    }

    /// The parsed arguments of `selection`, or a `UsageError`: an unknown subcommand word is named as such.
    static func parse(_ selection: Selection) throws -> ParsedArguments {
        let signature = CommandSignature(selection.command)
        let subcommands = selection.command.subcommands
        if let word = selection.rest.first, !subcommands.isEmpty, !word.hasPrefix("-"), signature.positionals.isEmpty {
            throw UsageError(message: "unknown subcommand '\(word)'; expected \(listing(subcommands.map { $0.name }))")
        }
        return try ArgumentParser.parse(selection.rest, signature: signature)
    }
}
