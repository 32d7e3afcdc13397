import Foundation

/// Charts drawn on the server as SVG (no script, no external files): funnel, bar, line and pie.
/// Labels are escaped; sizes are fixed so the chart scales with the page.
enum Charts {
    struct Point {
        let label: String
        let value: Double
        let display: String
    }

    static let colors = ["#1d4ed8", "#0891b2", "#059669", "#ca8a04", "#ea580c", "#dc2626", "#7c3aed", "#db2777", "#4b5563", "#65a30d"]

    /// `empty`: what the chart says when there is nothing to draw.
    static func svg(_ kind: String, _ points: [Point], title: String, empty: String = "—") -> String {
        guard !points.isEmpty else {
            return svgFrame(title: title, height: 60) { "<text x=\"20\" y=\"35\" fill=\"#829ab1\">\(HTML.escape(empty))</text>" }
        }
        switch kind {
        case "funnel": return funnel(points, title: title)
        case "line": return line(points, title: title)
        case "pie": return pie(points, title: title)
        default: return bars(points, title: title)
        }
    }

    static func svgFrame(title: String, height: Int, _ body: () -> String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 720 \(height)\" width=\"100%\" role=\"img\" aria-label=\"\(HTML.escape(title))\" font-family=\"system-ui,sans-serif\" font-size=\"13\">"
            + "<title>\(HTML.escape(title))</title>" + body() + "</svg>"
    }

    /// Horizontal bars in the order given, on a scale of round values labelled below them; each
    /// bar runs from zero (leftwards for a negative value) with its value beside it, and names
    /// its group and value on hover.
    static func bars(_ points: [Point], title: String) -> String {
        let scale = Scale(points.map(\.value))
        let (left, right) = (180.0, 620.0)
        let bottom = points.count * 28 + 14
        func x(_ value: Double) -> Double { left + scale.fraction(value.isFinite ? value : 0) * (right - left) }
        return svgFrame(title: title, height: bottom + 22) {
            scale.ticks.map { tick in
                let at = format(x(tick))
                return "<line x1=\"\(at)\" y1=\"6\" x2=\"\(at)\" y2=\"\(bottom)\" stroke=\"\(tick == 0 ? "#9fb3c8" : "#e4ebf2")\"/>"
                    + "<text x=\"\(at)\" y=\"\(bottom + 16)\" text-anchor=\"middle\" fill=\"#627d98\" font-size=\"11\">"
                    + "\(scale.label(tick))</text>"
            }.joined()
                + points.enumerated().map { index, point in
                    let y = 10 + index * 28
                    let (zero, end) = (x(0), x(point.value))
                    let width = max(2, abs(end - zero))
                    // The value beside the bar's end; a negative one's right of the zero line.
                    let text = point.value < 0 ? zero + 6 : zero + width + 6
                    return "<text x=\"170\" y=\"\(y + 17)\" text-anchor=\"end\">\(HTML.escape(fitted(point.label, width: 165)))</text>"
                        + "<rect x=\"\(format(min(zero, end)))\" y=\"\(y + 4)\" width=\"\(format(width))\" height=\"18\" rx=\"3\" "
                        + "fill=\"\(point.value < 0 ? colors[5] : colors[0])\">"
                        + "<title>\(HTML.escape(point.label)): \(HTML.escape(point.display))</title></rect>"
                        + "<text x=\"\(format(text))\" y=\"\(y + 17)\" fill=\"#334e68\">\(HTML.escape(point.display))</text>"
                }.joined()
        }
    }

    /// Centered bars narrowing stage by stage.
    static func funnel(_ points: [Point], title: String) -> String {
        let top = max(points.map(\.value).max() ?? 1, 1e-9)
        let height = points.count * 34 + 20
        return svgFrame(title: title, height: height) {
            points.enumerated().map { index, point in
                let y = 10 + index * 34
                let width = max(24, point.value / top * 400)
                let x = 250 - width / 2
                return "<rect x=\"\(format(x))\" y=\"\(y)\" width=\"\(format(width))\" height=\"28\" rx=\"4\" fill=\"\(colors[index % colors.count])\"/>"
                    + "<text x=\"470\" y=\"\(y + 19)\" fill=\"#334e68\">"
                    + "\(HTML.escape(fitted(point.label, width: 150))) · \(HTML.escape(point.display))"
                    + "<title>\(HTML.escape(point.label)): \(HTML.escape(point.display))</title></text>"
            }.joined()
        }
    }

