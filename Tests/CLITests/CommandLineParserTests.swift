@testable import aims_cli
import Foundation
import XCTest

/// The declarative parser behind every `aims` command (`Sources/aims-cli/CommandLine/`): typed values, the
/// generated errors (each naming the option and what was expected) and the generated usage.
final class CommandLineParserTests: XCTestCase {
    /// A command declaring one argument of each kind.
    private struct Sample: Command {
        static let name = "sample"
        static let summary = "a command for the tests"
        static let discussion = "Does nothing."

        let files = Positional(.path("FILE"), count: .zeroOrMore, help: "files to read")
        let out = Option("out", .path("DIR"), required: true, help: "the output folder")
        let count = Option("count", .positiveInt("N"), default: 3, help: "how many")
        let mode = Option("mode", .choice(["fast", "exact"]), help: "the mode")
        let points = Option("point", .numbers(2, "X,Y"), repeatable: true, help: "a click")
        let json = Flag("json", help: "JSON on stdout")

        func run(_ arguments: ParsedArguments) throws -> Int32 { 0 }
    }

    private let sample = Sample()

    private func parse(_ words: [String]) throws -> ParsedArguments {
        try ArgumentParser.parse(words, signature: CommandSignature(Sample.self))
    }

    private func usageError(_ words: [String], file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try parse(words)
            XCTFail("\(words) parsed", file: file, line: line)
            return ""
        } catch let e as UsageError {
            return e.message
        } catch {
            XCTFail("\(words): \(error)", file: file, line: line)
            return ""
        }
    }

    func testTypedValuesAndDefaults() throws {
        let a = try parse(["--out", "o", "a.png", "--count=5", "--mode", "exact", "b.png", "--json"])
        XCTAssertEqual(a.value(sample.out), "o")
        XCTAssertEqual(a.value(sample.count), 5)
        XCTAssertEqual(a[sample.mode], "exact")
        XCTAssertTrue(a[sample.json])
        XCTAssertEqual(a.all(sample.files), ["a.png", "b.png"])
        let d = try parse(["--out", "o"])
        XCTAssertEqual(d.value(sample.count), 3, "the declared default")
        XCTAssertFalse(d.isGiven(sample.count), "a default is not given")
        XCTAssertNil(d[sample.mode])
        XCTAssertFalse(d[sample.json])
        XCTAssertEqual(d.all(sample.files), [])
        XCTAssertEqual(d.all(sample.points), [])
    }

    func testErrorsNameTheOptionAndWhatWasExpected() {
        XCTAssertEqual(usageError(["--out", "o", "--bogus"]), "unknown option --bogus")
        XCTAssertEqual(usageError(["--out"]), "--out needs a value (--out DIR)")
        XCTAssertEqual(usageError(["--out", "o", "--count", "x"]), "--count: expected a positive integer, got 'x'")
        XCTAssertEqual(usageError(["--out", "o", "--count", "0"]), "--count: expected a positive integer, got '0'")
        XCTAssertEqual(usageError(["--out", "o", "--mode", "slow"]), "--mode: expected fast or exact, got 'slow'")
        XCTAssertEqual(usageError(["--out", "o", "--point", "1,2,3"]), "--point: expected 2 comma-separated numbers, got '1,2,3'")
        XCTAssertEqual(usageError(["--out", "o", "--json=yes"]), "--json takes no value, got 'yes'")
        XCTAssertEqual(usageError(["a.png"]), "--out is required")
    }

    func testCommaListsAndCase() throws {
        let list = ValueType<[Int]>.list(of: .int(in: 1...100), placeholder: "P,P")
        XCTAssertEqual(try list.parse("10, 50,100", for: "--fractions"), [10, 50, 100])
        XCTAssertThrowsError(try list.parse("0,50", for: "--fractions")) {
            XCTAssertEqual(($0 as? UsageError)?.message, "--fractions: expected comma-separated values, each an integer in 1...100, got '0,50'")
        }
        let choice = ValueType<String>.choice(["zju", "nyu"])
        XCTAssertThrowsError(try choice.parse("ZJU", for: "--c"))
        XCTAssertEqual(try choice.ignoringCase.parse("ZJU", for: "--c"), "zju")
    }

    func testRepeatedOptions() throws {
        let a = try parse(["--out", "o", "--point", "1,2", "--point", "3.5,4", "--count", "1", "--count", "2"])
        XCTAssertEqual(a.all(sample.points), [[1, 2], [3.5, 4]], "a repeatable option keeps every value in order")
        XCTAssertEqual(a.value(sample.count), 2, "any other option keeps the last, as aims always did")
    }

    func testDoubleDashEndsOptions() throws {
        let a = try parse(["--out", "o", "--", "--json", "-x.png"])
        XCTAssertEqual(a.all(sample.files), ["--json", "-x.png"])
        XCTAssertFalse(a[sample.json])
        // A value is the next word even when it looks like an option, so the error is about the value.
        XCTAssertEqual(usageError(["--out", "o", "--count", "-1"]), "--count: expected a positive integer, got '-1'")
    }

    /// Single, optional and variadic positionals take the non-option words in order; the rest is an error.
    func testPositionalCounts() throws {
        struct Two: Command {
            static let name = "two"
            static let summary = ""
            static let discussion = ""
            let spec = Positional(.path("SPEC"), help: "first")
            let inputs = Positional(.path("INPUT"), count: .oneOrMore, help: "then at least one")
            let last = Positional(.path("LAST"), help: "and one more")
            func run(_ arguments: ParsedArguments) throws -> Int32 { 0 }
        }
        let two = Two(), signature = CommandSignature(Two.self)
        let a = try ArgumentParser.parse(["s", "a", "b", "z"], signature: signature)
        XCTAssertEqual(a[two.spec], "s"); XCTAssertEqual(a.all(two.inputs), ["a", "b"]); XCTAssertEqual(a[two.last], "z")
        XCTAssertThrowsError(try ArgumentParser.parse(["s", "z"], signature: signature)) {
            XCTAssertEqual(($0 as? UsageError)?.message, "missing LAST")
        }
        struct One: Command {
            static let name = "one"
            static let summary = ""
            static let discussion = ""
            let file = Positional(.path("FILE"), help: "the file")
            func run(_ arguments: ParsedArguments) throws -> Int32 { 0 }
        }
        XCTAssertThrowsError(try ArgumentParser.parse(["a", "b"], signature: CommandSignature(One.self))) {
            XCTAssertEqual(($0 as? UsageError)?.message, "unexpected argument 'b'")
        }
    }

    func testGeneratedUsageListsEachArgumentOnce() {
        let usage = UsageText.usage(of: Sample.self, path: ["sample"])
        XCTAssertTrue(usage.hasPrefix("Usage: aims sample [FILE...] --out DIR [--count N] [--mode fast|exact] [--point X,Y ...] [--json]"), usage)
        XCTAssertTrue(usage.contains("Does nothing."))
        let entries = optionEntries(usage)
        XCTAssertEqual(entries, ["--out", "--count", "--mode", "--point", "--json"])
        XCTAssertTrue(usage.contains("how many (default 3)"), usage)
        XCTAssertTrue(usage.contains("Arguments:\n  FILE..."), usage)
    }

    /// The drift this design removes: for every command and subcommand, the options its help lists are exactly
    /// the ones its parser accepts, each listed once; and no help text states a timing.
    func testEveryCommandsHelpMatchesItsParser() throws {
        var checked = 0
        func check(_ command: any Command.Type, path: [String]) throws {
            let usage = UsageText.usage(of: command, path: path)
            let signature = CommandSignature(command)
            let declared = signature.named.map(\.key)
            XCTAssertEqual(Set(declared).count, declared.count, "\(path): an option declared twice")
            XCTAssertTrue(usage.hasPrefix("Usage: aims " + path.joined(separator: " ")), usage)
            let listed = optionEntries(usage)
            XCTAssertEqual(listed, declared, "\(path): the help lists what is declared, once each, in order")
            for name in listed {
                // Accepted: whatever the error (a missing value or a required option), it is not "unknown option".
                do {
                    _ = try ArgumentParser.parse([name], signature: signature)
                } catch let e as UsageError {
                    XCTAssertFalse(e.message.hasPrefix("unknown option"), "\(path) \(name): \(e.message)")
                }
            }
            XCTAssertThrowsError(try ArgumentParser.parse(["--not-an-option"], signature: signature), "\(path)")
            for positional in signature.positionals {
                XCTAssertTrue(usage.contains("\n  " + positional.label), "\(path): \(positional.label) in Arguments")
            }
            let timing = try NSRegularExpression(pattern: #"\b\d+(\.\d+)?\s*(ms|s|sec|seconds?|min|minutes?|h|hours?)\b"#)
            let range = NSRange(usage.startIndex..., in: usage)
            XCTAssertNil(timing.firstMatch(in: usage, range: range).map { (usage as NSString).substring(with: $0.range) },
                         "\(path): a timing in the help")
            checked += 1
            for sub in command.subcommands {
                XCTAssertTrue(usage.contains("\n  " + sub.name), "\(path) lists \(sub.name)")
                try check(sub, path: path + [sub.name])
            }
        }
        for command in CommandLineTool.commands { try check(command, path: [command.name]) }
        XCTAssertGreaterThanOrEqual(checked, 16, "11 commands + modalities check, convert polarization, bench engine/sam/convert")
        let overview = CommandLineTool.overview
        for path in ["inspect", "modalities check", "convert polarization", "bench engine", "bench sam", "bench convert", "demo"] {
            XCTAssertTrue(overview.contains("\n  " + path + " "), "aims --help lists \(path)")
        }
    }

    /// The `--name` labels of the Options section, in order.
    private func optionEntries(_ usage: String) -> [String] {
        guard let section = usage.components(separatedBy: "\nOptions:\n").last, usage.contains("\nOptions:\n") else { return [] }
        return section.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("  --") else { return nil }
            return String(line.dropFirst(2).prefix { $0 != " " })
        }
    }
}
