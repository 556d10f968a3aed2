import Foundation
import ImageIO
import TensorCore
import TestDatasets
import XCTest

/// `mpirun -np 2 aims eval` under the interactive protocol and with `--overlays`, against one process, on this
/// machine (loopback TCP): the tiny SAM ViT fixture, pretrained (zero-shot alignment), on 7 four-channel images
/// shared 3 + 4, one of them with two regions (rank 0's share) and one without any (rank 1's, skipped).
///
/// Truth: the same command run as one process. The ranks' shares are gathered as bit patterns in example
/// order, so the report, the JSON (but for its wall-clock `seconds`), the CSVs and every overlay picture are
/// byte-identical; each rank draws its own images' pictures.
final class DistributedEvaluationTests: MPIBridgeTestCase {
    override class var sampleCount: Int { 7 }

    override func setUpWithError() throws {
        try super.setUpWithError()
        // s01: a second region (id 2) beside its square; s04: no region at all.
        let side = dataset.side
        var two = [Float](repeating: 0, count: side * side)
        let square = dataset.squares["s01"]!
        for y in square.y..<(square.y + dataset.squareSide) { for x in square.x..<(square.x + dataset.squareSide) { two[y * side + x] = 1 } }
        for y in 18..<23 { for x in 14..<22 { two[y * side + x] = 2 } }
        try writeLabel("s01", two)
        try writeLabel("s04", [Float](repeating: 0, count: side * side))
    }

    private func writeLabel(_ id: String, _ values: [Float]) throws {
        try PNGCodec.write(RawImage(tensor: Tensor(shape: [1, dataset.side, dataset.side], values: values), dtype: .uint8),
                           to: dataset.root.appendingPathComponent("labels/\(id).png"))
    }

    private func eval(_ ranks: Int?, _ extra: [String]) throws -> MPIRun.Result {
        let r = try MPIRun.aims(ranks: ranks, ["eval", "--weights", tinySAM, "--modality", "square4", "--plugin", dataset.spec.path,
                                               "--data", dataset.root.path] + extra, limit: 300)
        XCTAssertEqual(r.status, 0, "\(ranks ?? 1) rank(s), \(extra): \(r.stderr)")
        if ranks != nil { XCTAssertTrue(r.stderr.contains("shared by 2 ranks"), r.stderr) }
        return r
    }

    /// The JSON report without its wall-clock field.
    private func withoutSeconds(_ json: String) -> String {
        json.replacingOccurrences(of: #""seconds"\s*:\s*[0-9.e+-]+,?"#, with: "", options: .regularExpression)
    }

    /// Runs `extra` (which writes `csv`) alone and on 2 ranks, as text and as JSON: the outputs of both, with the CSV read after each run.
    private func compare(_ extra: [String], csv: URL) throws -> (text: String, json: [String: Any], csv: String) {
        var outputs: [[String]] = []
        for ranks in [nil, 2] as [Int?] {
            let text = try eval(ranks, extra).stdout
            let textCSV = try String(contentsOf: csv, encoding: .utf8)
            try FileManager.default.removeItem(at: csv)
            let json = try eval(ranks, extra + ["--json"]).stdout
            let jsonCSV = try String(contentsOf: csv, encoding: .utf8)
            try FileManager.default.removeItem(at: csv)
            XCTAssertEqual(textCSV, jsonCSV)
            outputs.append([text, withoutSeconds(json), jsonCSV])
        }
        XCTAssertEqual(outputs[1][0], outputs[0][0], "the text report")
        XCTAssertEqual(outputs[1][1], outputs[0][1], "the JSON report")
        XCTAssertEqual(outputs[1][2], outputs[0][2], "the per-region CSV")
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(outputs[0][1].utf8)) as? [String: Any], outputs[0][1])
        return (outputs[0][0], json, outputs[0][2])
    }

    func testClicksProtocolOnTwoRanksIsByteIdenticalToOneProcess() throws {
        let csv = folder.appendingPathComponent("clicks.csv")
        let (text, report, rows) = try compare(["--protocol", "clicks", "--clicks", "4", "--csv", csv.path], csv: csv)
        XCTAssertTrue(text.contains("NoC@85"), text)
        // Every image but the empty one, both regions of s01: the shares were gathered, not rank 0's alone.
        XCTAssertEqual(report["images"] as? Int, 6); XCTAssertEqual(report["skippedImages"] as? Int, 1)
        XCTAssertEqual(report["regions"] as? Int, 7)
        let interactive = try XCTUnwrap(report["interactive"] as? [String: Any])
        XCTAssertEqual((interactive["curve"] as? [Double])?.count, 4)
        let lines = rows.split(separator: "\n")
        XCTAssertEqual(lines.count, 1 + 7)
        XCTAssertEqual(lines.dropFirst().map { Int($0.split(separator: ",")[0])! }, [0, 1, 1, 2, 3, 5, 6], "example order")
    }

    func testOverlaysOnTwoRanksAreTheFilesOfOneProcess() throws {
        let one = folder.appendingPathComponent("overlays-one"), two = folder.appendingPathComponent("overlays-two")
        let csv = folder.appendingPathComponent("regions.csv")
        let r1 = try eval(nil, ["--overlays", one.path, "--csv", csv.path, "--json"])
        let regions1 = try Data(contentsOf: csv)
        let r2 = try eval(2, ["--overlays", two.path, "--csv", csv.path, "--json"])
        XCTAssertEqual(try Data(contentsOf: csv), regions1, "the per-region CSV")
        XCTAssertEqual(withoutSeconds(r2.stdout), withoutSeconds(r1.stdout), "the JSON report")

        let files = try FileManager.default.contentsOfDirectory(atPath: one.path).sorted()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: two.path).sorted(), files)
        for name in files {
            XCTAssertEqual(try Data(contentsOf: two.appendingPathComponent(name)), try Data(contentsOf: one.appendingPathComponent(name)), name)
        }
        // One picture per scored image (rank 1's 3 among them), each named by the CSV's rows, which list both regions of s01.
        let pictures = files.filter { $0.hasSuffix(".png") }
        XCTAssertEqual(pictures.map { String($0.prefix(9)) }, ["00000-s00", "00001-s01", "00002-s02", "00003-s03", "00005-s05", "00006-s06"])
        XCTAssertEqual(files.count, pictures.count + 1, "and overlays.csv: \(files)")
        let rows = try String(contentsOf: one.appendingPathComponent("overlays.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
        XCTAssertEqual(rows.map { $0.split(separator: ",")[1] }, ["0", "1", "1", "2", "3", "5", "6"])
        XCTAssertEqual(Set(rows.map { String($0.split(separator: ",")[0]) }), Set(pictures))
    }
}
