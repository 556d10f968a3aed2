import Foundation
import Modalities
import XCTest

/// `SamplePattern.id(of:)` against the regular expression the pattern stands for (`{id}` → `(?<id>[^/]+)`,
/// `*` → `[^/]*`, anchored), evaluated by Foundation's ICU engine: the same matches and the same captured id
/// for every pattern and path below, including the ambiguous ones where greediness decides.
final class SamplePatternTests: XCTestCase {
    func regexID(_ pattern: String, _ path: String) throws -> String? {
        var expr = "^"
        var rest = Substring(pattern)
        while !rest.isEmpty {
            if rest.hasPrefix("{id}") { expr += "(?<id>[^/]+)"; rest = rest.dropFirst(4) }
            else if rest.first == "*" { expr += "[^/]*"; rest = rest.dropFirst() }
            else { expr += NSRegularExpression.escapedPattern(for: String(rest.first!)); rest = rest.dropFirst() }
        }
        let regex = try NSRegularExpression(pattern: expr + "$")
        guard let m = regex.firstMatch(in: path, range: NSRange(path.startIndex..., in: path)),
              let r = Range(m.range(withName: "id"), in: path) else { return nil }
        return String(path[r])
    }

    func testMatchesTheRegularExpressionItStandsFor() throws {
        let patterns = ["depth/{id}.png", "0/{id}_0°.png", "rgb/{id}.*", "*_{id}.png", "{id}_*.png", "*/{id}*", "a*b{id}c*d",
                        "{id}", "x/{id}/y.tif", "({id}).[png]", "*{id}*", "**{id}**.npy"]
        let paths = ["depth/0001.png", "depth/sub/0001.png", "0/abc_0°.png", "0/abc_0°.pngx", "rgb/s1.jpg", "rgb/s1", "rgb/s1.tar.gz",
                     "a_b_c.png", "a_b_c.npy", "_c.png", "x_.png", "dir/file", "dir/", "ab1c2d", "abbcccdd", "abcd", "s01",
                     "x/s01/y.tif", "x/s/01/y.tif", "(7).[png]", "(7).png", "", "/", "a/b", "é/ü.npy", "ab.npy", "a.npy"]
        var matched = 0
        for pattern in patterns {
            let p = try SamplePattern(pattern)
            for path in paths {
                let want = try regexID(pattern, path)
                XCTAssertEqual(p.id(of: path), want, "\(pattern) on \(path)")
                if want != nil { matched += 1 }
            }
        }
        XCTAssertGreaterThan(matched, 20)
    }

    func testManyWildcardsStayFast() throws {
        // 30 stars against a 200-character component that fails only at its end: the matcher remembers failures.
        let p = try SamplePattern(String(repeating: "*a", count: 30) + "{id}b")
        XCTAssertNil(p.id(of: String(repeating: "a", count: 200)))
        XCTAssertEqual(p.id(of: String(repeating: "a", count: 40) + "xb"), "x")
    }
}
