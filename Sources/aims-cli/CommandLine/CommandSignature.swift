/// The arguments a command declares: its stored properties that are `Option`s, `Flag`s or `Positional`s, in
/// declaration order (the order of the help text). Read by reflection so that no separate list can drift from
/// the declarations.
struct CommandSignature {
    let arguments: [any ArgumentDeclaration]

    init(_ command: any Command.Type) {
        arguments = Mirror(reflecting: command.init()).children.compactMap { $0.value as? any ArgumentDeclaration }
    }

    var named: [any NamedArgument] { arguments.compactMap { $0 as? any NamedArgument } }
    var positionals: [any PositionalDeclaration] { arguments.compactMap { $0 as? any PositionalDeclaration } }
}
