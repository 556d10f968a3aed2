/// One `aims` command, in the style of swift-argument-parser: a type whose stored properties are its declared
/// arguments (`Option`, `Flag`, `Positional`), so that each is declared once and the parser, the errors and the
/// `--help` text all come from that declaration.
protocol Command: Sendable {
    /// The word that selects it (`inspect`, or `sam` under `bench`).
    static var name: String { get }
    /// One line for the command list.
    static var summary: String { get }
    /// The free-text part of `--help`, printed between the synopsis and the argument lists: what the command
    /// does, formats, outputs, exit status. Arguments are listed from their declarations, not here.
    static var discussion: String { get }
    /// Commands selected by the next word (`aims bench engine`); empty for most.
    static var subcommands: [any Command.Type] { get }

    /// The declarations, with their default values.
    init()

    /// Runs with the parsed arguments; returns the process exit code.
    func run(_ arguments: ParsedArguments) throws -> Int32
}

extension Command {
    static var subcommands: [any Command.Type] { [] }

    /// A command that only groups subcommands needs one of them.
    func run(_ arguments: ParsedArguments) throws -> Int32 {
        throw UsageError(message: "expected a subcommand: \(listing(Self.subcommands.map { $0.name }))")
    }
}
