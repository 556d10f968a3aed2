/// The `--help` text of a command, generated from its declarations: the synopsis (`Usage: aims …`), the
/// command's discussion, its subcommands, positionals and options, one help line each.
enum UsageText {
    /// Width the synopsis and the command list wrap at.
    static let width = 110
    /// Labels longer than this put their help on the next line.
    static let labelColumn = 24

    /// - Parameter path: the words that select the command, e.g. `["bench", "sam"]`.
    static func usage(of command: any Command.Type, path: [String]) -> String {
        let signature = CommandSignature(command)
        let prefix = "Usage: aims " + path.joined(separator: " ")
        var tokens = signature.positionals.map(\.synopsis) + signature.named.map(\.synopsis)
        // A parent with arguments of its own also runs without a subcommand (`aims modalities`).
        if !command.subcommands.isEmpty { tokens.insert(signature.arguments.isEmpty ? "<subcommand>" : "[<subcommand>]", at: 0) }
        var text = wrap(prefix, tokens, indent: prefix.count + 1)
        if !command.discussion.isEmpty { text += "\n\n" + command.discussion }
        if !command.subcommands.isEmpty {
            text += "\n\nSubcommands (`aims \(path.joined(separator: " ")) <subcommand> --help` for each):\n"
                + table(command.subcommands.map { ($0.name, $0.summary) })
        }
        if !signature.positionals.isEmpty {
            text += "\n\nArguments:\n" + table(signature.positionals.map { ($0.label, $0.helpText) })
        }
        if !signature.named.isEmpty {
            text += "\n\nOptions:\n" + table(signature.named.map { ($0.label, $0.helpText) })
        }
        return text
    }

    /// `aims --help`: every command and subcommand with its summary.
    static func overview(_ commands: [any Command.Type]) -> String {
        var rows: [(label: String, help: String)] = []
        func add(_ c: any Command.Type, _ path: String) {
            rows.append((path, c.summary))
            for s in c.subcommands { add(s, path + " " + s.name) }
        }
        for c in commands { add(c, c.name) }
        return "aims: cross-modal fine-tuning of SAM for any imaging sensor (SimCMF).\n\nUsage: aims <command> [options]\n\nCommands:\n"
            + table(rows) + "\n\nRun `aims <command> --help` for a command's options."
    }

    /// Two columns; a multi-line help continues under its first line.
    static func table(_ rows: [(label: String, help: String)]) -> String {
        let column = min(rows.map(\.label.count).max() ?? 0, labelColumn) + 4
        let pad = String(repeating: " ", count: column)
        return rows.map { row in
            let lines = row.help.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let head = "  " + row.label
            var out = head.count + 2 <= column ? head.padding(toLength: column, withPad: " ", startingAt: 0) + lines[0]
                : head + "\n" + pad + lines[0]
            for line in lines.dropFirst() { out += "\n" + pad + line }
            return out
        }.joined(separator: "\n")
    }

    /// `prefix` followed by the tokens, wrapped before `width` with continuation lines indented.
    static func wrap(_ prefix: String, _ tokens: [String], indent: Int) -> String {
        var lines = [prefix]
        for token in tokens {
            if lines[lines.count - 1].count + 1 + token.count > width && lines[lines.count - 1].count > indent {
                lines.append(String(repeating: " ", count: indent - 1))
            }
            lines[lines.count - 1] += " " + token
        }
        return lines.joined(separator: "\n")
    }
}
