/// `aims convert <conversion>`: raw sensor files to physical channels; one subcommand per conversion.
struct ConvertCommand: Command {
    static let name = "convert"
    static let summary = "convert raw sensor files to physical channels (polarization mosaics -> S0, DoLP, AoLP)"
    static let discussion = "Converts whole files or folders; the conversions so far:"
    static let subcommands: [any Command.Type] = [ConvertPolarizationCommand.self]
}