    /// A line over the groups in order, on a scale of round values whose gridlines are labelled
    /// on the left. Each dot names its group and value on hover; below a dozen groups the values
    /// stand above the dots, and past a dozen only every few groups are named below.
    static func line(_ points: [Point], title: String) -> String {
        let scale = Scale(points.map(\.value))
        let (left, right, top, bottom) = (70.0, 700.0, 30.0, 230.0)
        let step = points.count > 1 ? (right - left - 20) / Double(points.count - 1) : 0
        let start = points.count > 1 ? left + 10 : (left + right) / 2  // a single point in the middle
        let coordinates = points.indices.map { (start + Double($0) * step, bottom - scale.fraction(points[$0].value) * (bottom - top)) }
        let every = (points.count + 11) / 12
        return svgFrame(title: title, height: 280) {
            scale.ticks.map { tick in
                let y = format(bottom - scale.fraction(tick) * (bottom - top))
                let color = tick == 0 ? "#9fb3c8" : "#e4ebf2"
                return "<line x1=\"\(format(left))\" y1=\"\(y)\" x2=\"\(format(right))\" y2=\"\(y)\" stroke=\"\(color)\"/>"
                    + "<text x=\"\(format(left - 8))\" y=\"\(y)\" dy=\"4\" text-anchor=\"end\" fill=\"#627d98\" font-size=\"11\">"
                    + "\(scale.label(tick))</text>"
            }.joined()
                + "<polyline fill=\"none\" stroke=\"\(colors[0])\" stroke-width=\"2.5\" points=\"\(coordinates.map { "\(format($0.0)),\(format($0.1))" }.joined(separator: " "))\"/>"
                + zip(points, coordinates).enumerated().map { index, pair in
                    let (point, at) = pair
                    var dot = "<circle cx=\"\(format(at.0))\" cy=\"\(format(at.1))\" r=\"4\" fill=\"\(colors[0])\">"
                        + "<title>\(HTML.escape(point.label)): \(HTML.escape(point.display))</title></circle>"
                    if every == 1 {
                        // A halo keeps the value readable where the line runs through it.
                        dot += "<text x=\"\(format(at.0))\" y=\"\(format(at.1 - 10))\" text-anchor=\"middle\" fill=\"#334e68\" "
                            + "font-size=\"11\" stroke=\"#f5f7fa\" stroke-width=\"4\" paint-order=\"stroke\">"
                            + "\(HTML.escape(point.display))</text>"
                    }
                    if index % every == 0 {
                        dot += "<text x=\"\(format(at.0))\" y=\"258\" text-anchor=\"middle\" font-size=\"11\">"
                            + "\(HTML.escape(point.label))</text>"
                    }
                    return dot
                }.joined()
        }
    }

    /// A value axis from zero (or below, for negative values) to a round value past the largest,
    /// in about four round steps (1, 2, 2.5 or 5 times a power of ten).
    struct Scale {
        let low: Double
        let high: Double
        let step: Double

        init(_ values: [Double], steps: Double = 4) {
            let values = values.filter(\.isFinite)
            let smallest = min(values.min() ?? 0, 0)
            var largest = max(values.max() ?? 0, 0)
            if largest <= smallest { largest = smallest + 1 }  // nothing but zeros
            let rough = (largest - smallest) / steps
            let magnitude = pow(10, (log10(rough)).rounded(.down))
            step = [1, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= rough * 0.999 } ?? 10 * magnitude
            low = (smallest / step).rounded(.down) * step
            high = max((largest / step).rounded(.up) * step, low + step)
        }

        var ticks: [Double] { Array(stride(from: low, through: high + step / 2, by: step)) }

        /// Where `value` stands between the axis's ends, 0 to 1.
        func fraction(_ value: Double) -> Double { (value - low) / (high - low) }

        /// A tick as the axis shows it: whole numbers grouped by thousands.
        func label(_ value: Double) -> String {
            step >= 1 ? Display.grouped(String(Int64(value.rounded()))) : String(format: "%g", value)
        }
    }

    /// Slices with a legend.
    static func pie(_ points: [Point], title: String) -> String {
        let total = points.map(\.value).reduce(0, +)
        let height = max(240, points.count * 22 + 20)
        return svgFrame(title: title, height: height) {
            var angle = -Double.pi / 2
            var output = ""
            for (index, point) in points.enumerated() {
                let share = total > 0 ? point.value / total : 0
                let color = colors[index % colors.count]
                if share >= 0.9999 {
                    output += "<circle cx=\"120\" cy=\"120\" r=\"100\" fill=\"\(color)\"/>"
                } else if share > 0 {
                    let end = angle + share * 2 * Double.pi
                    let large = share > 0.5 ? 1 : 0
                    output += "<path d=\"M120,120 L\(format(120 + 100 * cos(angle))),\(format(120 + 100 * sin(angle))) A100,100 0 \(large) 1 \(format(120 + 100 * cos(end))),\(format(120 + 100 * sin(end))) Z\" fill=\"\(color)\"/>"
                    angle = end
                }
                let y = 20 + index * 22
                output += "<rect x=\"260\" y=\"\(y - 11)\" width=\"12\" height=\"12\" fill=\"\(color)\"/>"
                output += "<text x=\"280\" y=\"\(y)\">\(HTML.escape(point.label)) · \(HTML.escape(point.display)) (\(String(format: "%.0f", share * 100))%)</text>"
            }
            return output
        }
    }

    static func format(_ value: Double) -> String { String(format: "%.1f", value) }

    /// `text` cut with "…" to about `width` pixels of the charts' 13 px font: a CJK character is
    /// about 13 px wide, others about 7.5 (the whole text is in the mark's hover title).
    static func fitted(_ text: String, width: Double) -> String {
        func size(_ character: Character) -> Double { (character.unicodeScalars.first?.value ?? 0) >= 0x2E80 ? 13 : 7.5 }
        guard text.reduce(0, { $0 + size($1) }) > width else { return text }
        var used = 0.0
        var kept = ""
        for character in text {
            used += size(character)
            if used > width - 10 { break }
            kept.append(character)
        }
        return kept + "…"
    }
}
