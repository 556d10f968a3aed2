import TensorCore
import XCTest

// The one comparison every test target uses: XCTest assertions over `mismatch(_:_:_:)`.

/// Fails the test unless `actual` is close to `expected` under `tolerance` (see `Tolerance`; NaN and
/// infinity fail unless expected).
public func assertClose(_ actual: [Double], _ expected: [Double], within tolerance: Tolerance, _ what: @autoclosure () -> String = "",
                        file: StaticString = #filePath, line: UInt = #line) {
    if let m = mismatch(actual, expected, tolerance) { XCTFail("\(what()): \(m)", file: file, line: line) }
}

/// `assertClose` for Float values against Float references.
public func assertClose(_ actual: [Float], _ expected: [Float], within tolerance: Tolerance, _ what: @autoclosure () -> String = "",
                        file: StaticString = #filePath, line: UInt = #line) {
    if let m = mismatch(actual, expected, tolerance) { XCTFail("\(what()): \(m)", file: file, line: line) }
}

/// `assertClose` for Float values against Double references.
public func assertClose(_ actual: [Float], _ expected: [Double], within tolerance: Tolerance, _ what: @autoclosure () -> String = "",
                        file: StaticString = #filePath, line: UInt = #line) {
    if let m = mismatch(actual, expected, tolerance) { XCTFail("\(what()): \(m)", file: file, line: line) }
}

/// `assertClose` for tensors: equal shapes, then the values. A nil `actual` fails.
public func assertClose(_ actual: Tensor?, _ expected: Tensor, within tolerance: Tolerance, _ what: @autoclosure () -> String = "",
                        file: StaticString = #filePath, line: UInt = #line) {
    guard let actual else { XCTFail("\(what()): no value", file: file, line: line); return }
    guard actual.shape == expected.shape else {
        XCTFail("\(what()): shape \(actual.shape) vs expected \(expected.shape)", file: file, line: line); return
    }
    if let m = mismatch(actual.scalars, expected.scalars, tolerance) { XCTFail("\(what()): \(m)", file: file, line: line) }
}

/// Fails unless every value is finite (no NaN, no infinity); names the first that is not.
public func assertFinite(_ values: [Float], _ what: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line) {
    if let i = values.firstIndex(where: { !$0.isFinite }) {
        XCTFail("\(what()): element \(i) of \(values.count) is \(values[i])", file: file, line: line)
    }
}
